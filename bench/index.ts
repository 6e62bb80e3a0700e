/**
 * Benchmark runner: `npm run bench` runs every module, `npm run bench -- codec` only the named ones.
 * Prints the tables and updates BENCHMARKS.md at the repository root.
 *
 * To add a benchmark (peer load, handshake, scale, crawl, ...), write a module exporting a
 * `BenchModule` (bench/lib/types.ts) and list it in MODULES.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addrmanBench } from './addrman.js';
import { blockBench } from './block.js';
import { chainBench } from './chain.js';
import { codecBench } from './codec.js';
import { crawlBench } from './crawl.js';
import { handshakeBench } from './handshake.js';
import { inspectorBench } from './inspector.js';
import { machineInfo } from './lib/machine.js';
import { printResult, writeBenchmarksFile } from './lib/report.js';
import type { BenchModule, ModuleReport, ModuleResult } from './lib/types.js';
import { peerLoadBench } from './peer-load.js';
import { proxyBench } from './proxy.js';
import { scaleBench } from './scale.js';
import { syncBench } from './sync.js';
import { v2PeerBench } from './v2-peer.js';
import { v2Bench } from './v2.js';
import { valueBench } from './value.js';

const MODULES: readonly BenchModule[] = [codecBench, blockBench, valueBench, peerLoadBench, handshakeBench, scaleBench, crawlBench, addrmanBench, chainBench, v2Bench, v2PeerBench, inspectorBench, proxyBench, syncBench];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function usage(): string {
  return [
    'usage: npm run bench [-- [--no-write] <module> ...]',
    `modules: ${MODULES.map((m) => `${m.name} (${m.title})`).join(', ')}`,
    'env: BENCH_REPS=<n>        samples per figure (default 5)',
    '     BENCH_CLOCK=cpu       time samples by worker CPU time instead of wall clock (steadier on a busy machine)',
    '     BENCH_CANDIDATE=<dir> codec: also measure a modified copy of src/protocol (e.g. a change under review)',
    '     BENCH_CPU_PROF=<dir>  write a --cpu-prof profile of every worker process to <dir>',
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  const write = !argv.includes('--no-write');
  const names = argv.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((n) => !MODULES.some((m) => m.name === n));
  if (unknown.length) {
    console.error(`unknown benchmark module(s): ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const selected = names.length ? MODULES.filter((m) => names.includes(m.name)) : MODULES;

  const results: ModuleResult[] = [];
  for (const module of selected) {
    const tmpDir = mkdtempSync(path.join(os.tmpdir(), `bench-${module.name}-`));
    const started = performance.now();
    try {
      const report = await module.run({ tmpDir, log: (line) => console.error(`[${module.name}] ${line}`) }).catch(
        // One module that could not measure never stops the others: it is reported as not measured.
        (error: unknown): ModuleReport => {
          const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
          console.error(`[${module.name}] not measured: ${why}`);
          return { tables: [], targets: [], notes: [`Not measured in this run: ${why}`] };
        },
      );
      const result: ModuleResult = {
        ...report,
        name: module.name,
        title: module.title,
        seconds: (performance.now() - started) / 1e3,
        machine: machineInfo(),
      };
      results.push(result);
      console.log(printResult(result));
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }

  if (write && results.length) {
    const file = path.join(root, 'BENCHMARKS.md');
    writeBenchmarksFile(
      file,
      results,
      MODULES.map((m) => m.name),
    );
    console.log(`\nwrote ${path.relative(process.cwd(), file) || file}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
