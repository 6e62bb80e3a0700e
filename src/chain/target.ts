// Compact difficulty encoding, 256-bit targets and proof of work, as Bitcoin Core's arith_uint256 and pow.cpp.

const U256_MASK = (1n << 256n) - 1n;
const TWO_256 = 1n << 256n;

/** What Core's `arith_uint256::SetCompact` reads from a `bits` field. */
export interface DecodedCompact {
  /** The 256-bit value (truncated to 256 bits, as Core's fixed-width integer is). */
  readonly target: bigint;
  /** The sign bit was set on a non-zero mantissa. */
  readonly negative: boolean;
  /** The value does not fit in 256 bits. */
  readonly overflow: boolean;
}

/** Decodes a compact `bits` field exactly as Core's `SetCompact`, flags included. */
export function decodeCompact(bits: number): DecodedCompact {
  const compact = bits >>> 0;
  const size = compact >>> 24;
  let word = compact & 0x007fffff;
  let target: bigint;
  if (size <= 3) {
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = (BigInt(word) << BigInt(8 * (size - 3))) & U256_MASK;
  }
  const negative = word !== 0 && (compact & 0x00800000) !== 0;
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  return { target, negative, overflow };
}

const bitLength = (value: bigint): number => (value === 0n ? 0 : value.toString(2).length);

/** Encodes a 256-bit value as compact `bits`, as Core's `GetCompact` (mantissa never has the sign bit set). */
export function encodeCompact(value: bigint, negative = false): number {
  if (value < 0n || value > U256_MASK) throw new RangeError('a compact target encodes a 256-bit unsigned value');
  let size = Math.floor((bitLength(value) + 7) / 8);
  let compact =
    size <= 3 ? Number((value << BigInt(8 * (3 - size))) & 0xffffffffn) : Number((value >> BigInt(8 * (size - 3))) & 0xffffffffn);
  if (compact & 0x00800000) {
    compact >>>= 8;
    size++;
  }
  compact = (compact | (size << 24)) >>> 0;
  if (negative && (compact & 0x007fffff) !== 0) compact = (compact | 0x00800000) >>> 0;
  return compact;
}

/**
 * The target a header's `bits` claim, or null when Core's `DeriveTarget` refuses it: negative,
 * zero, overflowing, or easier than the network's proof-of-work limit.
 */
export function deriveTarget(bits: number, powLimit: bigint): bigint | null {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n || target > powLimit) return null;
  return target;
}

/** The work a header with these `bits` proves: 2^256 / (target + 1), 0 for an invalid target (Core's `GetBlockProof`). */
export function workFromBits(bits: number): bigint {
  const { target, negative, overflow } = decodeCompact(bits);
  if (negative || overflow || target === 0n) return 0n;
  return TWO_256 / (target + 1n);
}

/** A hash in wire order read as the little-endian 256-bit number proof of work compares. */
export function hashToBigInt(hash: Uint8Array): bigint {
  if (hash.length !== 32) throw new RangeError('a hash is 32 bytes');
  return BigInt(`0x${Buffer.from(hash).reverse().toString('hex')}`);
}

/** Core's `CheckProofOfWork`: the target is valid and within the limit, and the hash (wire order) does not exceed it. */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): boolean {
  const target = deriveTarget(bits, powLimit);
  return target !== null && hashToBigInt(hash) <= target;
}

/** A 256-bit value as eight little-endian 32-bit limbs, the form the header index stores and adds. */
export function toLimbs(value: bigint, out: Uint32Array = new Uint32Array(8), offset = 0): Uint32Array {
  let v = value & U256_MASK;
  for (let i = 0; i < 8; i++) {
    out[offset + i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
  return out;
}

/** The 256-bit value held in eight little-endian limbs. */
export function fromLimbs(limbs: ArrayLike<number>, offset = 0): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 32n) | BigInt(limbs[offset + i]! >>> 0);
  return v;
}

/** -1, 0 or 1 as the limbs at `a[ao]` compare with those at `b[bo]`. */
export function compareLimbs(a: Uint32Array, ao: number, b: Uint32Array, bo: number): number {
  for (let i = 7; i >= 0; i--) {
    const x = a[ao + i]!;
    const y = b[bo + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** out[oo..] = a[ao..] + b[bo..], modulo 2^256 like Core's chain work. */
export function addLimbs(a: Uint32Array, ao: number, b: Uint32Array, bo: number, out: Uint32Array, oo: number): void {
  let carry = 0;
  for (let i = 0; i < 8; i++) {
    const sum = a[ao + i]! + b[bo + i]! + carry;
    out[oo + i] = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
}
