/**
 * How the campaign's parent (bench/fuzz/campaign.ts) and its worker thread (bench/fuzz/worker.ts)
 * talk. The cases run in the worker so that the parent can see a hang (a case that never returns
 * blocks its thread) and kill it; the worker says which case it is on through shared memory,
 * which costs nothing per case and can still be read when the worker is stuck.
 */
import fc from 'fast-check';
import type { Injection } from './args.js';
import type { TargetName, TargetStats } from '../../testkit/fuzz/targets.js';
import type { ExpectedClass, Failure } from '../../testkit/fuzz/vectors.js';

/** Slots of the shared Int32Array. */
export const SLOT = {
  /** Index in `targets` of the target running. */
  target: 0,
  /** fast-check run (batch) number; its seed is batchSeed(seed, batch). */
  batch: 1,
  /** Index of the case within the batch; during shrinking, of the case that failed. */
  run: 2,
  /** Cases started so far: the heartbeat. */
  cases: 3,
  phase: 4,
} as const;
export const SLOTS = 5;

export const PHASE = { running: 0, shrinking: 1, memory: 2, finished: 3 } as const;

/** The seed of one fast-check run: every batch of a campaign is reproducible on its own. */
export const batchSeed = (seed: number, batch: number): number => (seed + Math.imul(batch + 1, 0x9e37_79b1)) | 0;

/** The input of case `run` of a batch, regenerated from its seed by fast-check's own replay. */
export function regenerate<T>(arbitrary: fc.Arbitrary<T>, seed: number, run: number): T | undefined {
  let value: T | undefined;
  fc.check(
    fc.property(arbitrary, (v) => {
      value = v;
      return true;
    }),
    { seed, path: String(run), numRuns: 1 },
  );
  return value;
}

export interface WorkerData {
  shared: SharedArrayBuffer;
  seed: number;
  targets: TargetName[];
  /** How long to fuzz, ms, from when the worker is ready (its imports done). */
  durationMs: number;
  maxGrowth: number;
  heapEveryMs: number;
  progressEveryMs: number;
  inject: Injection | undefined;
}

export interface MemorySample {
  /** Seconds since the campaign began. */
  at: number;
  heap: number;
  buffers: number;
}

export type WorkerMessage =
  | { type: 'progress'; elapsed: number; stats: Record<string, TargetStats>; memory: MemorySample | undefined }
  | {
      type: 'failure';
      target: TargetName;
      failure: Failure;
      problems: string[];
      /** Hex of each chunk, shrunk when fast-check could. */
      chunks: string[];
      expected: ExpectedClass | undefined;
      seed: number;
      path: string;
      shrinks: number;
      /** The problems of the input as first found, before shrinking. */
      original: string[];
    }
  | {
      type: 'growth';
      target: TargetName;
      samples: MemorySample[];
      problem: string;
      chunks: string[];
      expected: ExpectedClass | undefined;
    }
  | {
      type: 'done';
      elapsed: number;
      stats: Record<string, TargetStats>;
      memory: MemorySample[];
    };
