// The `tx` payload: a transaction with or without witnesses (BIP144), its txid and wtxid hashed once from the bytes read.
import { WITNESS_SCALE_FACTOR } from '../consensus.js';
import { ProtocolError } from '../errors.js';
import { sha256dRangesInto } from '../hash.js';
import { i64At, Reader, u32At } from '../reader.js';
import { Writer } from '../writer.js';

/** The output a transaction input spends: a txid in wire order and an output index. */
export interface OutPoint {
  readonly hash: Buffer;
  readonly index: number;
}

/** A transaction input: the output it spends, its unlocking script, sequence and witness stack. */
export interface TxInput {
  readonly prevout: OutPoint;
  readonly scriptSig: Buffer;
  readonly sequence: number;
  /** The witness stack (BIP141), empty for an input without one. */
  readonly witness: readonly Buffer[];
}

/** A transaction output: an amount and the script that locks it. */
export interface TxOutput {
  /** Satoshis. Signed, as Core's CAmount: the wire can carry a negative amount, and consensus refuses it later. */
  readonly value: bigint;
  readonly scriptPubKey: Buffer;
}

/** What a transaction is made of: what you give `transactionFromData` to build one. */
export interface TransactionData {
  /** Unsigned, as Core has read it since version 28. */
  readonly version: number;
  readonly inputs: readonly TxInput[];
  readonly outputs: readonly TxOutput[];
  readonly locktime: number;
}

/**
 * A decoded transaction. Its hashes and sizes were computed once, from the bytes it was read from,
 * and are never recomputed: treat the value as immutable. Scripts, witness items, prevout hashes and
 * `raw` are views into the received payload, not copies: they keep that buffer alive, and anything
 * that writes into the buffer changes them.
 */
export interface Transaction extends TransactionData {
  /** Double SHA-256 of the serialisation without witnesses, in wire order (`hashToHex` for display). */
  readonly txid: Buffer;
  /** Double SHA-256 of the whole serialisation; the same Buffer as `txid` when there is no witness. */
  readonly wtxid: Buffer;
  /** Whether any input has a witness (the BIP144 extended serialisation). */
  readonly hasWitness: boolean;
  /** The bytes the transaction was read from, exactly: relay them as they are (`frame(magic, 'tx', tx.raw)`). */
  readonly raw: Buffer;
  /** Bytes with witnesses (`raw.length`). */
  readonly size: number;
  /** Bytes without marker, flag and witnesses (Core's "base size"). */
  readonly strippedSize: number;
  /** strippedSize × 3 + size (BIP141). */
  readonly weight: number;
  /** weight / 4, rounded up. */
  readonly vsize: number;
}

// The smallest each thing can be on the wire: counts larger than the bytes left could hold are
// refused before anything is allocated for them, so a count of 2^25 costs nothing.
/** Prevout (36), an empty script (1) and the sequence (4). */
const MIN_INPUT_SIZE = 41;
/** Value (8) and an empty script (1). */
const MIN_OUTPUT_SIZE = 9;
/** A witness item is at least its one-byte length. */
const MIN_WITNESS_ITEM_SIZE = 1;
/** Version, an empty input count, a zero flag byte (read as Core does: no inputs, no outputs), locktime. */
export const MIN_TRANSACTION_SIZE = 10;

const NO_WITNESS: readonly Buffer[] = Object.freeze([]) as readonly Buffer[];

/** Fields assigned once while decoding; the interfaces above are their read-only face. */
type MutableInput = { prevout: OutPoint; scriptSig: Buffer; sequence: number; witness: readonly Buffer[] };

/**
 * Reads one transaction at the reader's position, exactly as Core's UnserializeTransaction does: an
 * empty input list followed by a non-zero byte is the BIP144 marker and flag; flag bit 0 means
 * witnesses follow, and then at least one input must have one ("Superfluous witness record"); any
 * other flag bit is refused ("Unknown transaction optional data").
 */
export function readTransaction(r: Reader): Transaction {
  const buf = r.buffer;
  const start = r.offset;
  const version = r.u32('transaction version');
  let flags = 0;
  let inputs: MutableInput[];
  let outputs: TxOutput[];
  let inputCount = r.compactSize('input count');
  if (inputCount === 0) {
    // An empty input list, or the marker: Core reads the next byte as the flag either way.
    flags = r.u8('witness flag');
    if (flags !== 0) {
      inputCount = r.compactSize('input count');
      inputs = readInputs(r, buf, inputCount);
      outputs = readOutputs(r, buf);
    } else {
      inputs = [];
      outputs = [];
    }
  } else {
    inputs = readInputs(r, buf, inputCount);
    outputs = readOutputs(r, buf);
  }
  const bodyEnd = r.offset;
  let hasWitness = false;
  if (flags & 1) {
    flags ^= 1;
    for (const input of inputs) {
      const stack = readWitness(r);
      if (stack.length > 0) {
        input.witness = stack;
        hasWitness = true;
      }
    }
    if (!hasWitness) r.fail('superfluous-witness', 'witness flag set but every witness is empty');
  }
  if (flags !== 0) r.fail('unknown-tx-flag', `unknown transaction flags 0x${flags.toString(16)}`);
  const locktime = r.u32('locktime');
  const end = r.offset;
  const size = end - start;
  const raw = r.view(start, size);
  let txid: Buffer;
  let wtxid: Buffer;
  let strippedSize: number;
  if (hasWitness) {
    const hashes = Buffer.allocUnsafe(64);
    // The txid covers version ‖ inputs ‖ outputs ‖ locktime: the received bytes minus marker, flag and witnesses.
    sha256dRangesInto(buf, [start, start + 4, start + 6, bodyEnd, end - 4, end], hashes, 0);
    sha256dRangesInto(buf, [start, end], hashes, 32);
    txid = hashes.subarray(0, 32);
    wtxid = hashes.subarray(32, 64);
    strippedSize = 4 + (bodyEnd - start - 6) + 4;
  } else {
    txid = Buffer.allocUnsafe(32);
    sha256dRangesInto(buf, [start, end], txid, 0);
    wtxid = txid;
    strippedSize = size;
  }
  const weight = strippedSize * (WITNESS_SCALE_FACTOR - 1) + size;
  return {
    version,
    inputs,
    outputs,
    locktime,
    txid,
    wtxid,
    hasWitness,
    raw,
    size,
    strippedSize,
    weight,
    vsize: Math.ceil(weight / WITNESS_SCALE_FACTOR),
  };
}

function readInputs(r: Reader, buf: Buffer, count: number): MutableInput[] {
  if (count > r.remaining / MIN_INPUT_SIZE) {
    r.fail('truncated', `${count} inputs cannot fit in the ${r.remaining} bytes left`);
  }
  const inputs: MutableInput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = r.take(36, 'prevout');
    const prevout: OutPoint = { hash: r.view(at, 32), index: u32At(buf, at + 32) };
    const scriptSig = r.bytes(r.compactSize('scriptSig length'), 'scriptSig');
    inputs[i] = { prevout, scriptSig, sequence: u32At(buf, r.take(4, 'sequence')), witness: NO_WITNESS };
  }
  return inputs;
}

function readOutputs(r: Reader, buf: Buffer): TxOutput[] {
  const count = r.compactSize('output count');
  if (count > r.remaining / MIN_OUTPUT_SIZE) {
    r.fail('truncated', `${count} outputs cannot fit in the ${r.remaining} bytes left`);
  }
  const outputs: TxOutput[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const value = i64At(buf, r.take(8, 'output value'));
    outputs[i] = { value, scriptPubKey: r.bytes(r.compactSize('scriptPubKey length'), 'scriptPubKey') };
  }
  return outputs;
}

function readWitness(r: Reader): readonly Buffer[] {
  const count = r.compactSize('witness item count');
  if (count === 0) return NO_WITNESS;
  if (count > r.remaining / MIN_WITNESS_ITEM_SIZE) {
    r.fail('truncated', `${count} witness items cannot fit in the ${r.remaining} bytes left`);
  }
  const stack: Buffer[] = new Array(count);
  for (let i = 0; i < count; i++) stack[i] = r.bytes(r.compactSize('witness item length'), 'witness item');
  return stack;
}

/** The `tx` message: one transaction and nothing after it. */
export function decodeTx(r: Reader): Transaction {
  const tx = readTransaction(r);
  // Core ignores bytes after the transaction; we refuse them, so that `raw` is always the whole
  // payload and relaying it relays exactly what was hashed.
  if (r.remaining > 0) r.fail('trailing-bytes', `${r.remaining} bytes after the transaction`);
  return tx;
}

const isU32 = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

function unencodable(message: string): never {
  throw new ProtocolError('unencodable', message, 'tx');
}

/**
 * Serialises a transaction as Core does: the extended format (marker 0x00, flag 0x01, witnesses after
 * the outputs) exactly when some input has a witness. The fields are the truth: a decoded value's
 * `raw` and hashes are not consulted.
 */
export function writeTransaction(w: Writer, tx: TransactionData): void {
  const { inputs, outputs } = tx;
  // Without inputs, a non-empty output count would be read back as the BIP144 flag: Core would send
  // such bytes, nobody could read them; such a transaction is invalid anyway (bad-txns-vin-empty).
  if (inputs.length === 0 && outputs.length > 0) unencodable('a transaction with outputs but no inputs cannot be serialised unambiguously');
  if (!isU32(tx.version)) unencodable(`version ${tx.version} is not a u32`);
  if (!isU32(tx.locktime)) unencodable(`locktime ${tx.locktime} is not a u32`);
  const witness = inputs.some((input) => input.witness.length > 0);
  w.u32(tx.version);
  if (witness) w.u8(0).u8(1);
  w.compactSize(inputs.length);
  for (const input of inputs) {
    if (!isU32(input.prevout.index)) unencodable(`prevout index ${input.prevout.index} is not a u32`);
    if (!isU32(input.sequence)) unencodable(`sequence ${input.sequence} is not a u32`);
    w.fixed(input.prevout.hash, 32, 'prevout hash').u32(input.prevout.index).varBytes(input.scriptSig).u32(input.sequence);
  }
  w.compactSize(outputs.length);
  for (const output of outputs) {
    if (typeof output.value !== 'bigint' || output.value < MIN_I64 || output.value > MAX_I64) {
      unencodable(`output value ${String(output.value)} is not a signed 64-bit amount`);
    }
    w.i64(output.value).varBytes(output.scriptPubKey);
  }
  if (witness) {
    for (const input of inputs) {
      w.compactSize(input.witness.length);
      for (const item of input.witness) w.varBytes(item);
    }
  }
  w.u32(tx.locktime);
}

/** The `tx` message's encoder: the transaction's serialisation, nothing else. */
export const encodeTx = writeTransaction;

/** The serialisation of `tx` (with witnesses when it has any). */
export function serializeTransaction(tx: TransactionData): Buffer {
  const w = new Writer(256);
  writeTransaction(w, tx);
  return w.finish();
}

/**
 * A complete Transaction (txid, wtxid, sizes, raw bytes) from its fields: serialised once, then read
 * back like a received one, so its hashes come from the same code path.
 */
export function transactionFromData(data: TransactionData): Transaction {
  return decodeTx(new Reader(serializeTransaction(data), 'tx'));
}

/** A transaction whose single input spends nothing: the null prevout (all-zero hash, index 0xffffffff). */
export const isCoinbase = (tx: TransactionData): boolean =>
  tx.inputs.length === 1 && isNullPrevout(tx.inputs[0]!.prevout);

/** The prevout a coinbase spends: all-zero hash and index 0xffffffff (Core's COutPoint::IsNull). */
export const isNullPrevout = (p: OutPoint): boolean => p.index === 0xffff_ffff && isZeroHash(p.hash);

function isZeroHash(hash: Uint8Array): boolean {
  for (let i = 0; i < hash.length; i++) if (hash[i] !== 0) return false;
  return true;
}

