/**
 * Header-chain benchmark: validate and store regtest headers in process, ours (src/chain) against
 * bcoin 1.0.2's SPV chain and against the double-SHA-256 ceiling of 80-byte inputs; heap per stored
 * header and load time of a store, with 1,000,000 headers. Each contender runs in its own process.
 *
 * BENCH_CHAIN_N=100000        headers validated (ours, bcoin, ceiling)
 * BENCH_CHAIN_BIG=1000000     headers for the heap and store-load figures
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from './lib/child.js';
import { cachedRegtestHeaders } from './lib/regtest-headers.js';
import { targetsTable } from './lib/report.js';
import { median, si } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Target } from './lib/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_CHAIN_N ?? 100_000);
const BIG = Number(process.env.BENCH_CHAIN_BIG ?? 1_000_000);
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const TSX = ['--import', 'tsx'];

interface Timed {
  readonly ms: number;
  readonly height?: number;
}

/**
 * A regtest chain of `count` headers from the genesis, mined once and cached in test-output/.
 * `spacing` seconds apart: 1201 for the comparison (more than twice regtest's 600 s spacing, so
 * the min-difficulty rule answers at once for both contenders: with closer headers bcoin walks back
 * over every earlier header of the period, Core's rule done naively, and takes ~1 ms a header),
 * 1 for the million (1201 s apart they would reach past today).
 */
function cachedChain(ctx: BenchContext, count: number, spacing: number): string {
  return cachedRegtestHeaders(ctx, `bench-chain/regtest-${count}-s${spacing}.bin`, count, spacing);
}

const perSecond = (count: number, ms: number): number => count / (ms / 1000);
const us = (count: number, ms: number): string => ((ms * 1000) / count).toFixed(2);

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const small = cachedChain(ctx, N, 1201);
  const big = cachedChain(ctx, BIG, 1);

  const ours = Worker.start('chain-ours', path.join(here, 'workers/chain-ours.ts'), { execArgv: TSX });
  const samples = { validate: [] as number[], store: [] as number[], ceiling: [] as number[], js80: [] as number[] };
  try {
    await ours.request({ op: 'validate', file: small }); // warm-up
    for (let rep = 0; rep < REPS; rep++) {
      const v = await ours.request<Timed>({ op: 'validate', file: small });
      if (v.height !== N) throw new Error(`ours stopped at ${v.height}`);
      samples.validate.push(v.ms);
      samples.ceiling.push((await ours.request<Timed>({ op: 'ceiling', file: small })).ms);
      samples.js80.push((await ours.request<Timed>({ op: 'js80', file: small })).ms);
      samples.store.push((await ours.request<Timed>({ op: 'store', file: small, dir: path.join(ctx.tmpDir, 'small') })).ms);
    }
    ctx.log(`ours: ${us(N, median(samples.validate))} µs/header`);
  } finally {
    await ours.close();
  }

  const bcoin: Record<string, number> = {};
  for (const backend of ['js', 'node']) {
    const w = Worker.start(`chain-bcoin-${backend}`, path.join(here, 'workers/chain-bcoin.cjs'), { env: { NODE_BACKEND: backend } });
    try {
      const r = await w.request<Timed>({ op: 'validate', file: small });
      if (r.height !== N) throw new Error(`bcoin stopped at ${r.height}`);
      bcoin[backend] = r.ms;
      ctx.log(`bcoin (${backend}): ${us(N, r.ms)} µs/header`);
    } finally {
      await w.close();
    }
  }

  const heapWorker = Worker.start('chain-heap', path.join(here, 'workers/chain-ours.ts'), { execArgv: [...TSX, '--expose-gc'] });
  let heap: { perHeader: number; arraysPerHeader: number; height: number };
  let stored: Timed;
  try {
    heap = await heapWorker.request({ op: 'heap', file: big });
    stored = await heapWorker.request<Timed>({ op: 'store', file: big, dir: path.join(ctx.tmpDir, 'big') });
  } finally {
    await heapWorker.close();
  }
  const loadWorker = Worker.start('chain-load', path.join(here, 'workers/chain-ours.ts'), { execArgv: TSX });
  let loaded: Timed;
  try {
    loaded = await loadWorker.request<Timed>({ op: 'load', dir: path.join(ctx.tmpDir, 'big') });
    if (loaded.height !== BIG) throw new Error(`load stopped at ${loaded.height}`);
  } finally {
    await loadWorker.close();
  }

  const oursMs = median(samples.validate);
  const bestBcoin = Math.min(bcoin.js!, bcoin.node!);
  const ceilingMs = median(samples.ceiling);
  const rows = [
    ['ours: HeaderChain in memory', si(perSecond(N, oursMs)), us(N, oursMs), '1.00×'],
    ['ours: through a HeaderStore file', si(perSecond(N, median(samples.store))), us(N, median(samples.store)), `${(oursMs / median(samples.store)).toFixed(2)}×`],
    ['bcoin SPV chain, js hashing', si(perSecond(N, bcoin.js!)), us(N, bcoin.js!), `${(oursMs / bcoin.js!).toFixed(3)}×`],
    ['bcoin SPV chain, node hashing', si(perSecond(N, bcoin.node!)), us(N, bcoin.node!), `${(oursMs / bcoin.node!).toFixed(3)}×`],
    ['ceiling: sha256d of each header', si(perSecond(N, ceilingMs)), us(N, ceilingMs), `${(oursMs / ceilingMs).toFixed(2)}×`],
    ['our 80-byte double hash alone', si(perSecond(N, median(samples.js80))), us(N, median(samples.js80)), `${(oursMs / median(samples.js80)).toFixed(2)}×`],
  ];
  const vsBcoin = bestBcoin / oursMs;
  const vsCeiling = ceilingMs / oursMs;
  const targets: Target[] = [
    { name: 'validate + store vs bcoin SPV chain', goal: '≥ 10× bcoin', actual: `${vsBcoin.toFixed(1)}×`, met: vsBcoin >= 10 },
    { name: 'validate + store vs sha256d ceiling', goal: '≥ 50 %', actual: `${(vsCeiling * 100).toFixed(0)} %`, met: vsCeiling >= 0.5 },
    { name: `heap per stored header (${si(BIG)} headers)`, goal: '≤ 120 bytes', actual: `${heap.perHeader.toFixed(1)} bytes`, met: heap.perHeader <= 120 },
  ];
  return {
    tables: [
      {
        title: `Validate and store ${si(N)} regtest headers (batches of 2,000)`,
        columns: ['contender', 'headers/s', 'µs/header', 'throughput vs ours'],
        numeric: [1, 2, 3],
        rows,
      },
      {
        title: `${si(BIG)} headers: memory and store`,
        columns: ['figure', 'value'],
        numeric: [1],
        rows: [
          ['heap + external bytes held per stored header (after GC)', heap.perHeader.toFixed(1)],
          ['of which typed arrays of the index', heap.arraysPerHeader.toFixed(1)],
          ['write through a HeaderStore, headers/s', si(perSecond(BIG, stored.ms))],
          ['load (open + validate) a store, headers/s', si(perSecond(BIG, loaded.ms))],
          ['load time, s', (loaded.ms / 1000).toFixed(2)],
        ],
      },
      targetsTable(targets),
    ],
    targets,
    notes: [
      `Ours: median of ${REPS} runs after a warm-up, one process; bcoin: one run per hashing backend, each in its own process (it takes ~${Math.round(bestBcoin / 1000)} s).`,
      'Ours receives each header as an 80-byte Buffer view into the file (as a headers payload gives them) and validates fully: proof of work, required bits, median time past, future time, version.',
      'bcoin: Chain({ spv: true, memory: true }) on regtest, Headers objects parsed before the clock starts, Chain#add(header, VERIFY_POW) awaited in turn; in SPV mode it checks proof of work and bits but skips the time and version rules.',
      'The ceiling is src/protocol/hash.ts sha256d on each 80-byte header (node:crypto for the first hash, JavaScript for the second); the chain hashes headers with its own three-compression JavaScript double hash, shown alone in the last row.',
      'Heap per header: process.memoryUsage() heapUsed + external after gc(), before and after building a chain of the million headers in memory (the file is read before the first reading).',
      'Regtest headers for the comparison are 1201 s apart (see cachedChain in bench/chain.ts for why); the million are 1 s apart.',
    ],
  };
}

export const chainBench: BenchModule = { name: 'chain', title: 'Header chain: validation, memory, store', run };
