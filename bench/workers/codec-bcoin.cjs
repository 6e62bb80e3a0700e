'use strict';
/**
 * Benchmark worker for bcoin 1.0.2's wire parser, started by bench/codec.ts in its own process
 * with NODE_BACKEND set (js, node, or unset = native bcrypto), because bcrypto picks its hash
 * backend when it is first loaded. Plain CommonJS, no tsx: bcoin runs as it would in production.
 *
 * Decoding = Parser#feed over the chunks, counting 'packet' events (framing, checksum and
 * packets.fromRaw, which is what bcoin's Peer gets). Encoding = packet.toRaw() + Framer#packet,
 * which is what bcoin's Peer#send does.
 */
const fs = require('node:fs');
const { backendName, serveRequests, timed } = require('./bcoin-worker.cjs');
const Parser = require('bcoin/lib/net/parser');
const BcoinFramer = require('bcoin/lib/net/framer');
const packets = require('bcoin/lib/net/packets');

const NETWORK = 'regtest';

const mixes = new Map();

function splitFrames(stream) {
  const frames = [];
  let at = 0;
  while (at < stream.length) {
    const nul = stream.indexOf(0, at + 4);
    const command = stream.toString('latin1', at + 4, Math.min(nul < 0 ? at + 16 : nul, at + 16));
    const length = stream.readUInt32LE(at + 16);
    frames.push({ command, payload: stream.subarray(at + 24, at + 24 + length) });
    at += 24 + length;
  }
  return frames;
}

function chunksOf(mix, size) {
  let chunks = mix.chunks.get(size);
  if (!chunks) {
    chunks = [];
    if (size <= 0 || size >= mix.stream.length) chunks.push(mix.stream);
    else for (let at = 0; at < mix.stream.length; at += size) chunks.push(mix.stream.subarray(at, at + size));
    mix.chunks.set(size, chunks);
  }
  return chunks;
}

function weight(packet) {
  if (packet.items) return packet.items.length;
  if (packet.type === packets.types.UNKNOWN) return packet.data.length;
  return 1;
}

function decodePass(mix, chunkSize) {
  const chunks = chunksOf(mix, chunkSize);
  const parser = new Parser(NETWORK);
  let messages = 0;
  let items = 0;
  let bad = 0;
  parser.on('packet', (packet) => {
    messages++;
    items += weight(packet);
  });
  parser.on('error', () => {
    bad++;
  });
  for (const chunk of chunks) parser.feed(chunk);
  return { messages, items, bytes: mix.stream.length, bad };
}

const framer = new BcoinFramer(NETWORK);

function encodePass(mix) {
  if (!mix.packets) mix.packets = mix.frames.map((f) => packets.fromRaw(f.command, f.payload));
  let bytes = 0;
  for (const packet of mix.packets) bytes += framer.packet(packet.cmd, packet.toRaw()).length;
  return { messages: mix.packets.length, items: mix.packets.length, bytes, bad: 0 };
}

function handle(req) {
  switch (req.op) {
    case 'load':
      for (const { name, file } of req.mixes) {
        const stream = fs.readFileSync(file);
        mixes.set(name, { stream, frames: splitFrames(stream), packets: null, chunks: new Map() });
      }
      return { backend: backendName() };
    case 'release':
      return { released: mixes.delete(req.mix) };
    case 'decode':
      return timed(req.inner, () => decodePass(mixes.get(req.mix), req.chunk));
    case 'encode':
      return timed(req.inner, () => encodePass(mixes.get(req.mix)));
    default:
      throw new Error(`unsupported op ${req.op}`);
  }
}

serveRequests(handle);
