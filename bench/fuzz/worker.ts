/**
 * The campaign's worker thread: runs fast-check batches of one target at a time, the targets
 * sharing the time equally, until the deadline; samples memory after GC; reports to the parent.
 * Started by bench/fuzz/campaign.ts; see protocol.ts for what is shared.
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { memoryAfterGc } from '../../testkit/endurance.js';
import type { Injection } from './args.js';
import { describeError } from '../../testkit/fuzz/checks.js';
import {
  batchSeed,
  type MemorySample,
  PHASE,
  SLOT,
  SLOTS,
  type WorkerData,
  type WorkerMessage,
} from './protocol.js';
import { emptyStats, type Target, TARGETS, type TargetName, type TargetStats } from '../../testkit/fuzz/targets.js';
import { classify, type Failure } from '../../testkit/fuzz/vectors.js';

const data = workerData as WorkerData;
const shared = new Int32Array(data.shared, 0, SLOTS);
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);

// ---------------------------------------------------------------------------------------------
// Self-test faults (--inject): each is triggered by something a shrunk input shows plainly.

const leaked: Buffer[] = [];
const contains = (chunks: readonly Buffer[], text: string): boolean => Buffer.concat(chunks).includes(text, 0, 'latin1');

function injected(kind: Injection | undefined, chunks: readonly Buffer[]): string[] {
  switch (kind) {
    case 'crash':
      // As if a decoder threw something other than a ProtocolError on a pong.
      if (contains(chunks, 'pong\0')) throw new TypeError('injected: a pong crashed the decoder');
      return [];
    case 'hang':
      if (contains(chunks, 'pong\0')) for (;;);
      return [];
    case 'growth':
      leaked.push(Buffer.alloc(64 * 1024, 1));
      return [];
    case 'mismatch':
      return contains(chunks, 'pong\0') ? ['injected: the machine answered a pong'] : [];
    default:
      return [];
  }
}

/** A check never throws for the code under test; anything it does throw is reported as a problem. */
function checked(target: Target, chunks: readonly Buffer[], stats?: TargetStats): string[] {
  try {
    const problems = injected(data.inject, chunks);
    return problems.length > 0 ? problems : target.check(chunks, stats);
  } catch (error) {
    return [`the check threw ${describeError(error)}`];
  }
}

const failureOf = (problems: readonly string[]): Failure =>
  problems.some((p) => / threw |untyped|non-error/.test(p)) ? 'exception' : 'oracle';

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = Date.now();
  const deadline = started + data.durationMs;
  const elapsed = (): number => (Date.now() - started) / 1000;
  const targets = data.targets.map((name) => TARGETS[name]);
  const stats: Record<string, TargetStats> = Object.fromEntries(data.targets.map((n) => [n, emptyStats()]));
  const spent = new Map<TargetName, number>(data.targets.map((n) => [n, 0]));
  const last = new Map<TargetName, readonly Buffer[]>();
  const memory: MemorySample[] = [];
  let nextSample = started + data.heapEveryMs;
  let nextProgress = started + data.progressEveryMs;

  for (let batch = 0; Date.now() < deadline; batch++) {
    // The target that has had the least time so far.
    const target = targets.reduce((a, b) => (spent.get(b.name)! < spent.get(a.name)! ? b : a));
    const seed = batchSeed(data.seed, batch);
    Atomics.store(shared, SLOT.target, targets.indexOf(target));
    Atomics.store(shared, SLOT.batch, batch);
    Atomics.store(shared, SLOT.phase, PHASE.running);
    let run = 0;
    let original: string[] | undefined;
    const batchStarted = Date.now();
    const result = fc.check(
      fc.property(target.arbitrary, (chunks) => {
        if (!original) Atomics.store(shared, SLOT.run, run++);
        Atomics.add(shared, SLOT.cases, 1);
        last.set(target.name, chunks);
        const problems = checked(target, chunks, original ? undefined : stats[target.name]);
        if (problems.length === 0) return true;
        if (!original) {
          original = problems;
          Atomics.store(shared, SLOT.phase, PHASE.shrinking);
        }
        return false;
      }),
      { seed, numRuns: target.batch },
    );
    spent.set(target.name, spent.get(target.name)! + (Date.now() - batchStarted));

    if (result.failed) {
      const chunks = (result.counterexample?.[0] ?? last.get(target.name) ?? []) as Buffer[];
      const problems = checked(target, chunks);
      post({
        type: 'failure',
        target: target.name,
        failure: failureOf(problems.length > 0 ? problems : (original ?? [])),
        problems: problems.length > 0 ? problems : (original ?? ['the property failed']),
        chunks: chunks.map((c) => c.toString('hex')),
        expected: classify(chunks),
        seed,
        path: result.counterexamplePath ?? '',
        shrinks: result.numShrinks,
        original: original ?? [],
      });
      return;
    }

    const now = Date.now();
    if (now >= nextSample) {
      Atomics.store(shared, SLOT.phase, PHASE.memory);
      const m = await memoryAfterGc();
      const sample: MemorySample = { at: elapsed(), heap: m.heap, buffers: m.buffers };
      memory.push(sample);
      nextSample = Date.now() + data.heapEveryMs;
      // The first sample, taken once the code is warm, is the baseline.
      const base = memory[0]!;
      const grown = Math.max(sample.heap - base.heap, sample.buffers - base.buffers);
      if (grown > data.maxGrowth) {
        const chunks = last.get(target.name) ?? [];
        const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
        post({
          type: 'growth',
          target: target.name,
          samples: memory,
          problem:
            `memory after GC grew by ${mb(grown)} (limit ${mb(data.maxGrowth)}): heap ${mb(base.heap)} → ${mb(sample.heap)}, ` +
            `buffers ${mb(base.buffers)} → ${mb(sample.buffers)} between ${base.at.toFixed(0)} s and ${sample.at.toFixed(0)} s`,
          chunks: chunks.map((c) => c.toString('hex')),
          expected: classify(chunks),
        });
        return;
      }
    }
    if (now >= nextProgress) {
      post({ type: 'progress', elapsed: elapsed(), stats, memory: memory.at(-1) });
      nextProgress = now + data.progressEveryMs;
    }
  }
  Atomics.store(shared, SLOT.phase, PHASE.finished);
  // A last sample, so that short campaigns report memory too (not judged: there may be no baseline).
  const m = await memoryAfterGc();
  memory.push({ at: elapsed(), heap: m.heap, buffers: m.buffers });
  post({ type: 'done', elapsed: elapsed(), stats, memory });
}

// Anything thrown outside a check surfaces as the worker's 'error' event: the parent reports a crash.
await main();
