/**
 * Benchmark worker for our codec, started by bench/codec.ts in its own process.
 * Decoding = Framer.push over the chunks + decodePayload for every message, as a peer does it.
 *
 * The codec is loaded from src/protocol, or from BENCH_PROTOCOL_DIR: a copy of that directory with
 * changes to try, measured against src and bcoin in the same run (BENCH_CANDIDATE in bench/codec.ts).
 */
import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chunked, type RawFrame, splitFrames } from '../lib/frames.js';
import type { LoadResult, PassResult, ReleaseResult, WorkerRequest } from './protocol.js';
import { type PassCounts, serveRequests, timed } from './worker.js';

type CodecModule = typeof import('../../src/protocol/codec.js');
type FramerModule = typeof import('../../src/protocol/framer.js');
type NetworksModule = typeof import('../../src/protocol/networks.js');
type Message = ReturnType<CodecModule['decodePayload']>;

const PROTOCOL_DIR = process.env.BENCH_PROTOCOL_DIR;
const base = PROTOCOL_DIR
  ? `${pathToFileURL(path.resolve(PROTOCOL_DIR)).href}/`
  : new URL('../../src/protocol/', import.meta.url).href;
const { decodePayload, encodeMessage } = (await import(`${base}codec.js`)) as CodecModule;
const { Framer } = (await import(`${base}framer.js`)) as FramerModule;
const { NETWORKS } = (await import(`${base}networks.js`)) as NetworksModule;

const MAGIC = NETWORKS.regtest.magic;

interface Mix {
  stream: Buffer;
  frames: RawFrame[];
  messages: Message[] | null;
  chunks: Map<number, Buffer[]>;
}

const mixes = new Map<string, Mix>();

function mixNamed(name: string): Mix {
  const mix = mixes.get(name);
  if (!mix) throw new Error(`unknown mix ${name}`);
  return mix;
}

function chunksOf(mix: Mix, size: number): Buffer[] {
  let chunks = mix.chunks.get(size);
  if (!chunks) {
    chunks = chunked(mix.stream, size);
    mix.chunks.set(size, chunks);
  }
  return chunks;
}

interface Entries {
  readonly length: number;
}

/**
 * Entries in a decoded message (inv items, addresses, headers; payload bytes if unknown; else 1).
 * Inventories and header lists count without building their entries (what decoding does); with
 * `build` their `items` / `headers` are built, as bcoin's packets are.
 */
function weight(m: Message, build: boolean): number {
  if ('unknown' in m) return m.payload.length;
  const p = m.payload as { items?: Entries; addresses?: Entries; headers?: Entries; length?: number };
  if (!build && typeof p.length === 'number') return p.length;
  return (p.items ?? p.addresses ?? p.headers)?.length ?? 1;
}

function decodePass(mix: Mix, chunkSize: number, decode: boolean, verify: boolean, build: boolean): PassCounts {
  const chunks = chunksOf(mix, chunkSize);
  const framer = new Framer(MAGIC, { verifyChecksum: verify });
  let messages = 0;
  let items = 0;
  let bad = 0;
  for (const chunk of chunks) {
    for (const event of framer.push(chunk)) {
      if (event.type !== 'message') {
        bad++;
        continue;
      }
      messages++;
      items += decode ? weight(decodePayload(event.command, event.payload), build) : event.payload.length;
    }
  }
  return { messages, items, bytes: mix.stream.length, bad };
}

function encodePass(mix: Mix): PassCounts {
  mix.messages ??= mix.frames.map((f) => decodePayload(f.command, f.payload));
  const messages = mix.messages;
  let bytes = 0;
  for (const m of messages) bytes += encodeMessage(MAGIC, m).length;
  return { messages: messages.length, items: messages.length, bytes, bad: 0 };
}

function hashPass(mix: Mix): PassCounts {
  let bytes = 0;
  let acc = 0;
  for (const f of mix.frames) {
    const digest = hash('sha256', hash('sha256', f.payload, 'buffer'), 'buffer') as Buffer;
    acc ^= digest[0]!;
    bytes += f.payload.length;
  }
  return { messages: mix.frames.length, items: acc, bytes, bad: 0 };
}

function handle(req: WorkerRequest): LoadResult | PassResult | ReleaseResult {
  switch (req.op) {
    case 'load':
      for (const { name, file } of req.mixes) {
        const stream = readFileSync(file);
        mixes.set(name, { stream, frames: splitFrames(stream), messages: null, chunks: new Map() });
      }
      return { backend: `${PROTOCOL_DIR ? path.resolve(PROTOCOL_DIR) : 'src/protocol'}, Node ${process.version}` };
    case 'release':
      return { released: mixes.delete(req.mix) };
    case 'decode': {
      const mix = mixNamed(req.mix);
      return timed(req.inner, () => decodePass(mix, req.chunk, req.decode ?? true, req.verify ?? true, req.build ?? false));
    }
    case 'encode': {
      const mix = mixNamed(req.mix);
      return timed(req.inner, () => encodePass(mix));
    }
    case 'encode-check': {
      // Our encoder's output must be the stream's bytes exactly.
      const mix = mixNamed(req.mix);
      const frames = mix.frames.map((f) => encodeMessage(MAGIC, decodePayload(f.command, f.payload)));
      const same = Buffer.concat(frames).equals(mix.stream);
      return {
        ms: 0,
        cpuMs: 0,
        messages: frames.length,
        items: same ? 1 : 0,
        bytes: mix.stream.length,
        bad: same ? 0 : 1,
      };
    }
    case 'hash': {
      const mix = mixNamed(req.mix);
      return timed(req.inner, () => hashPass(mix));
    }
  }
}

serveRequests((request) => handle(request as WorkerRequest));
