// What a socket writes while it handles one incoming chunk, copied into one buffer to leave in one write.

/** Frames this long or longer go out on their own: copying them would cost more than a syscall. */
const LARGE = 16 * 1024;
const MIN_SIZE = 1024;

/**
 * Gathers the bytes written between `begin()` and `take()` (the answers to one chunk: a pong per
 * ping) into one buffer. Each write is copied as it comes rather than kept, so the frames die at
 * once instead of living until the chunk is done: under a flood that is the difference between
 * young garbage and garbage V8 starts allocating in the old generation.
 */
export class WriteGather {
  private out: Buffer | null = null;
  private filled = 0;
  // The size of the last gathered write: the next buffer starts there, so a flood grows it once.
  private size = MIN_SIZE;
  private gathering = false;

  /** Whether writes are being gathered. */
  get active(): boolean {
    return this.gathering;
  }

  /** Starts gathering. */
  begin(): void {
    this.gathering = true;
  }

  /**
   * Gathers `bytes`, or (a large frame) returns what was gathered before it followed by itself,
   * each to be written at once and in order.
   */
  add(bytes: Buffer): Buffer[] | null {
    if (bytes.length >= LARGE) {
      const before = this.drain();
      return before ? [before, bytes] : [bytes];
    }
    const needed = this.filled + bytes.length;
    if (this.out === null || needed > this.out.length) {
      let size = Math.max(this.size, MIN_SIZE);
      while (size < needed) size *= 2;
      const next = Buffer.allocUnsafe(size);
      if (this.out) this.out.copy(next, 0, 0, this.filled);
      this.out = next;
    }
    bytes.copy(this.out, this.filled);
    this.filled = needed;
    return null;
  }

  /** Stops gathering; returns what was gathered (null if nothing), which the caller now owns. */
  take(): Buffer | null {
    this.gathering = false;
    return this.drain();
  }

  private drain(): Buffer | null {
    if (this.filled === 0) return null;
    const bytes = this.out!.subarray(0, this.filled);
    this.size = this.filled;
    // The written buffer may be held by the socket until it is sent: never reuse it.
    this.out = null;
    this.filled = 0;
    return bytes;
  }
}
