/**
 * BIP324's published vectors (test/vectors/bip324/): every packet-encoding row through our key
 * exchange, key derivation and packet cipher; every ElligatorSwift decoding; the XSwiftECInv cases
 * through the library's inverse; and each vector key as a peer's key for a whole transport.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { describe, expect, it } from 'vitest';
import { NETWORKS } from '../../../src/protocol/networks.js';
import { PacketCipher } from '../../../src/protocol/v2/cipher.js';
import { bip324EcdhSecret, deriveSessionSecrets, ephemeralKeyFrom } from '../../../src/protocol/v2/keys.js';
import { V2Transport } from '../../../src/protocol/v2/transport.js';
import { readVectors } from './support.js';

const MAINNET = NETWORKS.mainnet.magic;
const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fieldElement = (text: string): bigint => BigInt(`0x${text}`);

describe('packet_encoding_test_vectors.csv', () => {
  const rows = readVectors('packet_encoding_test_vectors.csv');

  it('has the 7 rows the BIP publishes, one past the 224-packet rekey', () => {
    expect(rows).toHaveLength(7);
    expect(rows.some((row) => Number(row.in_idx) >= 224)).toBe(true);
  });

  for (const row of rows) {
    const initiating = row.in_initiating === '1';
    const label = `in_idx ${row.in_idx}, ${initiating ? 'initiator' : 'responder'}, ${row.in_contents!.length / 2}×${row.in_multiply} bytes`;

    it(`${label}: keys, shared secret, derived secrets and ciphertext`, () => {
      const priv = hex(row.in_priv_ours!);
      const ours = hex(row.in_ellswift_ours!);
      const theirs = hex(row.in_ellswift_theirs!);
      expect(toHex(schnorr.getPublicKey(priv))).toBe(row.mid_x_ours);
      expect(toHex(elligatorSwift.decode(ours))).toBe(row.mid_x_ours);
      expect(toHex(elligatorSwift.decode(theirs))).toBe(row.mid_x_theirs);
      expect(toHex(elligatorSwift.getSharedSecret(priv, theirs))).toBe(row.mid_x_shared);

      const secret = bip324EcdhSecret(ephemeralKeyFrom({ privateKey: priv, ellswift: ours }), theirs, initiating);
      expect(toHex(secret)).toBe(row.mid_shared_secret);
      const s = deriveSessionSecrets(secret, MAINNET);
      expect(toHex(s.initiatorL)).toBe(row.mid_initiator_l);
      expect(toHex(s.initiatorP)).toBe(row.mid_initiator_p);
      expect(toHex(s.responderL)).toBe(row.mid_responder_l);
      expect(toHex(s.responderP)).toBe(row.mid_responder_p);
      const [send, recv] = initiating
        ? [s.initiatorGarbageTerminator, s.responderGarbageTerminator]
        : [s.responderGarbageTerminator, s.initiatorGarbageTerminator];
      expect(toHex(send)).toBe(row.mid_send_garbage_terminator);
      expect(toHex(recv)).toBe(row.mid_recv_garbage_terminator);
      expect(toHex(s.sessionId)).toBe(row.out_session_id);

      const cipher = new PacketCipher(
        initiating
          ? { sendL: s.initiatorL, sendP: s.initiatorP, recvL: s.responderL, recvP: s.responderP }
          : { sendL: s.responderL, sendP: s.responderP, recvL: s.initiatorL, recvP: s.initiatorP },
      );
      for (let i = 0; i < Number(row.in_idx); i++) cipher.encrypt(Buffer.alloc(0));
      const contents = Buffer.concat(Array<Buffer>(Number(row.in_multiply)).fill(hex(row.in_contents!)));
      const packet = cipher.encrypt(contents, hex(row.in_aad!), row.in_ignore === '1');
      if (row.out_ciphertext) expect(toHex(packet)).toBe(row.out_ciphertext);
      if (row.out_ciphertext_endswith) expect(toHex(packet).endsWith(row.out_ciphertext_endswith)).toBe(true);
    });

    it(`${label}: the peer's cipher decrypts that packet after the same number of packets`, () => {
      const priv = hex(row.in_priv_ours!);
      const key = ephemeralKeyFrom({ privateKey: priv, ellswift: hex(row.in_ellswift_ours!) });
      const s = deriveSessionSecrets(bip324EcdhSecret(key, hex(row.in_ellswift_theirs!), initiating), MAINNET);
      const [sendL, sendP] = initiating ? [s.initiatorL, s.initiatorP] : [s.responderL, s.responderP];
      const sender = new PacketCipher({ sendL, sendP, recvL: Buffer.alloc(32), recvP: Buffer.alloc(32) });
      const receiver = new PacketCipher({ sendL: Buffer.alloc(32), sendP: Buffer.alloc(32), recvL: sendL, recvP: sendP });
      const contents = Buffer.concat(Array<Buffer>(Number(row.in_multiply)).fill(hex(row.in_contents!)));
      const aad = hex(row.in_aad!);
      for (let i = 0; i < Number(row.in_idx); i++) {
        const earlier = sender.encrypt(Buffer.alloc(0));
        expect(receiver.decryptLength(earlier)).toBe(0);
        expect(receiver.decrypt(earlier.subarray(3))?.contents.length).toBe(0);
      }
      const packet = sender.encrypt(contents, aad, row.in_ignore === '1');
      expect(receiver.decryptLength(packet)).toBe(contents.length);
      const opened = receiver.decrypt(packet.subarray(3), aad);
      expect(opened?.ignore).toBe(row.in_ignore === '1');
      expect(opened?.contents.equals(contents)).toBe(true);
    });

    it(`${label}: a transport with this key derives the same session id and terminator`, () => {
      const transport = new V2Transport({
        role: initiating ? 'initiator' : 'responder',
        magic: MAINNET,
        key: { privateKey: hex(row.in_priv_ours!), ellswift: hex(row.in_ellswift_ours!) },
        garbage: Buffer.alloc(0),
        garbageWithKey: true,
      });
      expect(toHex(transport.start())).toBe(row.in_ellswift_ours);
      const events = transport.push(hex(row.in_ellswift_theirs!));
      expect(events.map((e) => e.type)).toEqual(['send']);
      const sent = events[0]!.type === 'send' ? events[0]!.bytes : Buffer.alloc(0);
      expect(toHex(sent.subarray(0, 16))).toBe(row.mid_send_garbage_terminator);
      expect(sent.length).toBe(16 + 20);
      expect(toHex(transport.sessionId!)).toBe(row.out_session_id);
      expect(transport.phase).toBe('garbage');
    });
  }
});

describe('ellswift_decode_test_vectors.csv', () => {
  const rows = readVectors('ellswift_decode_test_vectors.csv');

  it('has 76 rows, and every encoding decodes to its x', () => {
    expect(rows).toHaveLength(76);
    for (const row of rows) expect(toHex(elligatorSwift.decode(hex(row.ellswift!))), row.comment).toBe(row.x);
  });

  it('every one of them is accepted as a peer key: the handshake goes on, nothing throws', () => {
    for (const row of rows) {
      for (const role of ['initiator', 'responder'] as const) {
        const transport = new V2Transport({ role, magic: MAINNET, garbage: Buffer.alloc(0) });
        transport.start();
        const events = transport.push(hex(row.ellswift!));
        expect(events.map((e) => e.type), `${role} ${row.comment}`).toEqual(['send']);
        expect(transport.phase).toBe('garbage');
        expect(transport.sessionId).toHaveLength(32);
      }
    }
  });
});

describe('xswiftec_inv_test_vectors.csv', () => {
  const rows = readVectors('xswiftec_inv_test_vectors.csv');

  // The library exposes its XSwiftECInv as `_inv` ("exported for tests"); ElligatorSwift encoding
  // rests on it, so the BIP's inverse vectors check the encoder our keys come from.
  it('has 32 rows; every case gives the published t (or none), and each t decodes back to x', () => {
    expect(rows).toHaveLength(32);
    let found = 0;
    for (const row of rows) {
      const u = fieldElement(row.u!);
      const x = fieldElement(row.x!);
      for (let ellCase = 0; ellCase < 8; ellCase++) {
        const expected = row[`case${ellCase}_t`]!;
        const t = elligatorSwift._inv(x, u, ellCase);
        if (expected === '') {
          expect(t, `${row.u} case ${ellCase}`).toBeUndefined();
          continue;
        }
        found++;
        expect(typeof t).toBe('bigint');
        const tHex = (t as bigint).toString(16).padStart(64, '0');
        expect(tHex, `${row.u} case ${ellCase}`).toBe(expected);
        expect(toHex(elligatorSwift.decode(Buffer.concat([hex(row.u!), hex(tHex)])))).toBe(row.x);
      }
    }
    expect(found).toBeGreaterThan(0);
  });
});
