/** Splits a stream of well-formed frames into its messages; for preparing benchmark inputs, not for peers. */
export interface RawFrame {
  readonly command: string;
  readonly payload: Buffer;
}

export function splitFrames(stream: Buffer): RawFrame[] {
  const frames: RawFrame[] = [];
  let at = 0;
  while (at < stream.length) {
    if (stream.length - at < 24) throw new Error(`stream ends inside a header at ${at}`);
    const nul = stream.indexOf(0, at + 4);
    const command = stream.toString('latin1', at + 4, Math.min(nul < 0 ? at + 16 : nul, at + 16));
    const length = stream.readUInt32LE(at + 16);
    frames.push({ command, payload: stream.subarray(at + 24, at + 24 + length) });
    at += 24 + length;
  }
  if (at !== stream.length) throw new Error('stream ends inside a payload');
  return frames;
}

/** Views of `chunkSize` bytes over `stream` (0 = one chunk), as a socket would hand them over. */
export function chunked(stream: Buffer, chunkSize: number): Buffer[] {
  if (chunkSize <= 0 || chunkSize >= stream.length) return [stream];
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += chunkSize) chunks.push(stream.subarray(at, at + chunkSize));
  return chunks;
}
