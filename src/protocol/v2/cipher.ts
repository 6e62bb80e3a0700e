// BIP324's rekeying ciphers (FSChaCha20 for lengths, FSChaCha20Poly1305 for contents) and the packet cipher.
import { type AeadKey, aeadOpen, aeadSeal, AEAD_EXPANSION } from './aead.js';
import { CHACHA_BLOCK_SIZE, chacha20Block, chacha20Keystream, keyWords } from './chacha20.js';

/** Both ciphers take a new key after this many messages (BIP324's REKEY_INTERVAL). */
export const REKEY_INTERVAL = 224;

/** Bytes of the encrypted length that starts every packet. */
export const LENGTH_FIELD_SIZE = 3;
/** Bytes of the packet header inside the AEAD plaintext. */
export const PACKET_HEADER_SIZE = 1;
/** Bit of the header byte that marks a decoy packet, which the receiver reads and drops. */
export const IGNORE_BIT = 0x80;
/** Bytes a packet adds to its contents: length, header and tag (Core's BIP324Cipher::EXPANSION). */
export const PACKET_EXPANSION = LENGTH_FIELD_SIZE + PACKET_HEADER_SIZE + AEAD_EXPANSION;
/** The largest contents the 3-byte length can describe. */
export const MAX_PACKET_CONTENTS = 2 ** 24 - 1;

// The keystream of an epoch of 3-byte lengths and the next 32-byte key, made in one go: for 224
// lengths that is exactly 11 blocks. Other chunk sizes draw more as they need it.
const epochBlocks = (rekeyInterval: number): number =>
  Math.ceil((rekeyInterval * LENGTH_FIELD_SIZE + 32) / CHACHA_BLOCK_SIZE);

const EMPTY = Buffer.alloc(0);
const splitEpoch = (epoch: number): [number, number] => [epoch >>> 0, Math.floor(epoch / 2 ** 32) >>> 0];

/**
 * FSChaCha20: one ChaCha20 keystream XORed over consecutive chunks (the packet lengths), with the
 * nonce `0⁴ ‖ le64(rekeys)`; after every 224 chunks the next 32 keystream bytes become the key and
 * the block counter starts again at zero. Encryption and decryption are the same operation.
 * `rekeyInterval` is BIP324's 224 unless a test says otherwise (Core's own vectors use others).
 */
export class FSChaCha20 {
  private key: Uint32Array;
  private epoch = 0;
  private chunks = 0;
  private keystream: Buffer = EMPTY;
  private position = 0;
  private nextBlock = 0;
  private readonly blocksPerEpoch: number;

  constructor(
    key: Uint8Array,
    private readonly rekeyInterval = REKEY_INTERVAL,
  ) {
    this.key = keyWords(key);
    this.blocksPerEpoch = epochBlocks(rekeyInterval);
  }

  /** XORs `input` with the next keystream bytes into a new buffer: one chunk. */
  crypt(input: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(input.length);
    this.cryptInto(input, 0, input.length, out, 0);
    return out;
  }

  /** The same as `crypt`, reading `input[inAt, +length)` and writing `out[outAt, +length)`. */
  cryptInto(input: Uint8Array, inAt: number, length: number, out: Uint8Array, outAt: number): void {
    const from = this.take(length);
    const keystream = this.keystream;
    for (let i = 0; i < length; i++) out[outAt + i] = input[inAt + i]! ^ keystream[from + i]!;
    if (++this.chunks === this.rekeyInterval) {
      const next = this.take(32);
      this.key = keyWords(this.keystream.subarray(next, next + 32));
      this.epoch++;
      this.chunks = 0;
      this.keystream = EMPTY;
      this.position = 0;
      this.nextBlock = 0;
    }
  }

  /** Makes `n` keystream bytes available and returns where they start; consumes them. */
  private take(n: number): number {
    const left = this.keystream.length - this.position;
    if (left < n) {
      const blocks = Math.max(this.blocksPerEpoch - this.nextBlock, Math.ceil((n - left) / CHACHA_BLOCK_SIZE), 1);
      const [low, high] = splitEpoch(this.epoch);
      const more = chacha20Keystream(this.key, this.nextBlock, 0, low, high, blocks);
      this.nextBlock += blocks;
      this.keystream = left > 0 ? Buffer.concat([this.keystream.subarray(this.position), more]) : more;
      this.position = 0;
    }
    const at = this.position;
    this.position += n;
    return at;
  }
}

/**
 * FSChaCha20Poly1305: the RFC 8439 AEAD with the nonce `le32(messages % 224) ‖ le64(rekeys)`; after
 * every 224 messages the key becomes the first 32 bytes of what the AEAD makes of 32 zero bytes under
 * the nonce `ff ff ff ff ‖ le64(rekeys)` (that is, of keystream block 1). One instance serves one
 * direction: either only encryption or only decryption. `rekeyInterval` is BIP324's 224 by default.
 */
export class FSChaCha20Poly1305 {
  private key: AeadKey;
  private epoch = 0;
  private messages = 0;

  constructor(
    key: Uint8Array,
    private readonly rekeyInterval = REKEY_INTERVAL,
  ) {
    this.key = aeadKeyOf(key);
  }

  /** Encrypts `plaintext` with `aad`: ciphertext followed by the 16-byte tag. */
  encrypt(aad: Uint8Array, plaintext: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(plaintext.length + AEAD_EXPANSION);
    this.encryptInto(aad, [plaintext], out, 0);
    return out;
  }

  /** Encrypts the concatenation of `parts` into `out` at `offset` (ciphertext, then tag). */
  encryptInto(aad: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array, offset: number): void {
    const [low, high] = splitEpoch(this.epoch);
    aeadSeal(this.key, this.messages, low, high, aad, parts, out, offset);
    this.advance();
  }

  /** Checks and decrypts ciphertext-and-tag; null when it does not authenticate. */
  decrypt(aad: Uint8Array, sealed: Uint8Array): Buffer | null {
    const [low, high] = splitEpoch(this.epoch);
    const plaintext = aeadOpen(this.key, this.messages, low, high, aad, sealed);
    this.advance();
    return plaintext;
  }

  private advance(): void {
    if (++this.messages < this.rekeyInterval) return;
    const [low, high] = splitEpoch(this.epoch);
    const block = Buffer.allocUnsafe(CHACHA_BLOCK_SIZE);
    chacha20Block(this.key.words, 1, 0xffffffff, low, high, block, 0);
    this.key = aeadKeyOf(block.subarray(0, 32));
    this.epoch++;
    this.messages = 0;
  }
}

function aeadKeyOf(key: Uint8Array): AeadKey {
  const bytes = Buffer.from(key);
  return { bytes, words: keyWords(bytes) };
}

/** The four packet keys of one side of a connection: L for lengths, P for contents. */
export interface PacketKeys {
  readonly sendL: Uint8Array;
  readonly sendP: Uint8Array;
  readonly recvL: Uint8Array;
  readonly recvP: Uint8Array;
}

/** A decrypted packet: its contents, and whether its header marked it as a decoy. */
export interface OpenedPacket {
  readonly ignore: boolean;
  readonly contents: Buffer;
}

const HEADER_PLAIN = Buffer.from([0]);
const HEADER_IGNORE = Buffer.from([IGNORE_BIT]);

/**
 * Encrypts and decrypts BIP324 packets for one side of a connection. A packet is the contents'
 * length (3 bytes, little-endian, under FSChaCha20) followed by the AEAD encryption of a header byte
 * and the contents. Decryption goes in two steps, as the bytes arrive: the length first, which says
 * how much more to wait for, then the rest.
 */
export class PacketCipher {
  private readonly sendL: FSChaCha20;
  private readonly sendP: FSChaCha20Poly1305;
  private readonly recvL: FSChaCha20;
  private readonly recvP: FSChaCha20Poly1305;
  private readonly lengthScratch = Buffer.alloc(LENGTH_FIELD_SIZE);

  constructor(keys: PacketKeys) {
    this.sendL = new FSChaCha20(keys.sendL);
    this.sendP = new FSChaCha20Poly1305(keys.sendP);
    this.recvL = new FSChaCha20(keys.recvL);
    this.recvP = new FSChaCha20Poly1305(keys.recvP);
  }

  /**
   * One packet whose contents are the concatenation of `contents` (parts are not copied together
   * first), authenticating `aad` too; `ignore` makes it a decoy.
   */
  encrypt(contents: Uint8Array | readonly Uint8Array[], aad: Uint8Array = EMPTY, ignore = false): Buffer {
    const parts: Uint8Array[] = [ignore ? HEADER_IGNORE : HEADER_PLAIN];
    let length = 0;
    if (contents instanceof Uint8Array) {
      parts.push(contents);
      length = contents.length;
    } else {
      for (const part of contents) {
        parts.push(part);
        length += part.length;
      }
    }
    if (length > MAX_PACKET_CONTENTS) {
      throw new RangeError(`packet contents of ${length} bytes, the length field holds at most ${MAX_PACKET_CONTENTS}`);
    }
    const out = Buffer.allocUnsafe(length + PACKET_EXPANSION);
    this.sendP.encryptInto(aad, parts, out, LENGTH_FIELD_SIZE);
    const plainLength = this.lengthScratch;
    plainLength[0] = length;
    plainLength[1] = length >>> 8;
    plainLength[2] = length >>> 16;
    this.sendL.cryptInto(plainLength, 0, LENGTH_FIELD_SIZE, out, 0);
    return out;
  }

  /**
   * First step of decryption: the contents' length from the packet's first three bytes (at
   * `offset`). Call it exactly once per packet, in order: it advances the length cipher.
   */
  decryptLength(encrypted: Uint8Array, offset = 0): number {
    const plain = this.lengthScratch;
    this.recvL.cryptInto(encrypted, offset, LENGTH_FIELD_SIZE, plain, 0);
    return plain[0]! | (plain[1]! << 8) | (plain[2]! << 16);
  }

  /**
   * Second step: `sealed` is the rest of the packet (header, contents and tag: the length decryptLength
   * gave plus 17 bytes). Returns the contents and the ignore bit, or null when the packet does not
   * authenticate, which ends the connection.
   */
  decrypt(sealed: Uint8Array, aad: Uint8Array = EMPTY): OpenedPacket | null {
    const plaintext = this.recvP.decrypt(aad, sealed);
    if (plaintext === null || plaintext.length < PACKET_HEADER_SIZE) return null;
    return {
      ignore: (plaintext[0]! & IGNORE_BIT) !== 0,
      contents: plaintext.subarray(PACKET_HEADER_SIZE),
    };
  }
}
