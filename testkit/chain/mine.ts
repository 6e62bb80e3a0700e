// Mines block headers for tests and benchmarks: easy targets (regtest's, or an override's) take a few nonces each.
import { doubleSha256HeaderInto } from '../../src/protocol/sha256.js';
import { headerHash } from '../../src/chain/header.js';
import type { ChainParams } from '../../src/chain/params.js';
import { decodeCompact, toLimbs } from '../../src/chain/target.js';

/** The fields of a header to mine; the nonce is what mining finds. */
export interface HeaderSpec {
  readonly prev: Buffer;
  readonly time: number;
  readonly bits: number;
  readonly version?: number;
  /** Varies the merkle root, so that two forks with equal fields still differ. */
  readonly tag?: number;
}

const words = new Uint32Array(8);

const bswap = (x: number): number =>
  (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;

function meets(target: Uint32Array): boolean {
  for (let k = 7; k >= 0; k--) {
    const limb = bswap(words[k]!);
    if (limb !== target[k]) return limb < target[k]!;
  }
  return true;
}

/** Mines one header: the first nonce whose hash meets `bits` (or, with `fail`, the first that does not). */
export function mineHeader(spec: HeaderSpec, options: { fail?: boolean } = {}): Buffer {
  const out = Buffer.alloc(80);
  out.writeInt32LE(spec.version ?? 0x20000000, 0);
  spec.prev.copy(out, 4);
  const tag = spec.tag ?? 0;
  for (let i = 0; i < 8; i++) out.writeUInt32LE((Math.imul(tag + 1, 0x9e3779b1) ^ Math.imul(spec.time, i + 7)) >>> 0, 36 + i * 4);
  out.writeUInt32LE(spec.time >>> 0, 68);
  out.writeUInt32LE(spec.bits >>> 0, 72);
  const target = toLimbs(decodeCompact(spec.bits).target);
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    out.writeUInt32LE(nonce, 76);
    doubleSha256HeaderInto(out, 0, words, 0);
    if (meets(target) !== (options.fail ?? false)) return out;
  }
  throw new Error('no nonce found');
}

/** A chain tip to build on: its hash, height and time. */
export interface Tip {
  readonly hash: Buffer;
  readonly height: number;
  readonly time: number;
}

export const genesisTip = (params: ChainParams): Tip => ({
  hash: headerHash(params.genesisHeader),
  height: 0,
  time: params.genesisHeader.readUInt32LE(68),
});

/** Options of `mineChain`: how each next header's time, bits and version are chosen. */
export interface ChainSpec {
  /** Seconds after the parent (default 600); a function of the new height for irregular chains. */
  readonly spacing?: number | ((height: number) => number);
  /** Bits of the header at `height` (default: the network's limit). */
  readonly bits?: (height: number, time: number) => number;
  readonly version?: number;
  readonly tag?: number;
}

/** Mines `count` headers on top of `from`; returns them and the new tip. */
export function mineChain(params: ChainParams, from: Tip, count: number, spec: ChainSpec = {}): { headers: Buffer[]; tip: Tip } {
  const headers: Buffer[] = [];
  let tip = from;
  for (let i = 0; i < count; i++) {
    const height = tip.height + 1;
    const spacing = typeof spec.spacing === 'function' ? spec.spacing(height) : (spec.spacing ?? 600);
    const time = tip.time + spacing;
    const bits = spec.bits ? spec.bits(height, time) : params.powLimitBits;
    const header = mineHeader({ prev: tip.hash, time, bits, version: spec.version ?? 0x20000000, tag: (spec.tag ?? 0) * 1_000_003 + height });
    headers.push(header);
    tip = { hash: headerHash(header), height, time };
  }
  return { headers, tip };
}
