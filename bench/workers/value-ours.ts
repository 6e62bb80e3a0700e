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
import { Services } from '../../src/protocol/limits.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { spend } from '../../testkit/blocks.js';
import type { PassResult } from './protocol.js';
import { blockFingerprint, decodeBlock } from './block-decode.js';
import type { BlockLoadResult, ValueRequest } from './value-protocol.js';
import { serveRequests, timed } from './worker.js';

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
        const block = decodeBlock(raw);
        blocks.set(name, { raw, hash: Buffer.from(block.hash) });
        fingerprints[name] = blockFingerprint(block);
      }
      return { backend: `src/protocol and machines/, Node ${process.version}`, fingerprints };
    }
    case 'receive': {
      const { raw, hash } = entry(req.block);
      return timed(req.inner, () => {
        const block = decodeBlock(raw);
        const verdict = verifyBlock(block, { expectedHash: hash });
        return { messages: 1, items: block.transactions.length, bytes: raw.length, bad: verdict.ok ? 0 : 1 };
      });
    }
    case 'fetch-cycle': {
      const { raw, hash } = entry(req.block);
      return timed(req.inner, () => {
        const before = delivered;
        fetcher.send({ type: 'GET_BLOCK', hash });
        const block = decodeBlock(raw);
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

serveRequests((request) => handle(request as ValueRequest));
