/**
 * The four real blocks of test/vectors/blocks: each decodes to exactly its length, with the block
 * hash, txids, wtxids and weight bcoin computes; its merkle root matches the header (by our code and
 * by a naive one here); the witness commitment verifies where there is one; verifyBlock accepts it;
 * and it re-encodes to the same bytes.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { verifyBlock, witnessCommitmentIndex } from '../../../src/protocol/block-verify.js';
import { decodeFrame, encodeMessage, encodePayload } from '../../../src/protocol/codec.js';
import { hashToHex } from '../../../src/protocol/hash.js';
import { serializeBlock } from '../../../src/protocol/messages/block.js';
import { NETWORKS } from '../../../src/protocol/networks.js';
import { BLOCK_NAMES, BLOCKS, decodeBlockBytes, readBlock } from '../../helpers/chain-vectors.js';
import { dsha256, naiveMerkleRoot } from '../support.js';

process.env.NODE_BACKEND ??= 'js';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const bcoin: Any = createRequire(import.meta.url)('bcoin');

/** Block hashes as the README lists them (RPC order). */
const HASHES: Record<string, string> = {
  'mainnet-300025': '0000000000000000821c4e0acc40f88bedbce3b73ba2358b5ade58a9022cc78c',
  'mainnet-482683': '000000000000000000c238240ef6dcb26c37e75e16514e6ffc0aef7eee73e747',
  'testnet3-898352': '00000000c269ad542ed9ac684cb5fa6df340d5feee0e040590225c7332b98fca',
  'testnet3-928828': '00000000000cee3a01a2821fe68eaa06000e8c744320efca8fcff9c4b9cf76c2',
};

describe.each(BLOCK_NAMES)('%s', (name) => {
  const raw = readBlock(name);
  const block = decodeBlockBytes(raw);
  const theirs: Any = bcoin.Block.fromRaw(raw);
  const known = BLOCKS[name];

  it('decodes to exactly its length, with its hash and transaction count', () => {
    expect(block.size).toBe(raw.length);
    expect(block.raw.length).toBe(raw.length);
    expect(block.raw.buffer).toBe(raw.buffer);
    expect(block.transactions.length).toBe(known.transactions);
    expect(hashToHex(block.hash)).toBe(HASHES[name]);
    expect(block.hash.equals(dsha256(raw.subarray(0, 80)))).toBe(true);
    // The transactions tile the payload: each starts where the previous ended.
    let at = block.transactions[0]!.raw.byteOffset - raw.byteOffset;
    for (const tx of block.transactions) {
      expect(tx.raw.byteOffset - raw.byteOffset).toBe(at);
      at += tx.size;
    }
    expect(at).toBe(raw.length);
  });

  it('block hash, every txid and wtxid, sizes and weight equal bcoin’s', () => {
    expect(block.hash.equals(theirs.hash())).toBe(true);
    expect(block.weight).toBe(theirs.getWeight());
    expect(block.transactions.map((t) => [t.txid.toString('hex'), t.wtxid.toString('hex'), t.size, t.weight])).toEqual(
      theirs.txs.map((t: Any) => [t.hash('hex'), t.witnessHash('hex'), t.getSize(), t.getWeight()]),
    );
    expect(block.transactions.filter((t) => t.hasWitness).length > 0).toBe(known.witness);
    expect(block.weight).toBe(block.strippedSize * 3 + block.size);
    if (name === 'testnet3-928828') expect(block.weight).toBe(2_481_560);
  });

  it('its merkle root matches the header (ours and a naive one) and verifyBlock accepts it', () => {
    const root = naiveMerkleRoot(block.transactions.map((t) => Buffer.from(t.txid)));
    expect(root.equals(block.header.merkleRoot)).toBe(true);
    const result = verifyBlock(block, { expectedHash: Buffer.from(HASHES[name]!, 'hex').reverse() });
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.merkleRoot.equals(root)).toBe(true);
  });

  it('the witness commitment verifies where there is one, computed here from first principles', () => {
    const coinbase = block.transactions[0]!;
    const index = witnessCommitmentIndex(coinbase);
    expect(index >= 0).toBe(known.commitment);
    const result = verifyBlock(block);
    if (!result.ok) throw new Error(result.message);
    if (!known.commitment) {
      expect(result.witnessRoot).toBeNull();
      return;
    }
    const leaves = [Buffer.alloc(32), ...block.transactions.slice(1).map((t) => Buffer.from(t.wtxid))];
    const witnessRoot = naiveMerkleRoot(leaves);
    const reserved = coinbase.inputs[0]!.witness[0]!;
    expect(reserved.length).toBe(32);
    const script = coinbase.outputs[index]!.scriptPubKey;
    expect(script.subarray(0, 6).toString('hex')).toBe('6a24aa21a9ed');
    expect(dsha256(Buffer.concat([witnessRoot, reserved])).equals(script.subarray(6, 38))).toBe(true);
    expect(result.witnessRoot!.equals(witnessRoot)).toBe(true);
    // bcoin agrees that the commitment holds.
    expect(theirs.getCommitmentHash().equals(theirs.createCommitmentHash())).toBe(true);
  });

  it('re-encodes to the same bytes, from the decoded block and from its fields', () => {
    expect(encodePayload({ command: 'block', payload: block }).equals(raw)).toBe(true);
    expect(serializeBlock({ header: block.header, transactions: block.transactions }).equals(raw)).toBe(true);
  });

  it('survives framing: encodeMessage → decodeFrame gives the same hashes', () => {
    const network = name.startsWith('mainnet') ? NETWORKS.mainnet : NETWORKS.testnet3;
    const framed = encodeMessage(network.magic, { command: 'block', payload: block });
    const { network: seen, message } = decodeFrame(framed);
    expect(seen).toBe(network);
    if (message.command !== 'block' || 'unknown' in message) throw new Error('not a block');
    expect(message.payload.hash.equals(block.hash)).toBe(true);
    expect(createHash('sha256').update(message.payload.raw).digest().equals(createHash('sha256').update(raw).digest())).toBe(true);
  });
});

describe('before segwit', () => {
  it('a pre-segwit block verifies with segwit inactive; a witness block does not (unexpected-witness)', () => {
    expect(verifyBlock(decodeBlockBytes(readBlock('mainnet-300025')), { segwitActive: false })).toMatchObject({ ok: true });
    expect(verifyBlock(decodeBlockBytes(readBlock('mainnet-482683')), { segwitActive: false })).toMatchObject({
      ok: false,
      reason: 'unexpected-witness',
      mutated: true,
    });
  });
});
