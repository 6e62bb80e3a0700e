// The growth policy of the buffer a framer assembles one message (or v2 packet) in, across chunks.

// A peer that declares a 4 MB payload and sends nothing must not cost us 4 MB, so the buffer grows
// with what arrives (doubling, which keeps copying linear), as Core's does; once a sixteenth of the
// payload is in, the rest is taken on trust and the buffer sized to the end.
const INITIAL_ASSEMBLY_BUFFER = 64 * 1024;

/**
 * A buffer with room for `needed` bytes of a `length`-byte message of which `filled` bytes are held
 * in `current`: `current` itself when it has the room, otherwise a larger one (never beyond `length`)
 * with those bytes copied in. A buffer holding no bytes yet is never reused, whatever its size: it
 * cannot be this message's.
 */
export function assemblyBuffer(current: Buffer | null, filled: number, length: number, needed: number): Buffer {
  const held = filled > 0 ? current : null;
  if (held && held.length >= needed) return held;
  let size: number;
  if (filled >= length / 16) {
    size = length;
  } else {
    size = held ? held.length * 2 : INITIAL_ASSEMBLY_BUFFER;
    while (size < needed) size *= 2;
  }
  const next = Buffer.allocUnsafe(Math.min(size, length));
  if (held) held.copy(next, 0, 0, filled);
  return next;
}
