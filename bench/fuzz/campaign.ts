/**
 * The campaign's parent: starts the worker thread (worker.ts), watches its heartbeat, and turns
 * whatever ends it into a report. A failure (reported by the worker, or seen here: a hang, a
 * crash, memory exhausted) becomes a vector file in test/endurance/vectors/, printed too.
 */
import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import type { FuzzOptions } from './args.js';
import { describeError } from '../../testkit/fuzz/checks.js';
import { batchSeed, type MemorySample, PHASE, regenerate, SLOT, SLOTS, type WorkerData, type WorkerMessage } from './protocol.js';
import { TARGETS, type TargetName, type TargetStats } from '../../testkit/fuzz/targets.js';
import { startTsWorker } from '../../testkit/fuzz/thread.js';
import { chunkToText, classify, type Failure, type Vector, VECTORS_DIR, writeVector } from '../../testkit/fuzz/vectors.js';

/** How often the parent looks at the heartbeat. */
const POLL_MS = 200;
/** The worker's heap may not exceed this (a leak ends as "out of memory" instead of taking the machine). */
const WORKER_HEAP_MB = 2048;

const log = (line: string): void => {
  process.stderr.write(`[fuzz] ${line}\n`);
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en');
const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;

function summaryLines(elapsed: number, stats: Record<string, TargetStats>, memory: readonly MemorySample[]): string[] {
  const lines: string[] = [];
  for (const [name, s] of Object.entries(stats)) {
    const c = s.codec;
    let line =
      `  ${name}: ${fmt(s.cases)} cases (${fmt(s.cases / elapsed)}/s), ${fmt(s.chunks)} chunks, ${mb(s.bytes)}; ` +
      `framer: ${fmt(c.messages)} messages, ${fmt(c.dropped)} dropped, ${fmt(c.fatal)} fatal; ` +
      `decoders: ${fmt(c.decoded)} decoded, ${fmt(c.rejected)} rejected`;
    if (name === 'peer') {
      line += `; machine ends: ${Object.entries(s.ends)
        .map(([end, n]) => `${end} ${fmt(n)}`)
        .join(', ')}; ${fmt(s.pings)} pings answered`;
    }
    lines.push(line);
  }
  if (memory.length > 0) {
    const first = memory[0]!;
    const lastSample = memory.at(-1)!;
    const maxHeap = Math.max(...memory.map((m) => m.heap));
    lines.push(
      `  memory after GC (${memory.length} sample(s), ${first.at.toFixed(0)}–${lastSample.at.toFixed(0)} s): ` +
        `heap ${mb(first.heap)} → ${mb(lastSample.heap)} (max ${mb(maxHeap)}), buffers ${mb(first.buffers)} → ${mb(lastSample.buffers)}`,
    );
  }
  return lines;
}

/** Writes the vector, prints it, returns 1. */
function report(vector: Vector, dir: string): number {
  const file = writeVector(vector, dir);
  const text = JSON.stringify(vector, null, 2);
  console.log(`\nFAILURE (${vector.failure}, target ${vector.target}): ${vector.problem ?? vector.name}`);
  console.log(`vector written to ${path.relative(process.cwd(), file) || file}:`);
  console.log(text.length > 20_000 ? `${text.slice(0, 20_000)}\n… (${fmt(text.length)} characters, see the file)` : text);
  return 1;
}

const nameOf = (target: TargetName, problem: string): string =>
  `${target}: ${problem.length > 140 ? `${problem.slice(0, 137)}…` : problem}`;

export async function runCampaign(options: FuzzOptions): Promise<number> {
  const dir =
    options.vectorsDir !== undefined
      ? path.resolve(options.vectorsDir)
      : options.inject
        ? mkdtempSync(path.join(os.tmpdir(), 'fuzz-inject-'))
        : VECTORS_DIR;
  const shared = new SharedArrayBuffer(SLOTS * Int32Array.BYTES_PER_ELEMENT);
  const beat = new Int32Array(shared);
  log(
    `seed ${options.seed}, ${(options.durationMs / 1000).toFixed(1)} s, targets ${options.targets.join(', ')}, ` +
      `case timeout ${(options.caseTimeoutMs / 1000).toFixed(1)} s, memory growth limit ${mb(options.maxGrowth)}` +
      (options.inject ? `, injected fault: ${options.inject}` : ''),
  );
  log(`failing inputs go to ${path.relative(process.cwd(), dir) || dir}`);
  const workerData: WorkerData = {
    shared,
    seed: options.seed,
    targets: options.targets,
    durationMs: options.durationMs,
    maxGrowth: options.maxGrowth,
    heapEveryMs: options.heapEveryMs,
    progressEveryMs: options.progressEveryMs,
    inject: options.inject,
  };
  const worker = startTsWorker(new URL('./worker.ts', import.meta.url), {
    workerData,
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });

  /** The case the worker is on (or, shrinking, the one that failed), regenerated from its seed. */
  const currentCase = (): { target: TargetName; chunks: Buffer[]; seed: number; path: string } => {
    const target = options.targets[Atomics.load(beat, SLOT.target)] ?? options.targets[0]!;
    const seed = batchSeed(options.seed, Atomics.load(beat, SLOT.batch));
    const run = Atomics.load(beat, SLOT.run);
    return { target, chunks: regenerate(TARGETS[target].arbitrary, seed, run) ?? [], seed, path: String(run) };
  };

  /** A failure the worker could not report: it hung, crashed or ran out of memory. */
  const lostWorker = (failure: Failure, problem: string): number => {
    if (Atomics.load(beat, SLOT.cases) === 0) {
      // Not a finding: the campaign could not start.
      console.error(`fuzz: the worker failed before running any case: ${problem}`);
      return 1;
    }
    const phase = Atomics.load(beat, SLOT.phase);
    const c = currentCase();
    const during =
      phase === PHASE.shrinking
        ? ' while shrinking another failure: the input is the one that failed first'
        : phase === PHASE.memory
          ? ' while sampling memory: the input is the last case run'
          : '';
    return report(
      {
        name: nameOf(c.target, problem),
        target: c.target,
        failure,
        found: new Date().toISOString(),
        problem: `${problem}${during}`,
        reproduce: { seed: c.seed, path: c.path },
        ...(classify(c.chunks) ? { expected: classify(c.chunks)! } : {}),
        chunks: c.chunks.map(chunkToText),
      },
      dir,
    );
  };

  const code = await new Promise<number>((resolve) => {
    let settled = false;
    const finish = (value: number): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      resolve(value);
    };
    let lastCases = -1;
    let lastBeat = Date.now();
    const watchdog = setInterval(() => {
      const cases = Atomics.load(beat, SLOT.cases);
      const now = Date.now();
      if (cases !== lastCases) {
        lastCases = cases;
        lastBeat = now;
        return;
      }
      if (now - lastBeat > options.caseTimeoutMs) {
        const stuck = (now - lastBeat) / 1000;
        // Stop the stuck thread first: terminate() interrupts even an endless loop.
        void worker.terminate();
        finish(lostWorker('hang', `a case ran for more than ${stuck.toFixed(1)} s (limit ${(options.caseTimeoutMs / 1000).toFixed(1)} s)`));
      }
    }, POLL_MS);

    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      switch (message.type) {
        case 'progress': {
          const parts = Object.entries(message.stats).map(([n, s]) => `${n} ${fmt(s.cases)} (${fmt(s.cases / message.elapsed)}/s)`);
          const m = message.memory;
          log(
            `${message.elapsed.toFixed(0)}/${(options.durationMs / 1000).toFixed(0)} s: ${parts.join(', ')}` +
              (m ? `; heap ${mb(m.heap)}, buffers ${mb(m.buffers)}` : ''),
          );
          break;
        }
        case 'failure': {
          void worker.terminate();
          const problem = message.problems.join('; ');
          finish(
            report(
              {
                name: nameOf(message.target, message.problems[0] ?? 'failure'),
                target: message.target,
                failure: message.failure,
                found: new Date().toISOString(),
                problem:
                  message.shrinks > 0 && message.original.join('; ') !== problem
                    ? `${problem} (shrunk ${message.shrinks} times; as found: ${message.original.join('; ')})`
                    : `${problem}${message.shrinks > 0 ? ` (shrunk ${message.shrinks} times)` : ''}`,
                reproduce: { seed: message.seed, path: message.path },
                ...(message.expected ? { expected: message.expected } : {}),
                chunks: message.chunks.map((hex) => chunkToText(Buffer.from(hex, 'hex'))),
              },
              dir,
            ),
          );
          break;
        }
        case 'growth': {
          void worker.terminate();
          finish(
            report(
              {
                name: nameOf(message.target, 'memory grows without bound'),
                target: message.target,
                failure: 'growth',
                found: new Date().toISOString(),
                problem: `${message.problem}; samples (s: heap/buffers MB): ${message.samples
                  .map((s) => `${s.at.toFixed(0)}: ${(s.heap / 2 ** 20).toFixed(1)}/${(s.buffers / 2 ** 20).toFixed(1)}`)
                  .join(', ')}. The input is the last case run; replayed many times it must keep memory bounded.`,
                ...(message.expected ? { expected: message.expected } : {}),
                repeat: 2000,
                chunks: message.chunks.map((hex) => chunkToText(Buffer.from(hex, 'hex'))),
              },
              dir,
            ),
          );
          break;
        }
        case 'done': {
          const total = Object.values(message.stats).reduce((n, s) => n + s.cases, 0);
          console.log(
            `fuzz: no failure in ${message.elapsed.toFixed(1)} s (seed ${options.seed}): ${fmt(total)} cases, ${fmt(total / message.elapsed)}/s`,
          );
          for (const line of summaryLines(message.elapsed, message.stats, message.memory)) console.log(line);
          finish(0);
          break;
        }
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (settled) return;
      const oom = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(
        lostWorker(
          oom ? 'growth' : 'crash',
          oom ? `the worker ran out of its ${WORKER_HEAP_MB} MB heap` : `the worker died: ${describeError(error)}`,
        ),
      );
    });
    worker.on('exit', (exitCode) => {
      if (settled) return;
      finish(lostWorker('crash', `the worker exited with code ${exitCode} before finishing`));
    });
  });
  await worker.terminate();
  return code;
}
