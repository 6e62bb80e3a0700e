// What the value tests stand on: the test blocks verify (and their hostile copies keep the header),
// the regtest genesis block is the real one, and scripted peers serve blocks and ask for transactions.
import { describe, expect, it } from 'vitest';
import { verifyBlock } from '../../src/protocol/block-verify.js';
import { decodePayload } from '../../src/protocol/codec.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  makeBlock,
  makeChain,
  regtestGenesisBlock,
  spend,
  withBadMerkleRoot,
  withBadWitnessCommitment,
  withSuperfluousWitness,
} from '../../testkit/blocks.js';
import { connectRawClient, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { decodeBlockBytes } from '../helpers/chain-vectors.js';

describe('test blocks', () => {
  it('the regtest genesis block hashes to Core’s and verifies', () => {
    const genesis = decodeBlockBytes(regtestGenesisBlock());
    expect(hashToHex(genesis.hash)).toBe('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(verifyBlock(genesis).ok).toBe(true);
  });

  it('made blocks verify, with a witness commitment when a spend has a witness; a chain links up', () => {
    const block = makeBlock({ transactions: [spend(1), spend(2, { witness: false })] });
    expect(verifyBlock(block)).toMatchObject({ ok: true, witnessRoot: expect.any(Buffer) });
    expect(verifyBlock(makeBlock({ transactions: [spend(3, { witness: false })] }))).toMatchObject({ ok: true, witnessRoot: null });
    const chain = makeChain(3);
    expect(chain[2]!.header.prevBlock.equals(chain[1]!.hash)).toBe(true);
  });

  it('hostile copies keep the header and break what they say', () => {
    const block = makeBlock({ transactions: [spend(4)] });
    const merkle = decodeBlockBytes(withBadMerkleRoot(block));
    const witness = decodeBlockBytes(withBadWitnessCommitment(block));
    expect([merkle.hash, witness.hash].every((h) => h.equals(block.hash))).toBe(true);
    expect(verifyBlock(merkle)).toMatchObject({ ok: false, reason: 'bad-txnmrklroot' });
    expect(verifyBlock(witness)).toMatchObject({ ok: false, reason: 'bad-witness-merkle-match' });
    expect(() => decodePayload('block', withSuperfluousWitness(block))).toThrow(expect.objectContaining({ code: 'superfluous-witness' }));
  });
});

describe('scripted peers for value', () => {
  it('serve the blocks they were given, stay silent on others, and ask for announced transactions', async () => {
    const genesis = regtestGenesisBlock();
    const peer = await startScriptedPeer({ negotiate: true, blocks: [genesis], requestTransactions: true });
    const client = await connectRawClient(peer.address, { network: NETWORKS.regtest });
    try {
      await client.handshake();
      const unknown = Buffer.alloc(32, 1);
      const hash = decodeBlockBytes(genesis).hash;
      client.send({ command: 'getdata', payload: { items: [{ type: InvType.WITNESS_BLOCK, hash: unknown }, { type: InvType.BLOCK, hash }] } });
      const block = await client.waitFor('block');
      expect(block.payload.raw.equals(genesis)).toBe(true);
      const tx = spend(9);
      client.send({ command: 'inv', payload: { items: [{ type: InvType.WTX, hash: tx.wtxid }] } });
      const getdata = await client.waitFor('getdata');
      expect(getdata.payload.items).toEqual([{ type: InvType.WTX, hash: tx.wtxid }]);
      expect(client.received.filter((m) => m.command === 'block')).toHaveLength(1);
    } finally {
      await client.destroy();
      await peer.close();
    }
  });
});
