/**
 * Benchmark worker for the header chain (src/chain), started by bench/chain.ts in its own process
 * (with --expose-gc for the heap figure). Ops: validate (HeaderChain in memory), store (the same
 * through a HeaderStore file), load (open a store), ceiling (sha256d of each 80-byte header),
 * js80 (the chain's own 80-byte double hash alone), heap (bytes held per stored header).
 */
import { readFileSync, rmSync } from 'node:fs';
import { HeaderChain } from '../../src/chain/chain.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { HeaderStore } from '../../src/chain/store.js';
import { sha256d } from '../../src/protocol/hash.js';
import { doubleSha256HeaderInto } from '../../src/protocol/sha256.js';
import { serveRequests } from './worker.js';

const BATCH = 2000;
const files = new Map<string, Buffer[]>();
const views = (file: string): Buffer[] => {
  let v = files.get(file);
  if (!v) {
    const bytes = readFileSync(file);
    v = Array.from({ length: bytes.length / 80 }, (_, i) => bytes.subarray(i * 80, (i + 1) * 80));
    files.set(file, v);
  }
  return v;
};
const NOW = 4_000_000_000;

function validate(headers: Buffer[]): { ms: number; height: number } {
  const t = performance.now();
  const chain = new HeaderChain(CHAIN_PARAMS.regtest, { now: () => NOW });
  for (let i = 0; i < headers.length; i += BATCH) {
    const r = chain.acceptHeaders(headers.slice(i, i + BATCH));
    if (r.error) throw r.error;
  }
  return { ms: performance.now() - t, height: chain.height };
}

function store(headers: Buffer[], dir: string): { ms: number; height: number } {
  rmSync(dir, { recursive: true, force: true });
  const t = performance.now();
  const s = HeaderStore.open({ network: 'regtest', dataDir: dir, now: () => NOW });
  for (let i = 0; i < headers.length; i += BATCH) {
    const r = s.accept(headers.slice(i, i + BATCH));
    if (r.error) throw r.error;
  }
  s.close();
  return { ms: performance.now() - t, height: s.chain.height };
}

function load(dir: string): { ms: number; height: number } {
  const t = performance.now();
  const s = HeaderStore.open({ network: 'regtest', dataDir: dir, now: () => NOW });
  const ms = performance.now() - t;
  s.close();
  return { ms, height: s.chain.height };
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const held = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

function heap(headers: Buffer[]): { perHeader: number; arraysPerHeader: number; height: number } {
  gc();
  gc();
  const before = held();
  const chain = new HeaderChain(CHAIN_PARAMS.regtest, { now: () => NOW });
  for (let i = 0; i < headers.length; i += BATCH) chain.acceptHeaders(headers.slice(i, i + BATCH));
  gc();
  gc();
  const after = held();
  return { perHeader: (after - before) / chain.size, arraysPerHeader: chain.index.bytes / chain.size, height: chain.height };
}

function handle(req: Record<string, unknown>): unknown {
  const file = req.file as string;
  switch (req.op) {
    case 'validate':
      return validate(views(file));
    case 'store':
      return store(views(file), req.dir as string);
    case 'load':
      return load(req.dir as string);
    case 'ceiling': {
      const v = views(file);
      const t = performance.now();
      for (const h of v) sha256d(h);
      return { ms: performance.now() - t };
    }
    case 'js80': {
      const v = views(file);
      const out = new Uint32Array(8);
      const t = performance.now();
      for (const h of v) doubleSha256HeaderInto(h, 0, out, 0);
      return { ms: performance.now() - t };
    }
    case 'heap':
      return heap(views(file));
    default:
      throw new Error(`unknown op ${String(req.op)}`);
  }
}

serveRequests((request) => handle(request));
