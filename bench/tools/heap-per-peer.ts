/**
 * Where a connected peer's heap goes: connects N peers to the local peer server, takes a heap
 * snapshot, connects N more, takes another, and prints what the second N added per peer: bytes
 * and objects by kind, and which objects got a hidden class (V8 map) of their own. A diagnostic
 * for the heap-per-peer target of the scale benchmark, not a benchmark: it prints, asserts nothing.
 *
 *   npm run build && node --expose-gc --max-old-space-size=8192 --import tsx bench/tools/heap-per-peer.ts [N]
 *
 * Runs the built package (dist/) as embedders do; HEAP_FROM=src runs src/ through tsx instead.
 * Needs about 2N + 100 open files (`ulimit -n`).
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { startServer } from '../workers/peer-procs.js';

const N = Number(process.argv[2] ?? 1000);
const FROM_SRC = process.env.HEAP_FROM === 'src';
const { startPeer } = (await import(FROM_SRC ? '../../src/peer.js' : '../../dist/src/peer.js')) as typeof import('../../src/peer.js');
type Peer = ReturnType<typeof startPeer>;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const fullGc = (): void => {
  for (let i = 0; i < 3; i++) gc();
};

/** Per (type, name): [objects, bytes]; per hidden class: how many objects use it and what they hold. */
interface Census {
  readonly kinds: Map<string, [number, number]>;
  readonly classes: Map<string, [number, number]>;
}

function census(file: string): Census {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { meta } = snapshot.snapshot;
  const { nodes, edges, strings } = snapshot;
  const nodeWidth = meta.node_fields.length;
  const edgeWidth = meta.edge_fields.length;
  const [type, name, size, edgeCount] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [number, number, number, number];
  const [edgeType, edgeName, edgeTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
  const kinds = new Map<string, [number, number]>();
  const usersOfMap = new Map<number, { count: number; sample: string }>();
  let e = 0;
  for (let i = 0; i < nodes.length; i += nodeWidth) {
    const kind = meta.node_types[0][nodes[i + type]!]!;
    const label = kind.includes('string') ? `${kind}` : `${kind}:${strings[nodes[i + name]!]!.slice(0, 60)}`;
    const k = kinds.get(label) ?? [0, 0];
    k[0]++;
    k[1] += nodes[i + size]!;
    kinds.set(label, k);
    const properties: string[] = [];
    let map = -1;
    for (let j = 0; j < nodes[i + edgeCount]!; j++, e += edgeWidth) {
      const kindOfEdge = meta.edge_types[0][edges[e + edgeType]!];
      const edgeLabel = kindOfEdge === 'element' || kindOfEdge === 'hidden' ? '' : strings[edges[e + edgeName]!]!;
      if (kindOfEdge === 'internal' && edgeLabel === 'map') map = edges[e + edgeTo]!;
      if (kindOfEdge === 'property' && edgeLabel !== '__proto__') properties.push(edgeLabel);
    }
    if (map >= 0 && kind === 'object') {
      const users = usersOfMap.get(map) ?? { count: 0, sample: `${strings[nodes[i + name]!]} {${properties.slice(0, 8).join(', ')}}` };
      users.count++;
      usersOfMap.set(map, users);
    }
  }
  // A hidden class used by a single object is one that object paid for alone.
  const classes = new Map<string, [number, number]>();
  for (const { count, sample } of usersOfMap.values()) {
    const c = classes.get(sample) ?? [0, 0];
    c[0]++;
    c[1] += count;
    classes.set(sample, c);
  }
  return { kinds, classes };
}

/** What the second census holds more than the first, per peer added, largest `by` first. */
function perPeer(
  before: Map<string, [number, number]>,
  after: Map<string, [number, number]>,
  by: 'first' | 'second' = 'second',
): { key: string; first: number; second: number }[] {
  return [...after]
    .map(([key, [first, second]]) => {
      const [firstBefore, secondBefore] = before.get(key) ?? [0, 0];
      return { key, first: (first - firstBefore) / N, second: (second - secondBefore) / N };
    })
    .sort((x, y) => y[by] - x[by]);
}

async function connect(port: number, count: number, into: Peer[]): Promise<void> {
  let connected = 0;
  await new Promise<void>((resolve, reject) => {
    for (let i = 0; i < count; i++) {
      const peer = startPeer({ host: '127.0.0.1', port, network: 'regtest', transport: 'v1', connectOnStart: true, maxRetries: 0 });
      peer.on('state', (event) => {
        if (event.state === 'connected' && ++connected === count) resolve();
        if (event.state === 'stopped') reject(new Error(`a peer stopped: ${event.reason ?? ''}`));
      });
      into.push(peer);
    }
  });
}

const server = await startServer();
const peers: Peer[] = [];
const files = [path.join(os.tmpdir(), `heap-${process.pid}-a.heapsnapshot`), path.join(os.tmpdir(), `heap-${process.pid}-b.heapsnapshot`)];
try {
  await connect(server.port, N, peers);
  fullGc();
  const heapA = process.memoryUsage().heapUsed;
  writeHeapSnapshot(files[0]);
  await connect(server.port, N, peers);
  fullGc();
  const heapB = process.memoryUsage().heapUsed;
  writeHeapSnapshot(files[1]);
  for (const peer of peers) peer.send({ type: 'STOP' });

  const [a, b] = [census(files[0]!), census(files[1]!)];
  console.log(`${FROM_SRC ? 'src/ through tsx' : 'dist/'}: heap per peer ${((heapB - heapA) / N / 1024).toFixed(2)} KB (heapUsed, ${N} → ${2 * N} peers)\n`);
  console.log('bytes/peer  objects/peer  kind');
  const kinds = perPeer(a.kinds, b.kinds);
  for (const r of kinds.filter((r) => r.second >= 8).slice(0, 40)) {
    console.log(`${r.second.toFixed(0).padStart(10)}  ${r.first.toFixed(2).padStart(12)}  ${r.key}`);
  }
  console.log(`${kinds.reduce((sum, r) => sum + r.second, 0).toFixed(0).padStart(10)}  in all\n`);
  console.log('hidden classes/peer  objects/peer  objects with a hidden class of their own, by what they hold');
  for (const r of perPeer(a.classes, b.classes, 'first').filter((r) => r.first >= 0.5).slice(0, 15)) {
    console.log(`${r.first.toFixed(2).padStart(19)}  ${r.second.toFixed(2).padStart(12)}  ${r.key}`);
  }
} finally {
  for (const file of files) rmSync(file, { force: true });
  await server.worker.close();
}
process.exit(0);
