/**
 * Starting the processes of the peer-load and handshake benchmarks: one local peer server and one
 * process per client contender, each with its own event loop, heap and JIT.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '../lib/child.js';
import type { InfoResult, ListenResult } from './peer-protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TSX = ['--import', 'tsx'];

export type ClientKey = 'ours' | 'candidate' | 'bare' | 'minimal' | 'bcoin-js' | 'bcoin-node';

export interface Client {
  readonly key: ClientKey;
  readonly label: string;
  readonly worker: Worker;
  backend: string;
}

export const BCOIN_KEYS = ['bcoin-js', 'bcoin-node'] as const;

export interface Server {
  readonly worker: Worker;
  readonly port: number;
}

export async function startServer(): Promise<Server> {
  const worker = Worker.start('peer-server', path.join(here, 'peer-server.ts'), { execArgv: TSX });
  const { port } = await worker.request<ListenResult>({ op: 'listen' });
  return { worker, port };
}

/** BENCH_PEER_CANDIDATE: a copy of the repository whose src/ (and machines/) to measure beside ours. */
export const CANDIDATE = process.env.BENCH_PEER_CANDIDATE;

const LABELS: Record<ClientKey, string> = {
  ours: 'ours',
  candidate: 'candidate',
  bare: 'codec only',
  minimal: 'minimal chart',
  'bcoin-js': 'bcoin js',
  'bcoin-node': 'bcoin node',
};

export async function startClients(keys: readonly ClientKey[]): Promise<Client[]> {
  const clients = keys.map((key): Client => {
    const worker =
      key === 'ours' || key === 'bare' || key === 'minimal' || key === 'candidate'
        ? Worker.start(`peer-${key}`, path.join(here, 'peer-ours.ts'), {
            execArgv: TSX,
            env: {
              BENCH_PEER_CLIENT: key === 'bare' || key === 'minimal' ? key : '',
              BENCH_PEER_SRC: key === 'candidate' ? path.join(path.resolve(CANDIDATE ?? '.'), 'src') : '',
            },
          })
        : Worker.start(key, path.join(here, 'peer-bcoin.cjs'), {
            // bcrypto picks its hash backend when bcoin is loaded: set before the process starts.
            env: { NODE_BACKEND: key === 'bcoin-js' ? 'js' : 'node' },
          });
    return { key, label: LABELS[key], worker, backend: '' };
  });
  for (const c of clients) c.backend = (await c.worker.request<InfoResult>({ op: 'info' })).backend;
  return clients;
}

export async function closeAll(workers: readonly Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.close()));
}
