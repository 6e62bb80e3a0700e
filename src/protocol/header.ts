// The v1 message header: 24 bytes of magic, command, payload length and checksum, read and written.
import { ProtocolError } from './errors.js';
import { COMMAND_SIZE } from './limits.js';

/** Bytes of a v1 message header: magic, command, length, checksum. */
export const HEADER_SIZE = 24;

export interface MessageHeader {
  readonly magic: Buffer;
  /** The command as sent, NUL padding removed; may be invalid, see `commandValid`. */
  readonly command: string;
  readonly length: number;
  readonly checksum: Buffer;
  /** Core's rule: printable ASCII up to the first NUL, only NULs after it, not empty. */
  readonly commandValid: boolean;
}

/** Reads a header from the first 24 bytes of `bytes`; the caller guarantees they are there. */
export function parseHeader(bytes: Buffer): MessageHeader {
  let end = 4;
  let valid = true;
  const stop = 4 + COMMAND_SIZE;
  while (end < stop && bytes[end] !== 0) {
    const c = bytes[end]!;
    if (c < 0x20 || c > 0x7e) valid = false;
    end++;
  }
  if (end === 4) valid = false;
  for (let i = end; i < stop; i++) if (bytes[i] !== 0) valid = false;
  return {
    magic: bytes.subarray(0, 4),
    command: bytes.toString('latin1', 4, end),
    length: bytes.readUInt32LE(16),
    checksum: bytes.subarray(20, 24),
    commandValid: valid,
  };
}

export function encodeHeader(magic: Uint8Array, command: string, length: number, checksum: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(out, magic, command, length);
  out.set(checksum.subarray(0, 4), 20);
  return out;
}

/** Magic, command and length into the first 20 bytes of `out`; the checksum is the caller's. */
export function writeHeader(out: Buffer, magic: Uint8Array, command: string, length: number): void {
  if (!isValidCommand(command)) {
    throw new ProtocolError('unencodable', `command ${JSON.stringify(command)} is not 1-12 printable ASCII characters`);
  }
  out.set(magic, 0);
  out.fill(0, 4, 16);
  out.write(command, 4, 'latin1');
  out.writeUInt32LE(length, 16);
}

export const isValidCommand = (command: string): boolean =>
  command.length > 0 && command.length <= COMMAND_SIZE && /^[\x20-\x7e]+$/.test(command);

/** A command from the wire as it may go into logs and errors: anything but visible ASCII becomes `?`. */
export const printableCommand = (command: string): string => command.replace(/[^\x20-\x7e]/g, '?');
