// Cuts v2 packets out of a byte stream in chunks of any size: the encrypted length first, then the rest.
import { assemblyBuffer } from '../assembly-buffer.js';
import { LENGTH_FIELD_SIZE, PACKET_EXPANSION, type PacketCipher } from './cipher.js';

/**
 * Reads one packet at a time for a V2Transport: decrypts each length exactly once as its three bytes
 * complete (that advances the length cipher), refuses a length over `maxContents` before any of its
 * bytes are held, and hands out the rest of the packet (header, contents, tag) once it is all in, as a
 * view of the chunk when it came whole, for the caller to decrypt in order.
 */
export class PacketReader {
  private readonly lengthBytes = Buffer.alloc(LENGTH_FIELD_SIZE);
  private lengthFilled = 0;
  private length = -1;
  private packet: Buffer | null = null;
  private packetFilled = 0;
  private completed: Uint8Array | null = null;
  private completedLength = -1;
  private oversized = -1;

  constructor(
    private readonly cipher: PacketCipher,
    private readonly maxContents: number,
  ) {}

  /** Bytes of the current packet held so far. */
  get buffered(): number {
    return this.lengthFilled + this.packetFilled;
  }

  /** The buffer the current packet is being assembled in (its size, for memory checks). */
  get capacity(): number {
    return this.packet?.length ?? 0;
  }

  /**
   * Reads from `chunk` at `at`, at most up to the end of the current packet, and returns where it
   * stopped. Afterwards `takePacket()` gives the packet if it completed, and `oversizedLength` is set if
   * its length was refused (the stream cannot go on).
   */
  read(chunk: Uint8Array, at: number): number {
    const end = chunk.length;
    if (this.length < 0) {
      if (this.lengthFilled === 0 && end - at >= LENGTH_FIELD_SIZE) {
        this.length = this.cipher.decryptLength(chunk, at);
        at += LENGTH_FIELD_SIZE;
      } else {
        const take = Math.min(LENGTH_FIELD_SIZE - this.lengthFilled, end - at);
        this.lengthBytes.set(chunk.subarray(at, at + take), this.lengthFilled);
        this.lengthFilled += take;
        at += take;
        if (this.lengthFilled < LENGTH_FIELD_SIZE) return at;
        this.lengthFilled = 0;
        this.length = this.cipher.decryptLength(this.lengthBytes, 0);
      }
      if (this.length > this.maxContents) {
        this.oversized = this.length;
        this.length = -1;
        return at;
      }
    }
    const need = this.length + PACKET_EXPANSION - LENGTH_FIELD_SIZE;
    if (this.packetFilled === 0 && end - at >= need) {
      // The whole rest of the packet is in this chunk: a view, no copy.
      this.complete(chunk.subarray(at, at + need));
      return at + need;
    }
    const take = Math.min(need - this.packetFilled, end - at);
    // Grows with what arrives, as the v1 framer's buffer does: a declared 4 MB packet costs only what has come.
    const packet = (this.packet = assemblyBuffer(this.packet, this.packetFilled, need, this.packetFilled + take));
    packet.set(chunk.subarray(at, at + take), this.packetFilled);
    this.packetFilled += take;
    if (this.packetFilled === need) {
      this.packet = null;
      this.packetFilled = 0;
      this.complete(packet);
    }
    return at + take;
  }

  /** The contents length a refused packet announced, or -1. */
  get oversizedLength(): number {
    return this.oversized;
  }

  /** The packet the last `read` completed (header, contents and tag) and its contents length, once. */
  takePacket(): { sealed: Uint8Array; contentsLength: number } | null {
    const sealed = this.completed;
    if (!sealed) return null;
    this.completed = null;
    return { sealed, contentsLength: this.completedLength };
  }

  /** Drops whatever is held (after a fatal error). */
  release(): void {
    this.packet = null;
    this.packetFilled = 0;
    this.lengthFilled = 0;
    this.completed = null;
  }

  private complete(sealed: Uint8Array): void {
    this.completed = sealed;
    this.completedLength = this.length;
    this.length = -1;
  }
}
