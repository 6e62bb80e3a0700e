// Poly1305 (RFC 8439 §2.5) in plain JavaScript, shaped for the ChaCha20-Poly1305 AEAD's MAC input.
//
// The accumulator lives in ten 13-bit limbs, so that every partial product fits a 32-bit integer and
// five of them a 32-bit unsigned sum; the multiplication is split into two halves of five products with
// a carry between them for that reason.

/** Bytes in a Poly1305 tag. */
export const TAG_SIZE = 16;

// Zero-padded tail of a segment and the lengths block; the MAC is synchronous, so one scratch is enough.
const tail = new Uint8Array(16);
const lengths = new Uint8Array(16);

const le16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);

/**
 * The RFC 8439 AEAD tag: Poly1305 under the one-time key `otk` (32 bytes) over
 * `aad ‖ pad16 ‖ data[start, start + length) ‖ pad16 ‖ le64(aad.length) ‖ le64(length)`, written to
 * `out` at `outOffset`.
 */
export function aeadTag(
  otk: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  length: number,
  out: Uint8Array,
  outOffset: number,
): void {
  mac(otk, aad, data, start, length, true, out, outOffset);
}

/**
 * Plain Poly1305 of a message made of whole 16-byte blocks (no AEAD framing), as RFC 8439's own
 * test vectors are: what the tests use to reach the final reduction's edge cases.
 */
export function poly1305WholeBlocks(key: Uint8Array, message: Uint8Array): Uint8Array {
  if (message.length % 16 !== 0) throw new RangeError('poly1305WholeBlocks: message is not whole blocks');
  const out = new Uint8Array(TAG_SIZE);
  mac(key, new Uint8Array(0), message, 0, message.length, false, out, 0);
  return out;
}

function mac(
  otk: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
  start: number,
  length: number,
  withLengths: boolean,
  out: Uint8Array,
  outOffset: number,
): void {
  // r in 13-bit limbs; each mask also clears the bits RFC 8439's clamp clears in that limb.
  const t0 = le16(otk, 0);
  const t1 = le16(otk, 2);
  const t2 = le16(otk, 4);
  const t3 = le16(otk, 6);
  const t4 = le16(otk, 8);
  const t5 = le16(otk, 10);
  const t6 = le16(otk, 12);
  const t7 = le16(otk, 14);
  const r0 = t0 & 0x1fff;
  const r1 = ((t0 >>> 13) | (t1 << 3)) & 0x1fff;
  const r2 = ((t1 >>> 10) | (t2 << 6)) & 0x1f03;
  const r3 = ((t2 >>> 7) | (t3 << 9)) & 0x1fff;
  const r4 = ((t3 >>> 4) | (t4 << 12)) & 0x00ff;
  const r5 = (t4 >>> 1) & 0x1ffe;
  const r6 = ((t4 >>> 14) | (t5 << 2)) & 0x1fff;
  const r7 = ((t5 >>> 11) | (t6 << 5)) & 0x1f81;
  const r8 = ((t6 >>> 8) | (t7 << 8)) & 0x1fff;
  const r9 = (t7 >>> 5) & 0x007f;
  const s1 = r1 * 5;
  const s2 = r2 * 5;
  const s3 = r3 * 5;
  const s4 = r4 * 5;
  const s5 = r5 * 5;
  const s6 = r6 * 5;
  const s7 = r7 * 5;
  const s8 = r8 * 5;
  const s9 = r9 * 5;

  let h0 = 0;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  let h5 = 0;
  let h6 = 0;
  let h7 = 0;
  let h8 = 0;
  let h9 = 0;

  const aadLength = aad.length;
  writeLe64(lengths, 0, aadLength);
  writeLe64(lengths, 8, length);

  const segments = withLengths ? 3 : 2;
  for (let segment = 0; segment < segments; segment++) {
    let buf: Uint8Array;
    let at: number;
    let end: number;
    if (segment === 0) {
      buf = aad;
      at = 0;
      end = aadLength;
    } else if (segment === 1) {
      buf = data;
      at = start;
      end = start + length;
    } else {
      buf = lengths;
      at = 0;
      end = 16;
    }
    while (at < end) {
      let block = buf;
      let from = at;
      if (end - at < 16) {
        // The AEAD pads each segment with zeros to a whole block, which keeps the high bit set.
        tail.fill(0);
        tail.set(buf.subarray(at, end));
        block = tail;
        from = 0;
      }
      at += 16;
      const m0 = le16(block, from);
      const m1 = le16(block, from + 2);
      const m2 = le16(block, from + 4);
      const m3 = le16(block, from + 6);
      const m4 = le16(block, from + 8);
      const m5 = le16(block, from + 10);
      const m6 = le16(block, from + 12);
      const m7 = le16(block, from + 14);
      h0 += m0 & 0x1fff;
      h1 += ((m0 >>> 13) | (m1 << 3)) & 0x1fff;
      h2 += ((m1 >>> 10) | (m2 << 6)) & 0x1fff;
      h3 += ((m2 >>> 7) | (m3 << 9)) & 0x1fff;
      h4 += ((m3 >>> 4) | (m4 << 12)) & 0x1fff;
      h5 += (m4 >>> 1) & 0x1fff;
      h6 += ((m4 >>> 14) | (m5 << 2)) & 0x1fff;
      h7 += ((m5 >>> 11) | (m6 << 5)) & 0x1fff;
      h8 += ((m6 >>> 8) | (m7 << 8)) & 0x1fff;
      h9 += (m7 >>> 5) | 0x0800;

      let c = 0;
      let d0 = c + h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6;
      c = d0 >>> 13;
      d0 &= 0x1fff;
      d0 += h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1;
      c += d0 >>> 13;
      d0 &= 0x1fff;
      let d1 = c + h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7;
      c = d1 >>> 13;
      d1 &= 0x1fff;
      d1 += h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2;
      c += d1 >>> 13;
      d1 &= 0x1fff;
      let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8;
      c = d2 >>> 13;
      d2 &= 0x1fff;
      d2 += h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3;
      c += d2 >>> 13;
      d2 &= 0x1fff;
      let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9;
      c = d3 >>> 13;
      d3 &= 0x1fff;
      d3 += h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4;
      c += d3 >>> 13;
      d3 &= 0x1fff;
      let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
      c = d4 >>> 13;
      d4 &= 0x1fff;
      d4 += h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5;
      c += d4 >>> 13;
      d4 &= 0x1fff;
      let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
      c = d5 >>> 13;
      d5 &= 0x1fff;
      d5 += h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6;
      c += d5 >>> 13;
      d5 &= 0x1fff;
      let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
      c = d6 >>> 13;
      d6 &= 0x1fff;
      d6 += h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7;
      c += d6 >>> 13;
      d6 &= 0x1fff;
      let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
      c = d7 >>> 13;
      d7 &= 0x1fff;
      d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8;
      c += d7 >>> 13;
      d7 &= 0x1fff;
      let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
      c = d8 >>> 13;
      d8 &= 0x1fff;
      d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9;
      c += d8 >>> 13;
      d8 &= 0x1fff;
      let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
      c = d9 >>> 13;
      d9 &= 0x1fff;
      d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
      c += d9 >>> 13;
      d9 &= 0x1fff;
      // 2^130 ≡ 5 (mod 2^130 - 5): what overflowed the top limb comes back in at the bottom, times five.
      c = ((c << 2) + c) | 0;
      c = (c + d0) | 0;
      d0 = c & 0x1fff;
      c = c >>> 13;
      d1 += c;
      h0 = d0;
      h1 = d1;
      h2 = d2;
      h3 = d3;
      h4 = d4;
      h5 = d5;
      h6 = d6;
      h7 = d7;
      h8 = d8;
      h9 = d9;
    }
  }

  // Full carry, then subtract p once if h ≥ p = 2^130 - 5 (chosen by mask, without a branch).
  let c = h1 >>> 13;
  h1 &= 0x1fff;
  h2 += c;
  c = h2 >>> 13;
  h2 &= 0x1fff;
  h3 += c;
  c = h3 >>> 13;
  h3 &= 0x1fff;
  h4 += c;
  c = h4 >>> 13;
  h4 &= 0x1fff;
  h5 += c;
  c = h5 >>> 13;
  h5 &= 0x1fff;
  h6 += c;
  c = h6 >>> 13;
  h6 &= 0x1fff;
  h7 += c;
  c = h7 >>> 13;
  h7 &= 0x1fff;
  h8 += c;
  c = h8 >>> 13;
  h8 &= 0x1fff;
  h9 += c;
  c = h9 >>> 13;
  h9 &= 0x1fff;
  h0 += c * 5;
  c = h0 >>> 13;
  h0 &= 0x1fff;
  h1 += c;
  c = h1 >>> 13;
  h1 &= 0x1fff;
  h2 += c;

  let g0 = h0 + 5;
  c = g0 >>> 13;
  g0 &= 0x1fff;
  let g1 = h1 + c;
  c = g1 >>> 13;
  g1 &= 0x1fff;
  let g2 = h2 + c;
  c = g2 >>> 13;
  g2 &= 0x1fff;
  let g3 = h3 + c;
  c = g3 >>> 13;
  g3 &= 0x1fff;
  let g4 = h4 + c;
  c = g4 >>> 13;
  g4 &= 0x1fff;
  let g5 = h5 + c;
  c = g5 >>> 13;
  g5 &= 0x1fff;
  let g6 = h6 + c;
  c = g6 >>> 13;
  g6 &= 0x1fff;
  let g7 = h7 + c;
  c = g7 >>> 13;
  g7 &= 0x1fff;
  let g8 = h8 + c;
  c = g8 >>> 13;
  g8 &= 0x1fff;
  const g9 = h9 + c;
  // h + 5 reached 2^130 exactly when bit 13 of the top limb is set: then h ≥ p and g = h - p.
  const useG = -((g9 >>> 13) & 1);
  const keepH = ~useG;
  h0 = (h0 & keepH) | (g0 & useG);
  h1 = (h1 & keepH) | (g1 & useG);
  h2 = (h2 & keepH) | (g2 & useG);
  h3 = (h3 & keepH) | (g3 & useG);
  h4 = (h4 & keepH) | (g4 & useG);
  h5 = (h5 & keepH) | (g5 & useG);
  h6 = (h6 & keepH) | (g6 & useG);
  h7 = (h7 & keepH) | (g7 & useG);
  h8 = (h8 & keepH) | (g8 & useG);
  h9 = (h9 & keepH) | (g9 & 0x1fff & useG);

  // Back to 16-bit words, plus s, modulo 2^128.
  const w0 = (h0 | (h1 << 13)) & 0xffff;
  const w1 = ((h1 >>> 3) | (h2 << 10)) & 0xffff;
  const w2 = ((h2 >>> 6) | (h3 << 7)) & 0xffff;
  const w3 = ((h3 >>> 9) | (h4 << 4)) & 0xffff;
  const w4 = ((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff;
  const w5 = ((h6 >>> 2) | (h7 << 11)) & 0xffff;
  const w6 = ((h7 >>> 5) | (h8 << 8)) & 0xffff;
  const w7 = ((h8 >>> 8) | (h9 << 5)) & 0xffff;
  let f = w0 + le16(otk, 16);
  writeLe16(out, outOffset, f);
  f = w1 + le16(otk, 18) + (f >>> 16);
  writeLe16(out, outOffset + 2, f);
  f = w2 + le16(otk, 20) + (f >>> 16);
  writeLe16(out, outOffset + 4, f);
  f = w3 + le16(otk, 22) + (f >>> 16);
  writeLe16(out, outOffset + 6, f);
  f = w4 + le16(otk, 24) + (f >>> 16);
  writeLe16(out, outOffset + 8, f);
  f = w5 + le16(otk, 26) + (f >>> 16);
  writeLe16(out, outOffset + 10, f);
  f = w6 + le16(otk, 28) + (f >>> 16);
  writeLe16(out, outOffset + 12, f);
  f = w7 + le16(otk, 30) + (f >>> 16);
  writeLe16(out, outOffset + 14, f);
}

function writeLe16(out: Uint8Array, at: number, value: number): void {
  out[at] = value;
  out[at + 1] = value >>> 8;
}

function writeLe64(out: Uint8Array, at: number, value: number): void {
  const low = value >>> 0;
  const high = Math.floor(value / 2 ** 32) >>> 0;
  for (let i = 0; i < 4; i++) out[at + i] = low >>> (8 * i);
  for (let i = 0; i < 4; i++) out[at + 4 + i] = high >>> (8 * i);
}
