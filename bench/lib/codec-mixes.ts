/**
 * The codec benchmark's inputs: the message mixes, and the stream files built from them with
 * src's encodeMessage (checked against the independent serializer in wire.ts).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeMessage, frame, type OutgoingMessage } from '../../src/protocol/codec.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import type { BlockHeader } from '../../src/protocol/messages/headers.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { Prng } from './stats.js';
import { serializePayload } from './wire.js';

export const MAGIC = NETWORKS.regtest.magic;
export const SEED = 0x5eed_c0de;

/** TCP segments on a typical Ethernet path carry 1,460 bytes: the chunk size a socket hands us. */
export const CHUNK = 1460;
/** The bulk command: neither codec decodes it, so both do exactly framing + checksum (see notes). */
export const BULK_COMMAND = 'bulk';
/** The largest payload Core accepts (MAX_PROTOCOL_MESSAGE_LENGTH), for the linearity test. */
export const LINEAR_PAYLOAD = 4_000_000;
/** The small payload of the linearity test: the time per byte of LINEAR_PAYLOAD is compared with its. */
export const LINEAR_SMALL_PAYLOAD = 64 * 1024;
export const LINEAR_CHUNK = 1024;
/** A socket read's worth, and one chunk: shown beside the target, for reference. */
export const LINEAR_LARGE_CHUNK = 64 * 1024;

export interface MixSpec {
  readonly name: string;
  readonly label: string;
  /**
   * Target for ours / best bcoin backend, in messages per second; null where no codec work could
   * meet one (1 MB payloads: both sides are bound by the same SHA-256, see the ceiling table).
   */
  readonly target: number | null;
  readonly streamBytes: number;
  readonly message: (prng: Prng, index: number) => OutgoingMessage;
}

const ipv4 = (p: Prng): string => `${1 + p.int(223)}.${p.int(256)}.${p.int(256)}.${1 + p.int(254)}`;
const ipv6 = (p: Prng): string => {
  const g: string[] = ['2001', 'db8'];
  for (let i = 0; i < 6; i++) g.push(p.int(0x10000).toString(16));
  return g.join(':');
};

export const MIXES: readonly MixSpec[] = [
  {
    name: 'ping',
    label: 'ping flood',
    target: 1.3,
    streamBytes: 2 * 2 ** 20,
    message: (p) => ({ command: 'ping', payload: { nonce: p.u64() } }),
  },
  {
    name: 'inv500',
    label: 'inv × 500',
    target: 4,
    streamBytes: 4 * 2 ** 20,
    message: (p) => ({
      command: 'inv',
      payload: {
        items: Array.from({ length: 500 }, (_, i) => ({
          type: i % 10 === 0 ? InvType.BLOCK : InvType.TX,
          hash: p.bytes(32),
        })),
      },
    }),
  },
  {
    name: 'addr1000',
    label: 'addr × 1000',
    target: 4,
    streamBytes: 3 * 2 ** 20,
    message: (p) => ({
      command: 'addr',
      payload: {
        addresses: Array.from(
          { length: 1000 },
          (_, i): AddrEntry => ({
            time: 1_700_000_000 + p.int(1_000_000),
            services: i % 3 === 0 ? 0x409n : 0x9n,
            // Three in four IPv4 (mapped), one in four IPv6, as in a typical addr answer.
            host: i % 4 === 3 ? ipv6(p) : ipv4(p),
            port: i % 5 === 0 ? 18444 : 8333,
          }),
        ),
      },
    }),
  },
  {
    name: 'headers2000',
    label: 'headers × 2000',
    target: 4,
    streamBytes: 4 * 2 ** 20,
    message: (p, n) => ({
      command: 'headers',
      payload: {
        headers: Array.from(
          { length: 2000 },
          (_, i): BlockHeader => ({
            version: 0x2000_0000,
            prevBlock: p.bytes(32),
            merkleRoot: p.bytes(32),
            time: 1_700_000_000 + (n * 2000 + i) * 600,
            bits: 0x207f_ffff,
            nonce: p.u32(),
          }),
        ),
      },
    }),
  },
  {
    name: 'bulk1mb',
    label: '1 MB payload',
    target: null,
    streamBytes: 6_000_000,
    message: (p) => ({ command: BULK_COMMAND, payload: p.bytes(1_000_000), unknown: true }),
  },
];

export interface Stream {
  readonly spec: MixSpec;
  readonly file: string;
  readonly bytes: number;
  readonly messages: number;
  readonly payloadBytes: number;
  /** 'ok' when src's encodeMessage produced every frame, else why the reference bytes were used. */
  readonly encoder: string;
}

/** src's encodeMessage, or why it cannot be used for this message. */
export function ourFrame(message: OutgoingMessage, reference: Buffer): Buffer | string {
  try {
    const framed = encodeMessage(MAGIC, message);
    return framed.equals(reference) ? framed : 'encodeMessage output differs from the reference serializer';
  } catch (error) {
    const code = (error as { code?: string }).code;
    return `encodeMessage throws ${(error as Error).name}${code ? ` (${code})` : ''}`;
  }
}

/**
 * The mix as one stream of frames built by src's encodeMessage (regtest magic), each checked
 * against the bench's independent serializer (lib/wire.ts + src's frame()); should our encoder
 * throw or disagree, the reference bytes are used and the failure is reported.
 */
export function buildStream(spec: MixSpec, dir: string, index: number): Stream {
  const prng = new Prng(SEED + index);
  const frames: Buffer[] = [];
  let bytes = 0;
  let payloadBytes = 0;
  let encoder = 'ok';
  for (let n = 0; bytes < spec.streamBytes; n++) {
    const message = spec.message(prng, n);
    const payload = serializePayload(message);
    const reference = frame(MAGIC, message.command, payload);
    const ours = ourFrame(message, reference);
    if (typeof ours === 'string' && encoder === 'ok') encoder = ours;
    frames.push(reference);
    bytes += reference.length;
    payloadBytes += payload.length;
  }
  const file = path.join(dir, `${spec.name}.bin`);
  writeFileSync(file, Buffer.concat(frames));
  return { spec, file, bytes, messages: frames.length, payloadBytes, encoder };
}
