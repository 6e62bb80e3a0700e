/**
 * The key exchange on its own: generated keys are valid and encode their public key; our OpenSSL-based
 * ECDH agrees with @scure/btc-signer's getSharedSecretBip324 for random keys in both roles; both sides
 * derive the same secrets; a key given to the transport is checked.
 */
import { elligatorSwift } from '@scure/btc-signer/p2p.js';
import { describe, expect, it } from 'vitest';
import { NETWORKS } from '../../../src/protocol/networks.js';
import {
  bip324EcdhSecret,
  deriveSessionSecrets,
  ephemeralKeyFrom,
  generateEllSwiftKey,
} from '../../../src/protocol/v2/keys.js';

describe('keys', () => {
  it('generated keys: 32-byte private key, 64-byte encoding of its public key', () => {
    for (let i = 0; i < 10; i++) {
      const key = generateEllSwiftKey();
      expect(key.privateKey).toHaveLength(32);
      expect(key.ellswift).toHaveLength(64);
      expect(() => ephemeralKeyFrom(key)).not.toThrow();
    }
  });

  it('with randomBytes, invalid scalars (zero, the group order) are skipped', () => {
    const order = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');
    const draws = [Buffer.alloc(32), order, Buffer.alloc(32, 0xff), Buffer.alloc(32, 7)];
    let n = 0;
    const key = generateEllSwiftKey(() => draws[n++]!);
    expect(n).toBe(4);
    expect(Buffer.from(key.privateKey).equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('our ECDH equals the library reference in both roles, and both sides agree', () => {
    for (let i = 0; i < 8; i++) {
      const a = generateEllSwiftKey();
      const b = generateEllSwiftKey();
      for (const initiating of [true, false]) {
        const ours = bip324EcdhSecret(a, b.ellswift, initiating);
        const reference = elligatorSwift.getSharedSecretBip324(a.privateKey, b.ellswift, a.ellswift, initiating);
        expect(ours.equals(Buffer.from(reference))).toBe(true);
      }
      const fromA = deriveSessionSecrets(bip324EcdhSecret(a, b.ellswift, true), NETWORKS.mainnet.magic);
      const fromB = deriveSessionSecrets(bip324EcdhSecret(b, a.ellswift, false), NETWORKS.mainnet.magic);
      expect(fromA).toEqual(fromB);
      const otherNetwork = deriveSessionSecrets(bip324EcdhSecret(b, a.ellswift, false), NETWORKS.testnet4.magic);
      expect(otherNetwork.sessionId.equals(fromA.sessionId)).toBe(false);
    }
  });

  it('ephemeralKeyFrom refuses bad keys', () => {
    const good = generateEllSwiftKey();
    expect(() => ephemeralKeyFrom({ privateKey: Buffer.alloc(32), ellswift: good.ellswift })).toThrow(TypeError);
    expect(() => ephemeralKeyFrom({ privateKey: good.privateKey, ellswift: Buffer.alloc(63) })).toThrow(TypeError);
    expect(() => ephemeralKeyFrom({ privateKey: good.privateKey, ellswift: generateEllSwiftKey().ellswift })).toThrow(TypeError);
  });
});
