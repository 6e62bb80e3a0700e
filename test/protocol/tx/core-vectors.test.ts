/**
 * Every transaction of Bitcoin Core's tx_valid.json and tx_invalid.json (test/vectors/core): it
 * decodes and re-encodes byte for byte, with the txid and wtxid bcoin computes; and the forms Core's
 * deserialiser refuses (built from these transactions, since this copy of the files has none) are
 * typed errors. Script validity, which is what the files' verdicts are about, is out of scope: an
 * "invalid" row is invalid by its scripts or by CheckTransaction, not by its serialisation.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../../../src/protocol/codec.js';
import { serializeTransaction, type Transaction } from '../../../src/protocol/messages/tx.js';
import { checkTransaction } from '../../../src/protocol/tx-check.js';
import { coreTxRows, decodeTxBytes } from '../../helpers/chain-vectors.js';
import { dsha256, expectProtocolError } from '../support.js';

process.env.NODE_BACKEND ??= 'js';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const bcoin: Any = createRequire(import.meta.url)('bcoin');

const VALID = coreTxRows('tx_valid.json');
const INVALID = coreTxRows('tx_invalid.json');

describe('Core’s transaction vectors', () => {
  it('the files hold what their README says', () => {
    expect(VALID.length).toBe(120);
    expect(INVALID.length).toBe(92);
  });

  it.each([
    ['tx_valid.json', VALID],
    ['tx_invalid.json', INVALID],
  ] as const)('%s: every transaction decodes, re-encodes byte for byte, and hashes as bcoin does', (_file, rows) => {
    let witness = 0;
    for (const row of rows) {
      const bytes = Buffer.from(row.hex, 'hex');
      const tx = decodeTxBytes(bytes);
      const where = `${row.file} row ${row.index}`;
      expect(encodePayload({ command: 'tx', payload: tx }).equals(bytes), where).toBe(true);
      expect(tx.size, where).toBe(bytes.length);
      expect(tx.wtxid.equals(dsha256(bytes)), where).toBe(true);
      // bcoin agrees with Core on every one of these serialisations.
      const theirs: Any = bcoin.TX.fromRaw(bytes);
      expect(theirs.toRaw().equals(bytes), where).toBe(true);
      expect(tx.txid.equals(theirs.hash()), where).toBe(true);
      expect(tx.wtxid.equals(theirs.witnessHash()), where).toBe(true);
      expect(tx.weight, where).toBe(theirs.getWeight());
      if (tx.hasWitness) witness++;
    }
    expect(witness).toBeGreaterThan(10);
  });

  it('tx_invalid.json: the rows CheckTransaction refuses are refused for Core’s reasons', () => {
    const reasons = new Map<string, number>();
    for (const row of INVALID) {
      const reason = checkTransaction(decodeTxBytes(Buffer.from(row.hex, 'hex')));
      if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    // The file's own comments name these cases: duplicate inputs, a null prevout in a
    // non-coinbase, coinbase scripts of 1 and 101 bytes, negative and too large outputs, no outputs.
    expect([...reasons.keys()].sort()).toEqual(
      [
        'bad-cb-length',
        'bad-txns-inputs-duplicate',
        'bad-txns-prevout-null',
        'bad-txns-vout-empty',
        'bad-txns-vout-negative',
        'bad-txns-vout-toolarge',
        'bad-txns-txouttotal-toolarge',
      ].sort(),
    );
    // No row of tx_valid.json fails it.
    for (const row of VALID) expect(checkTransaction(decodeTxBytes(Buffer.from(row.hex, 'hex'))), `row ${row.index}`).toBeNull();
  });

  it('every witness transaction with its witnesses emptied but the flag kept: "Superfluous witness record"; bcoin accepts it', () => {
    let cases = 0;
    for (const row of [...VALID, ...INVALID]) {
      const tx = decodeTxBytes(Buffer.from(row.hex, 'hex'));
      if (!tx.hasWitness) continue;
      const bytes = flagWithoutWitness(tx);
      expectProtocolError(() => decodePayload('tx', bytes), 'superfluous-witness');
      // bcoin 1.0.2 differs from Core here: it reads the transaction as one without witnesses.
      const theirs: Any = bcoin.TX.fromRaw(bytes);
      expect(theirs.hasWitness()).toBe(false);
      expect(theirs.hash().equals(tx.txid)).toBe(true);
      cases++;
    }
    expect(cases).toBeGreaterThan(10);
  });

  it('every witness transaction with flag 0x03 instead of 0x01: "Unknown transaction optional data"; bcoin refuses it too', () => {
    for (const row of [...VALID, ...INVALID]) {
      const bytes = Buffer.from(row.hex, 'hex');
      if (!decodeTxBytes(bytes).hasWitness) continue;
      bytes[5] = 0x03;
      expectProtocolError(() => decodePayload('tx', bytes), 'unknown-tx-flag');
      expect(() => bcoin.TX.fromRaw(bytes)).toThrow(/Unknown witness flag/);
    }
  });
});

/** `tx` in the extended serialisation (marker, flag 1) with a zero-length stack for every input. */
function flagWithoutWitness(tx: Transaction): Buffer {
  const legacy = serializeTransaction({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [] })) });
  return Buffer.concat([
    legacy.subarray(0, 4),
    Buffer.from([0x00, 0x01]),
    legacy.subarray(4, -4),
    Buffer.alloc(tx.inputs.length),
    legacy.subarray(-4),
  ]);
}
