/**
 * Timing for the codec benchmark: contenders in their own processes, sampled in interleaved,
 * rotating rounds so that load from other work falls on all of them alike.
 */
import type { Worker } from './child.js';
import { median, spread } from './stats.js';
import type { PassResult, WorkerRequest } from '../workers/protocol.js';

/** Warm-up: at least this many passes and this long, per contender and mix, before any sample. */
export const WARMUP_PASSES = 1;
export const WARMUP_MS = 150;
/** wall (default) or cpu: time samples by the worker's CPU time, steadier when other work shares the cores. */
export const CLOCK = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
export const clock = (r: PassResult): number => (CLOCK === 'cpu' ? r.cpuMs : r.ms);
export const REPS = Number(process.env.BENCH_REPS ?? 5);
export const ENCODE_REPS = Math.max(3, REPS - 2);
/** Each timed sample repeats the pass until it lasts at least this long, so timer resolution does not matter. */
export const MIN_SAMPLE_MS = 40;

/** One benchmark process: our codec, or bcoin with one hash backend. */
export interface Proc {
  readonly key: string;
  readonly label: string;
  readonly worker: Worker;
  backend: string;
}

export type WithoutInner<R> = R extends unknown ? Omit<R, 'inner'> : never;
export type TimedRequest = WithoutInner<Extract<WorkerRequest, { op: 'decode' | 'encode' | 'hash' }>>;

/** One timed thing: a request to one process, and how to check each answer. Other modules' workers take other requests. */
export interface Runner<R extends { readonly op: string } = TimedRequest> {
  readonly key: string;
  readonly proc: Proc;
  readonly request: R;
  readonly check: (r: PassResult) => void;
}

export interface Sample {
  /** Median time of one pass. */
  readonly ms: number;
  /** Per-round times, in round order (for paired ratios). */
  readonly times: readonly number[];
  readonly spread: number;
}

/**
 * Runs every runner `WARMUP_PASSES` times, then `reps` rounds in which each runs one sample,
 * round-robin with the order rotating each round; only one process works at a time. A sample
 * repeats the pass until it lasts MIN_SAMPLE_MS.
 */
export async function measure<R extends { readonly op: string }>(
  runners: readonly Runner<R>[],
  reps: number,
): Promise<Map<string, Sample>> {
  const inner = new Map<string, number>();
  for (const r of runners) {
    let ms = 0;
    let spent = 0;
    for (let i = 0; i < WARMUP_PASSES || spent < WARMUP_MS; i++) {
      const res = await r.proc.worker.request<PassResult>({ ...r.request, inner: 1 });
      r.check(res);
      ms = clock(res);
      spent += res.ms;
    }
    inner.set(r.key, Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(ms, 0.01))));
  }
  const times = new Map<string, number[]>(runners.map((r) => [r.key, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < runners.length; k++) {
      const r = runners[(rep + k) % runners.length]!;
      const res = await r.proc.worker.request<PassResult>({ ...r.request, inner: inner.get(r.key)! });
      r.check(res);
      times.get(r.key)!.push(clock(res));
    }
  }
  return new Map([...times].map(([key, t]) => [key, { ms: median(t), times: t, spread: spread(t) }]));
}

/**
 * How many times faster `a` is than `b`: the median over rounds of b's time / a's time in the same
 * round, which cancels load that changes between rounds (this machine is shared).
 */
export const speedup = (a: Sample, b: Sample): number => median(a.times.map((t, i) => b.times[i]! / t));
