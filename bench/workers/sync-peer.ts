/**
 * The lean peer for bench/sync.ts, in its own process: it serves a file of pre-mined regtest
 * headers to `getheaders` as Core does (the headers after the first locator hash it knows, 2000 at
 * a time), with each answer framed once and kept, so that what is measured is the node syncing,
 * not this peer encoding. It answers `version` with `version` + `verack` and pings with pongs;
 * plain node:net and our codec, listening on 127.0.0.1 only.
 *
 * Ops: listen { file } → { port }, stats → { served, requests }.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { headerHash } from '../../src/chain/header.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { decodePayload, encodeMessage, frame } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { MAX_HEADERS_RESULTS } from '../../src/protocol/limits.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { serveRequests } from './worker.js';
import { benchVersionFrame } from './version-frame.js';

const MAGIC = NETWORKS.regtest.magic;
let headers: Buffer[] = [];
const heightOf = new Map<string, number>();
/** The framed `headers` answer starting after height h, built on first use. */
const answers = new Map<number, Buffer>();
let served = 0;
let requests = 0;

function load(file: string): void {
  const bytes = readFileSync(file);
  headers = Array.from({ length: bytes.length / 80 }, (_, i) => bytes.subarray(i * 80, (i + 1) * 80));
  heightOf.clear();
  answers.clear();
  heightOf.set(headerHash(CHAIN_PARAMS.regtest.genesisHeader).toString('hex'), 0);
  headers.forEach((h, i) => heightOf.set(headerHash(h).toString('hex'), i + 1));
}

/** A `headers` payload written by hand from the raw headers: count, then each header and a zero tx count. */
function answerAfter(height: number): { frame: Buffer; count: number } {
  const slice = headers.slice(height, height + MAX_HEADERS_RESULTS);
  let cached = answers.get(height);
  if (!cached) {
    const count = slice.length;
    const prefix = count < 0xfd ? Buffer.from([count]) : Buffer.from([0xfd, count & 0xff, count >> 8]);
    const body = Buffer.concat([prefix, ...slice.flatMap((h) => [h, Buffer.from([0])])]);
    cached = frame(MAGIC, 'headers', body);
    answers.set(height, cached);
  }
  return { frame: cached, count: slice.length };
}

const version = (): Buffer =>
  benchVersionFrame({ userAgent: '/bench-sync-peer:0.1/', startHeight: headers.length, nonce: 0x5eed5eed5eed5eedn, relay: false });

function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const framer = new Framer(MAGIC);
  socket.on('data', (chunk: Buffer) => {
    for (const event of framer.push(chunk)) {
      if (event.type !== 'message') {
        if (event.type === 'fatal') socket.destroy();
        continue;
      }
      if (event.command === 'version') {
        socket.write(Buffer.concat([version(), encodeMessage(MAGIC, { command: 'verack', payload: {} })]));
      } else if (event.command === 'ping') {
        socket.write(frame(MAGIC, 'pong', event.payload));
      } else if (event.command === 'getheaders') {
        const message = decodePayload('getheaders', event.payload);
        if ('unknown' in message || message.command !== 'getheaders') continue;
        let from = 0;
        for (const hash of message.payload.locator) {
          const height = heightOf.get(hash.toString('hex'));
          if (height !== undefined) {
            from = height;
            break;
          }
        }
        const answer = answerAfter(from);
        requests += 1;
        served += answer.count;
        socket.write(answer.frame);
      }
    }
  });
}

serveRequests((request) => {
  const req = request as { op: string; file?: string };
  switch (req.op) {
    case 'listen': {
      load(req.file!);
      const server = net.createServer(serve);
      return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port })));
    }
    case 'stats':
      return { served, requests };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
});
