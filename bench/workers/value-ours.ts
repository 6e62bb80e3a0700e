/**
 * Benchmark worker for our side of moving value, started by bench/value.ts in its own process:
 * receiving a block (decode and verifyBlock against the hash asked for), a whole request through
 * the fetcher machine, and a `getdata` served through the broadcaster machine, both machines with
 * a link that only counts what they send.
 */
import { readFileSync } from 'node:fs';
import { createActor, fromCallback } from 'xstate';
import { broadcastMachine } from '../../machines/broadcast.js';
import { fetchMachine } from '../../machines/fetch.js';
import type { PeerLinkCommand, PeerLinkInput } from '../../machines/peer-link.js';
import type { RemoteInfo } from '../../machines/peer/types.js';
import { verifyBlock } from '../../src/protocol/block-verify.js';
import { decodePayload } from '../../src/protocol/codec.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { Services } from '../../src/protocol/limits.js';
import type { Block } from '../../src/protocol/messages/block.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { spend } from '../../testkit/blocks.js';
import type { PassResult } from './protocol.js';
import type { BlockLoadResult, ValueRequest } from './value-protocol.js';

const blocks = new Map<string, { raw: Buffer; hash: Buffer }>();
let sent = 0;
const countingLink = fromCallback<PeerLinkCommand, PeerLinkInput>(({ receive }) => {
  receive(() => {
    sent += 1;
  });
});

const remote: RemoteInfo = {
  version: 70016,
  services: Services.NETWORK | Services.WITNESS,
  userAgent: '/bench/',
  startHeight: 0,
  relay: true,
  nonce: 1n,
  timestamp: 0n,
  addressSeen: null,
  wantsAddrV2: false,
  wtxidRelay: true,
  transport: 'v1',
  sessionId: null,
};

const fetcher = createActor(fetchMachine.provide({ actors: { peers: countingLink } }), { input: { network: 'mainnet' } }).start();
fetcher.send({ type: 'peer.ready', id: 'p', address: 'bench:8333', remote });
let delivered = 0;
fetcher.on('block', () => {
  delivered += 1;
});

const broadcaster = createActor(broadcastMachine.provide({ actors: { peers: countingLink } }), { input: { observers: 0 } }).start();
const tx = spend(1);
broadcaster.send({ type: 'peer.ready', id: 'p', address: 'bench:8333', remote });
broadcaster.send({ type: 'BROADCAST', tx });
const getdata = { type: 'peer.getdata' as const, id: 'p', items: [{ type: InvType.WTX, hash: tx.wtxid }] };

function decode(raw: Buffer): Block {
  const m = decodePayload('block', raw);
  if (m.command !== 'block' || 'unknown' in m) throw new Error('not decoded as a block');
  return m.payload;
}

function timed(inner: number, pass: () => Omit<PassResult, 'ms' | 'cpuMs'>): PassResult {
  let last: Omit<PassResult, 'ms' | 'cpuMs'> | undefined;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < inner; i++) last = pass();
  const ms = (performance.now() - start) / inner;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1e3 / inner, ...last! };
}

function entry(name: string): { raw: Buffer; hash: Buffer } {
  const found = blocks.get(name);
  if (!found) throw new Error(`unknown block ${name}`);
  return found;
}

function handle(req: ValueRequest): BlockLoadResult | PassResult {
  switch (req.op) {
    case 'load': {
      const fingerprints: Record<string, string> = {};
      for (const { name, file } of req.blocks) {
        const raw = readFileSync(file);
        const block = decode(raw);
        blocks.set(name, { raw, hash: Buffer.from(block.hash) });
        fingerprints[name] = [hashToHex(block.hash), ...block.transactions.flatMap((t) => [hashToHex(t.txid), hashToHex(t.wtxid)])].join(',');
      }
      return { backend: `src/protocol and machines/, Node ${process.version}`, fingerprints };
    }
    case 'receive': {
      const { raw, hash } = entry(req.block);
      return timed(req.inner, () => {
        const block = decode(raw);
        const verdict = verifyBlock(block, { expectedHash: hash });
        return { messages: 1, items: block.transactions.length, bytes: raw.length, bad: verdict.ok ? 0 : 1 };
      });
    }
    case 'fetch-cycle': {
      const { raw, hash } = entry(req.block);
      return timed(req.inner, () => {
        const before = delivered;
        fetcher.send({ type: 'GET_BLOCK', hash });
        const block = decode(raw);
        fetcher.send({ type: 'peer.block', id: 'p', block });
        return { messages: 1, items: block.transactions.length, bytes: raw.length, bad: delivered === before + 1 ? 0 : 1 };
      });
    }
    case 'serve':
      return timed(req.inner, () => {
        const before = sent;
        broadcaster.send(getdata);
        return { messages: 1, items: 1, bytes: tx.size, bad: sent === before + 1 ? 0 : 1 };
      });
  }
}

process.on('message', (raw) => {
  const { id, ...req } = raw as { id: number; op: string };
  if (req.op === 'exit') {
    process.disconnect();
    return;
  }
  try {
    process.send!({ id, result: handle(req as ValueRequest) });
  } catch (error) {
    process.send!({ id, error: (error as Error).stack ?? String(error) });
  }
});
