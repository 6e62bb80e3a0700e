/**
 * Writes src/protocol/sha256-compress.ts: the SHA-256 compression function with its 64 rounds and
 * message schedule unrolled, the schedule kept in 16 local variables and the eight working variables
 * renamed from round to round instead of moved. Plain loops over typed arrays ran about 1.6 times
 * slower here (see the block benchmark). Run `npx tsx bench/tools/sha256-rounds.ts` after editing.
 */
import { writeFileSync } from 'node:fs';

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const rotr = (x: string, n: number): string => `((${x} >>> ${n}) | (${x} << ${32 - n}))`;

const lines: string[] = [
  '// SHA-256 compression, unrolled. Written by bench/tools/sha256-rounds.ts: edit that and run it, not this.',
  '',
  '/** Compresses the 16 big-endian words of `block` into `state` (FIPS 180-4, 6.2.2). */',
  'export function compress(block: Int32Array, state: Int32Array): void {',
];
for (let i = 0; i < 16; i++) lines.push(`  let w${i} = block[${i}]!;`);
NAMES.forEach((n, i) => lines.push(`  let ${n} = state[${i}]!;`));
lines.push('  let t: number;');
for (let r = 0; r < 64; r++) {
  // Round r's a..h are the variables NAMES rotated right by r: renaming replaces `h = g; g = f; …`.
  const [a, b, c, d, e, f, g, h] = NAMES.map((_, k) => NAMES[(((k - r) % 8) + 8) % 8]!);
  const w = `w${r % 16}`;
  if (r >= 16) {
    const w15 = `w${(r - 15) % 16}`;
    const w2 = `w${(r - 2) % 16}`;
    const w7 = `w${(r - 7) % 16}`;
    lines.push(
      `  ${w} = (${w} + (${rotr(w15, 7)} ^ ${rotr(w15, 18)} ^ (${w15} >>> 3)) + ${w7} + (${rotr(w2, 17)} ^ ${rotr(w2, 19)} ^ (${w2} >>> 10))) | 0;`,
    );
  }
  lines.push(
    `  t = (${h} + (${rotr(e!, 6)} ^ ${rotr(e!, 11)} ^ ${rotr(e!, 25)}) + ((${e} & ${f}) ^ (~${e} & ${g})) + ${K[r]! | 0} + ${w}) | 0;`,
    `  ${d} = (${d} + t) | 0;`,
    `  ${h} = (t + (${rotr(a!, 2)} ^ ${rotr(a!, 13)} ^ ${rotr(a!, 22)}) + ((${a} & ${b}) ^ (${a} & ${c}) ^ (${b} & ${c}))) | 0;`,
  );
}
NAMES.forEach((n, i) => lines.push(`  state[${i}] = (state[${i}]! + ${n}) | 0;`));
lines.push('}', '');

const target = new URL('../../src/protocol/sha256-compress.ts', import.meta.url);
writeFileSync(target, lines.join('\n'));
console.log(`wrote ${target.pathname}`);
