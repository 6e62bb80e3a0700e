// Where an address may sit in the tables: Core's keyed bucket hashes (AddrInfo::GetNewBucket,
// GetTriedBucket, GetBucketPosition), byte for byte, so that a given key places an address where
// Core 29 would. Without the book's secret key nobody can aim addresses at a bucket.
import { sha256d } from '../protocol/hash.js';

/** Buckets of the `new` table (Core's ADDRMAN_NEW_BUCKET_COUNT). */
export const NEW_BUCKET_COUNT = 1024;
/** Buckets of the `tried` table (ADDRMAN_TRIED_BUCKET_COUNT). */
export const TRIED_BUCKET_COUNT = 256;
/** Slots per bucket (ADDRMAN_BUCKET_SIZE). */
export const BUCKET_SIZE = 64;
/** Tried buckets one address group can reach (ADDRMAN_TRIED_BUCKETS_PER_GROUP). */
export const TRIED_BUCKETS_PER_GROUP = 8;
/** New buckets one source group can reach (ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP). */
export const NEW_BUCKETS_PER_SOURCE_GROUP = 64;
/** Length of the book's secret (Core's nKey, a uint256). */
export const KEY_SIZE = 32;

/**
 * One hash input at a time, built in place: placement runs for every address heard, and building
 * the input with Buffer.concat was most of its garbage. The longest input is 32 + 1 + 4 + 1 + 34 bytes.
 */
const scratch = Buffer.alloc(128);

class HashInput {
  length = 0;

  constructor(key: Buffer) {
    key.copy(scratch, 0);
    this.length = key.length;
  }

  /** A byte vector as Core serializes it: compact-size length (one byte: nothing here reaches 253), then the bytes. */
  vector(bytes: Buffer): this {
    if (bytes.length >= 253 || this.length + 1 + bytes.length > scratch.length) throw new RangeError(`vector of ${bytes.length} bytes is longer than any group or key`);
    scratch[this.length] = bytes.length;
    bytes.copy(scratch, this.length + 1);
    this.length += 1 + bytes.length;
    return this;
  }

  /** A small number as Core's uint64_t (8 bytes, little-endian). */
  uint64(n: number): this {
    scratch.writeUInt32LE(n, this.length);
    scratch.writeUInt32LE(0, this.length + 4);
    this.length += 8;
    return this;
  }

  int32(n: number): this {
    scratch.writeInt32LE(n, this.length);
    this.length += 4;
    return this;
  }

  byte(n: number): this {
    scratch[this.length++] = n;
    return this;
  }

  /**
   * Core's GetCheapHash (the first 8 bytes of SHA256d, little-endian) modulo `modulus`. Every
   * modulus here is a power of two no larger than 2^10, so the low 32 bits decide it.
   */
  cheapHashMod(modulus: number): number {
    return sha256d(scratch.subarray(0, this.length)).readUInt32LE(0) & (modulus - 1);
  }
}

/** The tried bucket of a service: its group reaches at most 8 of the 256, chosen by the key. */
export function triedBucket(key: Buffer, serviceKey: Buffer, group: Buffer): number {
  const first = new HashInput(key).vector(serviceKey).cheapHashMod(TRIED_BUCKETS_PER_GROUP);
  return new HashInput(key).vector(group).uint64(first).cheapHashMod(TRIED_BUCKET_COUNT);
}

/**
 * The new bucket of an address heard from a source: all addresses of one group from one source
 * group share one bucket, and one source group reaches at most 64 of the 1,024.
 */
export function newBucket(key: Buffer, group: Buffer, sourceGroup: Buffer): number {
  return sourceGroupBucket(key, sourceGroup, sourceGroupSlot(key, group, sourceGroup));
}

/** Which of its source group's 64 new buckets an address group goes to (the first half of newBucket). */
export function sourceGroupSlot(key: Buffer, group: Buffer, sourceGroup: Buffer): number {
  return new HashInput(key).vector(group).vector(sourceGroup).cheapHashMod(NEW_BUCKETS_PER_SOURCE_GROUP);
}

/** The new bucket that is slot `slot` of a source group (the second half of newBucket: it depends on the source group alone). */
export function sourceGroupBucket(key: Buffer, sourceGroup: Buffer, slot: number): number {
  return new HashInput(key).vector(sourceGroup).uint64(slot).cheapHashMod(NEW_BUCKET_COUNT);
}

/** The one slot a service may take in a given bucket of either table ('N' new, 'K' tried). */
export function bucketPosition(key: Buffer, isNew: boolean, bucket: number, serviceKey: Buffer): number {
  return new HashInput(key).byte(isNew ? 0x4e : 0x4b).int32(bucket).vector(serviceKey).cheapHashMod(BUCKET_SIZE);
}
