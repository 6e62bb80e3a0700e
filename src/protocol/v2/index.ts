// The BIP324 v2 transport's public pieces: the transport, the responder's detection, the ciphers and tables.

/** One v2 connection in one role, sans-I/O, and its vocabulary. */
export {
  GARBAGE_WINDOW,
  MAX_CONTENTS_SIZE,
  MAX_GARBAGE_SIZE,
  type V2Event,
  type V2Phase,
  type V2Role,
  V2Transport,
  type V2TransportOptions,
} from './transport.js';
/** The responder's first decision: v1 or v2 from the first 16 bytes. */
export { type DetectedTransport, detectTransport, V1_PREFIX_SIZE } from './detect.js';
/** BIP324's ciphers: lengths, contents, and whole packets. */
export {
  FSChaCha20,
  FSChaCha20Poly1305,
  IGNORE_BIT,
  type OpenedPacket,
  PACKET_EXPANSION,
  PacketCipher,
  type PacketKeys,
  REKEY_INTERVAL,
} from './cipher.js';
/** The key exchange: ElligatorSwift keys, the BIP324 ECDH, the derived session secrets. */
export {
  bip324EcdhSecret,
  deriveSessionSecrets,
  type EllSwiftKeyPair,
  type EphemeralKey,
  ephemeralKeyFrom,
  generateEllSwiftKey,
  type RandomBytes,
  type SessionSecrets,
} from './keys.js';
/** Message types in packets: the one-byte ids and the contents codec. */
export { commandOfShortId, shortIdOf, V2_RESERVED_SHORT_IDS, V2_SHORT_IDS } from './short-ids.js';
export { decodeContents, encodeMessageType } from './contents.js';
