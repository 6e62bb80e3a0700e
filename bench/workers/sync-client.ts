/**
 * The node under test for bench/sync.ts, in its own process. Ops: sync { port, dir, height } (a
 * node with that one peer, from start() to caught up at `height`, store included), validate { file }
 * (HeaderChain alone, batches of 2000: the in-process ceiling), store { file, dir } (the same
 * through a HeaderStore file).
 */
import { readFileSync, rmSync } from 'node:fs';
import { HeaderChain } from '../../src/chain/chain.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { HeaderStore } from '../../src/chain/store.js';
import { createNode } from '../../src/node.js';
import { serveRequests } from './worker.js';

const BATCH = 2000;

function views(file: string): Buffer[] {
  const bytes = readFileSync(file);
  return Array.from({ length: bytes.length / 80 }, (_, i) => bytes.subarray(i * 80, (i + 1) * 80));
}

async function sync(port: number, dir: string, height: number): Promise<{ ms: number; height: number; requests: number }> {
  rmSync(dir, { recursive: true, force: true });
  const node = createNode({ network: 'regtest', dataDir: dir, peers: [`127.0.0.1:${port}`] });
  const caughtUp = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no caught-up within 120 s')), 120_000);
    node.on('caught-up', ({ tip }) => {
      if (tip.height < height) return;
      clearTimeout(timer);
      resolve(performance.now());
    });
  });
  const started = performance.now();
  await node.start();
  const ended = await caughtUp;
  const { requests } = node.sync.getSnapshot().context.stats;
  await node.stop();
  return { ms: ended - started, height: node.tip?.height ?? 0, requests };
}

function validate(file: string): { ms: number; height: number } {
  const headers = views(file);
  const t = performance.now();
  const chain = new HeaderChain(CHAIN_PARAMS.regtest);
  for (let i = 0; i < headers.length; i += BATCH) {
    const r = chain.acceptHeaders(headers.slice(i, i + BATCH));
    if (r.error) throw r.error;
  }
  return { ms: performance.now() - t, height: chain.height };
}

function store(file: string, dir: string): { ms: number; height: number } {
  const headers = views(file);
  rmSync(dir, { recursive: true, force: true });
  const t = performance.now();
  const s = HeaderStore.open({ network: 'regtest', dataDir: dir });
  for (let i = 0; i < headers.length; i += BATCH) {
    const r = s.accept(headers.slice(i, i + BATCH));
    if (r.error) throw r.error;
  }
  s.close();
  return { ms: performance.now() - t, height: s.chain.height };
}

serveRequests((request) => {
  const req = request as { op: string; file?: string; dir?: string; port?: number; height?: number };
  switch (req.op) {
    case 'sync':
      return sync(req.port!, req.dir!, req.height!);
    case 'validate':
      return validate(req.file!);
    case 'store':
      return store(req.file!, req.dir!);
    default:
      throw new Error(`unknown op ${req.op}`);
  }
});
