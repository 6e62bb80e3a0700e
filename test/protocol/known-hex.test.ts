/**
 * Real messages assembled by hand from well-known bytes: the genesis headers of all five networks,
 * a verack, the version message from the Bitcoin wiki's protocol page, and a few more. Hex here is
 * written field by field (little-endian by hand) so the codec is checked against the spec, not itself.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodePayload,
  encodeMessage,
  encodePayload,
  type OutgoingMessage,
} from '../../src/protocol/codec.js';
import { checksum, hashToHex, hexToHash, sha256d } from '../../src/protocol/hash.js';
import { blockHash, parseBlockHeader } from '../../src/protocol/messages/headers.js';
import { InvType, MSG_WITNESS_FLAG } from '../../src/protocol/messages/inventory.js';
import { NETWORKS, type NetworkName } from '../../src/protocol/networks.js';
import { dsha256, handFrame, hex } from './support.js';

const ZERO32 = '00'.repeat(32);
// The genesis coinbase merkle root, in wire order (display order 4a5e1e4b…a33b reversed).
const GENESIS_MERKLE_WIRE = '3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a';

/** Genesis headers: version 1, no previous block, then time, bits, nonce (all LE). */
const GENESIS: Record<NetworkName, { header: string; time: number; bits: number; nonce: number }> = {
  // The famous 80 bytes of block 0, as found in every explorer.
  mainnet: {
    header:
      '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
    time: 1231006505,
    bits: 0x1d00ffff,
    nonce: 2083236893,
  },
  testnet3: {
    header: `01000000 ${ZERO32} ${GENESIS_MERKLE_WIRE} dae5494d ffff001d 1aa4ae18`,
    time: 1296688602,
    bits: 0x1d00ffff,
    nonce: 414098458,
  },
  // testnet4 has its own coinbase, hence its own merkle root (7aa0a7ae…7b4e in display order).
  testnet4: {
    header: `01000000 ${ZERO32} 4e7b2b9128fe0291db0693af2ae418b767e657cd407e80cb1434221eaea7a07a 046f3566 ffff001d bb0c7817`,
    time: 1714777860,
    bits: 0x1d00ffff,
    nonce: 393743547,
  },
  signet: {
    header: `01000000 ${ZERO32} ${GENESIS_MERKLE_WIRE} 008f4d5f ae77031e 8ad22203`,
    time: 1598918400,
    bits: 0x1e0377ae,
    nonce: 52613770,
  },
  regtest: {
    header: `01000000 ${ZERO32} ${GENESIS_MERKLE_WIRE} dae5494d ffff7f20 02000000`,
    time: 1296688602,
    bits: 0x207fffff,
    nonce: 2,
  },
};

describe('genesis headers inside a headers message', () => {
  it('mainnet genesis: every field, and the famous hash', () => {
    const header = parseBlockHeader(hex(GENESIS.mainnet.header));
    expect(header.version).toBe(1);
    expect(header.prevBlock.equals(Buffer.alloc(32))).toBe(true);
    expect(hashToHex(header.merkleRoot)).toBe(
      '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
    );
    expect(header.time).toBe(1231006505);
    expect(header.bits).toBe(0x1d00ffff);
    expect(header.nonce).toBe(2083236893);
    expect(hashToHex(blockHash(header))).toBe(
      '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
    );
  });

  it.each(Object.keys(GENESIS) as NetworkName[])(
    '%s: frame decodes, hashes to the chain params, re-encodes',
    (name) => {
      const network = NETWORKS[name];
      const g = GENESIS[name];
      // headers payload: count 1, the 80-byte header, transaction count 0.
      const payload = hex(`01 ${g.header} 00`);
      expect(payload.length).toBe(82);
      const frame = handFrame(network.magic.toString('hex'), 'headers', payload);

      const decoded = decodeFrame(frame);
      expect(decoded.network).toBe(network);
      expect(decoded.message.command).toBe('headers');
      if (decoded.message.command !== 'headers' || 'unknown' in decoded.message)
        throw new Error('not headers');
      const [h] = decoded.message.payload.headers;
      expect(decoded.message.payload.headers.length).toBe(1);
      expect(h!.version).toBe(1);
      expect(h!.time).toBe(g.time);
      expect(h!.bits).toBe(g.bits);
      expect(h!.nonce).toBe(g.nonce);
      expect(h!.prevBlock.equals(Buffer.alloc(32))).toBe(true);
      // The block hash: the codec's, an independent double SHA-256 of the 80 bytes, and the chain params agree.
      expect(hashToHex(blockHash(h!))).toBe(network.genesisHash);
      expect(
        Buffer.from(dsha256(hex(g.header)))
          .reverse()
          .toString('hex'),
      ).toBe(network.genesisHash);

      expect(encodeMessage(network.magic, decoded.message).equals(frame)).toBe(true);
    },
  );

  it('hashToHex / hexToHash reverse the byte order and are inverses', () => {
    const wire = hexToHash(NETWORKS.regtest.genesisHash);
    expect(wire.toString('hex')).toBe('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');
    expect(hashToHex(wire)).toBe(NETWORKS.regtest.genesisHash);
    expect(() => hexToHash('abc')).toThrow(TypeError);
  });
});

describe('small hand-made frames', () => {
  it('verack on mainnet: empty payload, checksum 5df6e0e2', () => {
    const frame = hex('f9beb4d9 76657261636b000000000000 00000000 5df6e0e2');
    expect(decodeFrame(frame)).toEqual({
      network: NETWORKS.mainnet,
      message: { command: 'verack', payload: {} },
    });
    expect(encodeMessage(NETWORKS.mainnet.magic, { command: 'verack', payload: {} }).equals(frame)).toBe(
      true,
    );
    // sha256d('') starts with 5df6e0e2: the checksum of every empty payload.
    expect(checksum(Buffer.alloc(0)).toString('hex')).toBe('5df6e0e2');
    expect(sha256d(Buffer.alloc(0)).equals(dsha256(Buffer.alloc(0)))).toBe(true);
  });

  it('the version message from the Bitcoin wiki (60002, /Satoshi:0.7.2/, no relay byte)', () => {
    const frame = hex(`
      f9beb4d9 76657273696f6e0000000000 64000000 3b648d5a
      62ea0000 0100000000000000 11b2d05000000000
      0100000000000000 00000000000000000000ffff00000000 0000
      0100000000000000 00000000000000000000ffff00000000 0000
      3b2eb35d8ce61765 0f 2f5361746f7368693a302e372e322f c03e0300`);
    const { network, message } = decodeFrame(frame);
    expect(network).toBe(NETWORKS.mainnet);
    expect(message).toEqual({
      command: 'version',
      payload: {
        version: 60002,
        services: 1n,
        timestamp: 1355854353n,
        receiver: { services: 1n, host: '0.0.0.0', port: 0 },
        sender: { services: 1n, host: '0.0.0.0', port: 0 },
        nonce: 0x6517e68c5db32e3bn,
        userAgent: '/Satoshi:0.7.2/',
        startHeight: 212672,
      },
    });
    // No relay byte on the wire means no relay key at all, and encoding leaves it out again.
    expect('relay' in (message as { payload: object }).payload).toBe(false);
    expect(encodeMessage(NETWORKS.mainnet.magic, message as OutgoingMessage).equals(frame)).toBe(true);
  });

  it('ping with nonce 1 and pong echoing it', () => {
    const payload = hex('0100000000000000');
    const ping = handFrame('f9beb4d9', 'ping', payload);
    expect(decodeFrame(ping).message).toEqual({ command: 'ping', payload: { nonce: 1n } });
    expect(encodeMessage(NETWORKS.mainnet.magic, { command: 'pong', payload: { nonce: 1n } })).toEqual(
      handFrame('f9beb4d9', 'pong', payload),
    );
  });

  it('getheaders from the regtest genesis, stop hash zero', () => {
    const payload = hex(
      `80110100 01 06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f ${ZERO32}`,
    );
    const decoded = decodePayload('getheaders', payload);
    expect(decoded).toEqual({
      command: 'getheaders',
      payload: {
        version: 70016,
        locator: [hexToHash(NETWORKS.regtest.genesisHash)],
        stopHash: Buffer.alloc(32),
      },
    });
    expect(encodePayload(decoded as OutgoingMessage).equals(payload)).toBe(true);
  });

  it('inv / getdata with witness types: the witness flag is bit 30', () => {
    expect(MSG_WITNESS_FLAG).toBe(0x4000_0000);
    expect(InvType.WITNESS_TX).toBe(InvType.TX | MSG_WITNESS_FLAG);
    expect(InvType.WITNESS_BLOCK).toBe(InvType.BLOCK | MSG_WITNESS_FLAG);
    expect(InvType.FILTERED_WITNESS_BLOCK).toBe(InvType.FILTERED_BLOCK | MSG_WITNESS_FLAG);
    const hash = 'aa'.repeat(32);
    const payload = hex(`03 01000040 ${hash} 02000040 ${hash} 05000000 ${hash}`);
    const decoded = decodePayload('getdata', payload);
    expect(decoded).toEqual({
      command: 'getdata',
      payload: {
        items: [
          { type: InvType.WITNESS_TX, hash: hex(hash) },
          { type: InvType.WITNESS_BLOCK, hash: hex(hash) },
          { type: InvType.WTX, hash: hex(hash) },
        ],
      },
    });
    expect(encodePayload(decoded as OutgoingMessage).equals(payload)).toBe(true);
  });

  it('feefilter 1000 and sendcmpct (true, 2)', () => {
    expect(decodePayload('feefilter', hex('e803000000000000'))).toEqual({
      command: 'feefilter',
      payload: { feeRate: 1000n },
    });
    expect(decodePayload('sendcmpct', hex('01 0200000000000000'))).toEqual({
      command: 'sendcmpct',
      payload: { announce: true, version: 2n },
    });
  });

  it('reject of a tx with its hash (BIP61 layout), and of a version without one', () => {
    const hash = 'bb'.repeat(32);
    const withHash = hex(
      `02 7478 42 0e ${Buffer.from('insufficient fee').subarray(0, 14).toString('hex')} ${hash}`,
    );
    expect(decodePayload('reject', withHash)).toEqual({
      command: 'reject',
      payload: { message: 'tx', code: 0x42, reason: 'insufficient f', hash: hex(hash) },
    });
    const noHash = hex(`07 76657273696f6e 11 08 6f62736f6c657465`);
    const decoded = decodePayload('reject', noHash);
    expect(decoded).toEqual({
      command: 'reject',
      payload: { message: 'version', code: 0x11, reason: 'obsolete' },
    });
    expect(encodePayload(decoded as OutgoingMessage).equals(noHash)).toBe(true);
  });
});
