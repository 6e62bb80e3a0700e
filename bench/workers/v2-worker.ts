/**
 * Benchmark worker for bench/v2.ts, in its own process: the v1 codec (frame + Framer) and the v2
 * transport (V2Transport.encode + push) on the same payloads, the AEAD's two paths, and handshakes in
 * memory and over loopback (a listener of its own on 127.0.0.1 that, like Core, tells v1 from v2 by
 * the first bytes).
 */
import net from 'node:net';
import { decodePayload, encodePayload, frame } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { PROTOCOL_VERSION, Services } from '../../src/protocol/limits.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { AEAD_PATHS, JS_MAX_PLAINTEXT } from '../../src/protocol/v2/aead.js';
import { keyWords } from '../../src/protocol/v2/chacha20.js';
import { detectTransport } from '../../src/protocol/v2/detect.js';
import { type EphemeralKey, generateEllSwiftKey } from '../../src/protocol/v2/keys.js';
import { type V2Event, V2Transport } from '../../src/protocol/v2/transport.js';
import { CHUNK } from '../lib/codec-mixes.js';
import { chunked } from '../lib/frames.js';
import { Prng } from '../lib/stats.js';
import type { PassResult } from './protocol.js';
import type { HandshakeResult, Transport, V2LoadResult, V2Mix, V2WorkerRequest } from './v2-protocol.js';
import { serveRequests } from './worker.js';

const MAGIC = NETWORKS.regtest.magic;
const HOST = '127.0.0.1';
const PINGS = 20_000;
const BULK_MESSAGES = 8;
const BULK_SIZE = 2 ** 20;
const SEED = 0x0b1b_0324;

interface Mix {
  readonly command: string;
  readonly payloads: readonly Buffer[];
}

const prng = new Prng(SEED);
const MIXES: Record<V2Mix, Mix> = {
  ping: { command: 'ping', payloads: Array.from({ length: PINGS }, () => prng.bytes(8)) },
  bulk: { command: 'block', payloads: Array.from({ length: BULK_MESSAGES }, () => prng.bytes(BULK_SIZE)) },
};

/** One established pair per mix, kept across passes: every pass decodes all it encoded, so they stay in step. */
const pairs = new Map<V2Mix, { sender: V2Transport; receiver: V2Transport }>();
const framers = new Map<V2Mix, Framer>();

function establishedPair(): { sender: V2Transport; receiver: V2Transport } {
  const sender = new V2Transport({ role: 'initiator', magic: MAGIC });
  const receiver = new V2Transport({ role: 'responder', magic: MAGIC });
  const toReceiver = [sender.start()];
  const toSender = [receiver.start()];
  for (let round = 0; round < 4; round++) {
    for (const bytes of toReceiver.splice(0)) for (const e of receiver.push(bytes)) if (e.type === 'send') toSender.push(e.bytes);
    for (const bytes of toSender.splice(0)) for (const e of sender.push(bytes)) if (e.type === 'send') toReceiver.push(e.bytes);
  }
  if (sender.phase !== 'application' || receiver.phase !== 'application') throw new Error('v2 pair did not establish');
  return { sender, receiver };
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

/** Encode every message, then decode the stream in CHUNK-byte pieces; only those two parts are timed. */
function pass(transport: Transport, name: V2Mix): PassResult {
  const mix = MIXES[name];
  let ms = 0;
  let cpuMs = 0;
  let wall = performance.now();
  let cpu = cpuNow();
  const encoded: Buffer[] = new Array(mix.payloads.length);
  const pair = transport === 'v2' ? pairs.get(name)! : null;
  if (pair) {
    for (let i = 0; i < mix.payloads.length; i++) encoded[i] = pair.sender.encode(mix.command, mix.payloads[i]!);
  } else {
    for (let i = 0; i < mix.payloads.length; i++) encoded[i] = frame(MAGIC, mix.command, mix.payloads[i]!);
  }
  ms += performance.now() - wall;
  cpuMs += cpuNow() - cpu;
  const stream = Buffer.concat(encoded);
  const chunks = chunked(stream, CHUNK);
  let messages = 0;
  let items = 0;
  let bad = 0;
  wall = performance.now();
  cpu = cpuNow();
  if (pair) {
    for (const chunk of chunks) {
      for (const e of pair.receiver.push(chunk)) {
        if (e.type === 'message') {
          messages++;
          items += e.payload.length;
        } else bad++;
      }
    }
  } else {
    const framer = framers.get(name)!;
    for (const chunk of chunks) {
      for (const e of framer.push(chunk)) {
        if (e.type === 'message') {
          messages++;
          items += e.payload.length;
        } else bad++;
      }
    }
  }
  ms += performance.now() - wall;
  cpuMs += cpuNow() - cpu;
  return { ms, cpuMs, messages, items, bytes: stream.length, bad };
}

function aeadPass(path: 'js' | 'native', size: number, count: number): PassResult {
  const bytes = Buffer.alloc(32, 7);
  const key = { bytes, words: keyWords(bytes) };
  const plaintext = Buffer.alloc(size, 1);
  const sealed = Buffer.alloc(size + 16);
  const aad = Buffer.alloc(0);
  const { seal, open } = AEAD_PATHS[path];
  let bad = 0;
  const wall = performance.now();
  const cpu = cpuNow();
  for (let i = 0; i < count; i++) {
    seal(key, i, 0, 0, aad, [plaintext], sealed, 0);
    if (open(key, i, 0, 0, aad, sealed)?.length !== size) bad++;
  }
  return { ms: performance.now() - wall, cpuMs: cpuNow() - cpu, messages: count, items: count, bytes: count * size, bad };
}

function repeat(inner: number, run: () => PassResult): PassResult {
  let last: PassResult | undefined;
  let ms = 0;
  let cpuMs = 0;
  for (let i = 0; i < inner; i++) {
    last = run();
    ms += last.ms;
    cpuMs += last.cpuMs;
  }
  return { ...last!, ms: ms / inner, cpuMs: cpuMs / inner };
}

let nonce = 1n;
const versionPayload = (): Buffer =>
  encodePayload({
    command: 'version',
    payload: {
      version: PROTOCOL_VERSION,
      services: Services.NETWORK | Services.WITNESS | Services.P2P_V2,
      timestamp: 1_700_000_000n,
      receiver: { services: 0n, host: HOST, port: 18444 },
      sender: { services: 0n, host: '0.0.0.0', port: 0 },
      nonce: nonce++,
      userAgent: '/bench-v2:1.0/',
      startHeight: 0,
      relay: false,
    },
  });
const VERACK = Buffer.alloc(0);

/** One side's view of a version/verack exchange: what it has seen. */
class Handshake {
  theirVersion = false;
  theirVerack = false;
  get done(): boolean {
    return this.theirVersion && this.theirVerack;
  }
  see(command: string, payload: Buffer): void {
    if (command === 'version') {
      decodePayload('version', payload);
      this.theirVersion = true;
    } else if (command === 'verack') this.theirVerack = true;
  }
}

function v1Memory(): void {
  const a = new Framer(MAGIC);
  const b = new Framer(MAGIC);
  const ha = new Handshake();
  const hb = new Handshake();
  const toB = [frame(MAGIC, 'version', versionPayload())];
  const toA: Buffer[] = [];
  for (let round = 0; round < 4 && !(ha.done && hb.done); round++) {
    for (const bytes of toB.splice(0)) {
      for (const e of b.push(bytes)) {
        if (e.type !== 'message') continue;
        hb.see(e.command, e.payload);
        if (e.command === 'version') toA.push(frame(MAGIC, 'version', versionPayload()), frame(MAGIC, 'verack', VERACK));
      }
    }
    for (const bytes of toA.splice(0)) {
      for (const e of a.push(bytes)) {
        if (e.type !== 'message') continue;
        ha.see(e.command, e.payload);
        if (e.command === 'verack') toB.push(frame(MAGIC, 'verack', VERACK));
      }
    }
  }
  if (!ha.done || !hb.done) throw new Error('v1 handshake in memory did not complete');
}

function v2Memory(keys: readonly [EphemeralKey, EphemeralKey] | null): void {
  const a = new V2Transport({ role: 'initiator', magic: MAGIC, ...(keys ? { key: keys[0] } : {}) });
  const toB = [a.start()];
  if (detectTransport(toB[0]!, MAGIC) !== 'v2') throw new Error('our key looked like v1');
  const b = new V2Transport({ role: 'responder', magic: MAGIC, ...(keys ? { key: keys[1] } : {}) });
  const toA = [b.start()];
  const ha = new Handshake();
  const hb = new Handshake();
  const handle = (self: V2Transport, h: Handshake, out: Buffer[], events: V2Event[], initiator: boolean): void => {
    for (const e of events) {
      if (e.type === 'send') {
        out.push(e.bytes);
        // As Core: the initiator's version follows its version packet at once.
        if (initiator) out.push(self.encode('version', versionPayload()));
      } else if (e.type === 'message') {
        h.see(e.command, e.payload);
        if (e.command === 'version' && !initiator) out.push(self.encode('version', versionPayload()), self.encode('verack', VERACK));
        if (e.command === 'verack' && initiator) out.push(self.encode('verack', VERACK));
      }
    }
  };
  for (let round = 0; round < 6 && !(ha.done && hb.done); round++) {
    for (const bytes of toB.splice(0)) handle(b, hb, toA, b.push(bytes), false);
    for (const bytes of toA.splice(0)) handle(a, ha, toB, a.push(bytes), true);
  }
  if (!ha.done || !hb.done) throw new Error('v2 handshake in memory did not complete');
}

const keyPairs = (count: number): (readonly [EphemeralKey, EphemeralKey])[] =>
  Array.from({ length: count }, () => [generateEllSwiftKey(), generateEllSwiftKey()] as const);

function handshakesInMemory(transport: Transport, count: number, keysAhead: boolean): HandshakeResult {
  const keys = transport === 'v2' && keysAhead ? keyPairs(count) : null;
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    if (transport === 'v1') v1Memory();
    else v2Memory(keys ? keys[i]! : null);
    ms.push(performance.now() - start);
  }
  return { ms };
}

// The loopback listener: detect v1 or v2 from the first bytes, then answer version with version + verack.
let listener: net.Server | null = null;
let listenPort = 0;
/** Keys generated ahead for the listener's responders (taken one per v2 connection, fresh ones when empty). */
const responderKeys: EphemeralKey[] = [];

function serve(socket: net.Socket): void {
  let pending: Buffer[] = [];
  let v1: Framer | null = null;
  let v2: V2Transport | null = null;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    if (!v1 && !v2) {
      pending.push(chunk);
      const seen = Buffer.concat(pending);
      const kind = detectTransport(seen, MAGIC);
      if (kind === 'undecided') return;
      pending = [];
      if (kind === 'v1') v1 = new Framer(MAGIC);
      else {
        const key = responderKeys.pop();
        v2 = new V2Transport({ role: 'responder', magic: MAGIC, ...(key ? { key } : {}) });
        socket.write(v2.start());
      }
      chunk = seen;
    }
    if (v1) {
      for (const e of v1.push(chunk)) {
        if (e.type === 'message' && e.command === 'version') {
          socket.write(Buffer.concat([frame(MAGIC, 'version', versionPayload()), frame(MAGIC, 'verack', VERACK)]));
        }
      }
    } else if (v2) {
      const out: Buffer[] = [];
      for (const e of v2.push(chunk)) {
        if (e.type === 'send') out.push(e.bytes);
        else if (e.type === 'message' && e.command === 'version') out.push(v2.encode('version', versionPayload()), v2.encode('verack', VERACK));
        else if (e.type === 'fatal') socket.destroy();
      }
      if (out.length) socket.write(Buffer.concat(out));
    }
  });
}

async function ensureListener(): Promise<number> {
  if (listener) return listenPort;
  listener = net.createServer(serve);
  await new Promise<void>((resolve) => listener!.listen(0, HOST, resolve));
  listenPort = (listener.address() as net.AddressInfo).port;
  return listenPort;
}

function connectOnce(transport: Transport, port: number, key: EphemeralKey | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const h = new Handshake();
    const v2 = transport === 'v2' ? new V2Transport({ role: 'initiator', magic: MAGIC, ...(key ? { key } : {}) }) : null;
    const framer = transport === 'v1' ? new Framer(MAGIC) : null;
    const socket = net.connect({ host: HOST, port });
    socket.setNoDelay(true);
    const finish = (): void => {
      const ms = performance.now() - start;
      socket.destroy();
      resolve(ms);
    };
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(v2 ? v2.start() : frame(MAGIC, 'version', versionPayload()));
    });
    socket.on('data', (chunk: Buffer) => {
      const out: Buffer[] = [];
      if (framer) {
        for (const e of framer.push(chunk)) if (e.type === 'message') h.see(e.command, e.payload);
        if (h.done) out.push(frame(MAGIC, 'verack', VERACK));
      } else if (v2) {
        for (const e of v2.push(chunk)) {
          if (e.type === 'send') out.push(e.bytes, v2.encode('version', versionPayload()));
          else if (e.type === 'message') h.see(e.command, e.payload);
          else if (e.type === 'fatal') reject(e.error);
        }
        if (h.done) out.push(v2.encode('verack', VERACK));
      }
      if (out.length) socket.write(Buffer.concat(out));
      if (h.done) finish();
    });
  });
}

async function handshakesOverTcp(transport: Transport, count: number, keysAhead: boolean): Promise<HandshakeResult> {
  const port = await ensureListener();
  const keys = transport === 'v2' && keysAhead ? keyPairs(count) : [];
  responderKeys.length = 0;
  responderKeys.push(...keys.map(([, responder]) => responder));
  const ms: number[] = [];
  for (let i = 0; i < count; i++) ms.push(await connectOnce(transport, port, keys[i]?.[0]));
  if (responderKeys.length) throw new Error(`${responderKeys.length} responder keys left: connections went astray`);
  return { ms };
}

function load(): V2LoadResult {
  const streamBytes = {} as Record<V2Mix, Record<Transport, number>>;
  const messages = {} as Record<V2Mix, number>;
  const payloadBytes = {} as Record<V2Mix, number>;
  for (const name of Object.keys(MIXES) as V2Mix[]) {
    const mix = MIXES[name];
    pairs.set(name, establishedPair());
    framers.set(name, new Framer(MAGIC));
    const v1 = pass('v1', name);
    const v2 = pass('v2', name);
    if (v1.bad || v2.bad || v1.messages !== mix.payloads.length || v2.messages !== mix.payloads.length) {
      throw new Error(`${name}: a check pass lost messages`);
    }
    streamBytes[name] = { v1: v1.bytes, v2: v2.bytes };
    messages[name] = mix.payloads.length;
    payloadBytes[name] = mix.payloads.reduce((sum, p) => sum + p.length, 0);
  }
  return {
    backend: `src/protocol (v1 Framer, v2 V2Transport; AEAD in JavaScript up to ${JS_MAX_PLAINTEXT} bytes), Node ${process.version}`,
    streamBytes,
    messages,
    payloadBytes,
  };
}

async function handle(req: V2WorkerRequest): Promise<V2LoadResult | PassResult | HandshakeResult> {
  switch (req.op) {
    case 'load':
      return load();
    case 'pass':
      return repeat(req.inner, () => pass(req.transport, req.mix));
    case 'aead':
      return repeat(req.inner, () => aeadPass(req.path, req.size, req.count));
    case 'handshake-memory':
      return handshakesInMemory(req.transport, req.count, req.keysAhead);
    case 'handshake-tcp':
      return handshakesOverTcp(req.transport, req.count, req.keysAhead);
  }
}

serveRequests((request) => handle(request as V2WorkerRequest));
