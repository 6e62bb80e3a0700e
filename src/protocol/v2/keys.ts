// BIP324's key exchange: ElligatorSwift keys, the x-only ECDH secret, and the HKDF session secrets.
//
// ElligatorSwift encoding and decoding come from @scure/btc-signer; the elliptic-curve multiplications
// from OpenSSL (node:crypto's ECDH on secp256k1, which uses a constant-time ladder for secret scalars).
// Measured on the shared 2-core machine, interleaved (load 11, so only the ratios mean much): the base
// multiplication 1.5 ms (OpenSSL) against 2.6 ms (@noble/curves); decoding plus the ECDH multiplication
// 8.1 against 12.9 ms. The encoding of a new key (about 4 candidate inverses, each a few modular square
// roots in BigInt) costs as much as the multiplications, which is why keys can be generated ahead
// (`generateEllSwiftKey()`, passed as the transport's `key`).
import { createECDH, createHash, type ECDH } from 'node:crypto';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { elligatorSwift } from '@scure/btc-signer/p2p.js';

/** Bytes of an ElligatorSwift-encoded public key. */
export const ELLSWIFT_KEY_SIZE = 64;
/** Bytes of a garbage terminator. */
export const GARBAGE_TERMINATOR_SIZE = 16;

/** An ephemeral key: the secp256k1 private key and the 64-byte ElligatorSwift encoding of its public key. */
export interface EllSwiftKeyPair {
  readonly privateKey: Uint8Array;
  readonly ellswift: Uint8Array;
}

/** A key pair ready for the exchange: it keeps OpenSSL's key object, which has its public key computed. */
export interface EphemeralKey extends EllSwiftKeyPair {
  readonly ecdh: ECDH;
}

/** A source of random bytes; the default is the platform's cryptographic generator. */
export type RandomBytes = (length: number) => Uint8Array;

const CURVE = 'secp256k1';

/**
 * A fresh key pair. With `randomBytes`, the private key is drawn from it (32 bytes at a time until one
 * is a valid scalar); otherwise OpenSSL generates it. The encoding's own random choices always come
 * from the library's cryptographic generator: @scure/btc-signer's `elligatorSwift.encode` takes no source.
 */
export function generateEllSwiftKey(randomBytes?: RandomBytes): EphemeralKey {
  const ecdh = createECDH(CURVE);
  if (!randomBytes) {
    ecdh.generateKeys();
  } else {
    for (;;) {
      const candidate = randomBytes(32);
      if (candidate.length === 32 && trySetPrivateKey(ecdh, candidate)) break;
    }
  }
  const x = ecdh.getPublicKey(null, 'compressed').subarray(1);
  return {
    privateKey: leftPad32(ecdh.getPrivateKey()),
    ellswift: elligatorSwift.encode(BigInt(`0x${x.toString('hex')}`)),
    ecdh,
  };
}

/**
 * The key pair given, checked and made ready: throws a TypeError when the private key is not a valid
 * scalar or the 64 bytes do not encode its public key.
 */
export function ephemeralKeyFrom(key: EllSwiftKeyPair): EphemeralKey {
  const ecdh = createECDH(CURVE);
  if (key.privateKey.length !== 32 || !trySetPrivateKey(ecdh, key.privateKey)) {
    throw new TypeError('key: the private key is not a valid secp256k1 scalar');
  }
  if (key.ellswift.length !== ELLSWIFT_KEY_SIZE) throw new TypeError('key: the encoding is not 64 bytes');
  const x = ecdh.getPublicKey(null, 'compressed').subarray(1);
  if (!x.equals(Buffer.from(elligatorSwift.decode(key.ellswift)))) {
    throw new TypeError('key: the 64-byte encoding does not match the private key');
  }
  return { privateKey: key.privateKey, ellswift: key.ellswift, ecdh };
}

function trySetPrivateKey(ecdh: ECDH, privateKey: Uint8Array): boolean {
  try {
    ecdh.setPrivateKey(privateKey);
    return true;
  } catch {
    return false;
  }
}

function leftPad32(bytes: Buffer): Buffer {
  if (bytes.length === 32) return bytes;
  const out = Buffer.alloc(32);
  bytes.copy(out, 32 - bytes.length);
  return out;
}

const ECDH_TAG = createHash('sha256').update('bip324_ellswift_xonly_ecdh').digest();

/**
 * The BIP324 shared secret: the x coordinate of our private key times their decoded point, hashed
 * with the BIP340-style tag `bip324_ellswift_xonly_ecdh` after both 64-byte encodings, the initiator's
 * first. Any 64 bytes decode to a curve point, so a hostile encoding cannot make this fail.
 */
export function bip324EcdhSecret(ours: EphemeralKey, theirs: Uint8Array, initiating: boolean): Buffer {
  const x = elligatorSwift.decode(theirs);
  // The sign of y does not change the x coordinate of the product, so the even point stands for both.
  const point = Buffer.concat([Buffer.from([2]), x]);
  const sharedX = ours.ecdh.computeSecret(point);
  const [first, second] = initiating ? [ours.ellswift, theirs] : [theirs, ours.ellswift];
  return createHash('sha256').update(ECDH_TAG).update(ECDH_TAG).update(first).update(second).update(sharedX).digest();
}

/** Everything both sides derive from the shared secret (BIP324's `initialize_v2_transport`). */
export interface SessionSecrets {
  /** In the BIP's byte order: the hex Core's `getpeerinfo` shows, unreversed. */
  readonly sessionId: Buffer;
  readonly initiatorL: Buffer;
  readonly initiatorP: Buffer;
  readonly responderL: Buffer;
  readonly responderP: Buffer;
  readonly initiatorGarbageTerminator: Buffer;
  readonly responderGarbageTerminator: Buffer;
}

const SALT_PREFIX = Buffer.from('bitcoin_v2_shared_secret', 'ascii');
const info = (label: string): Buffer => Buffer.from(label, 'ascii');
const INFO = {
  sessionId: info('session_id'),
  initiatorL: info('initiator_L'),
  initiatorP: info('initiator_P'),
  responderL: info('responder_L'),
  responderP: info('responder_P'),
  garbageTerminators: info('garbage_terminators'),
};

/**
 * HKDF-SHA256 over the shared secret, salted with `bitcoin_v2_shared_secret` and the network magic
 * (so that peers on different networks fail at once): the session id, four packet keys and the two
 * garbage terminators.
 */
export function deriveSessionSecrets(ecdhSecret: Uint8Array, magic: Uint8Array): SessionSecrets {
  const prk = extract(sha256, ecdhSecret, Buffer.concat([SALT_PREFIX, magic]));
  const derive = (label: Buffer, length = 32): Buffer => Buffer.from(expand(sha256, prk, label, length));
  const terminators = derive(INFO.garbageTerminators);
  return {
    sessionId: derive(INFO.sessionId),
    initiatorL: derive(INFO.initiatorL),
    initiatorP: derive(INFO.initiatorP),
    responderL: derive(INFO.responderL),
    responderP: derive(INFO.responderP),
    initiatorGarbageTerminator: terminators.subarray(0, GARBAGE_TERMINATOR_SIZE),
    responderGarbageTerminator: terminators.subarray(GARBAGE_TERMINATOR_SIZE, 2 * GARBAGE_TERMINATOR_SIZE),
  };
}
