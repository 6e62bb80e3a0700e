// A v2 packet's contents: the message type (one byte, or 0x00 and 12 bytes) followed by the payload.
import { ProtocolError } from '../errors.js';
import type { FrameEvent } from '../framer.js';
import { isValidCommand, printableCommand } from '../header.js';
import { COMMAND_SIZE } from '../limits.js';
import { commandOfShortId, shortIdOf, V2_RESERVED_SHORT_IDS, V2_SHORT_IDS } from './short-ids.js';

/** Bytes of the long message type: the 0x00 marker and the 12-byte NUL-padded type. */
export const LONG_TYPE_SIZE = 1 + COMMAND_SIZE;

const SHORT_TYPES = V2_SHORT_IDS.map((_, id) => Buffer.from([id]));

/**
 * The bytes that start the contents of a message of type `command`: its one-byte id when BIP324 gives
 * it one, otherwise 0x00 and the type NUL-padded to 12 bytes. Throws `unencodable` for a type that is
 * not 1–12 printable ASCII characters.
 */
export function encodeMessageType(command: string): Buffer {
  const id = shortIdOf(command);
  if (id !== undefined) return SHORT_TYPES[id]!;
  if (!isValidCommand(command)) {
    throw new ProtocolError('unencodable', `command ${JSON.stringify(command)} is not 1-12 printable ASCII characters`);
  }
  const type = Buffer.alloc(LONG_TYPE_SIZE);
  type.write(command, 1, 'latin1');
  return type;
}

/**
 * Splits decrypted contents into a message (the payload is a view into `contents`) or a dropped one.
 * Following Bitcoin Core (`V2Transport::GetMessageType`), empty contents, an unknown or reserved
 * one-byte id and a malformed 12-byte type drop that message and keep the connection. The 12-byte
 * type is Core's v2 rule: bytes 0x20–0x7F up to the first NUL, only NULs after it (v1's rule stops at 0x7E).
 */
export function decodeContents(contents: Buffer): FrameEvent {
  if (contents.length === 0) {
    return { type: 'dropped', command: '', error: new ProtocolError('bad-command', 'v2 packet with empty contents') };
  }
  const id = contents[0]!;
  if (id !== 0) {
    const command = commandOfShortId(id);
    if (command === undefined) {
      const reserved = V2_RESERVED_SHORT_IDS.get(id);
      const what = reserved ? `reserved short message id ${id} (${reserved})` : `unknown short message id ${id}`;
      return { type: 'dropped', command: '', error: new ProtocolError('v2-unknown-message-id', what) };
    }
    return { type: 'message', command, payload: contents.subarray(1) };
  }
  if (contents.length < LONG_TYPE_SIZE) {
    return {
      type: 'dropped',
      command: '',
      error: new ProtocolError('bad-command', `v2 contents of ${contents.length} bytes, too short for a message type`),
    };
  }
  let end = 1;
  let valid = true;
  while (end < LONG_TYPE_SIZE && contents[end] !== 0) {
    const c = contents[end]!;
    if (c < 0x20 || c > 0x7f) valid = false;
    end++;
  }
  for (let i = end; i < LONG_TYPE_SIZE; i++) if (contents[i] !== 0) valid = false;
  if (end === 1) valid = false;
  const command = contents.toString('latin1', 1, end);
  if (!valid) {
    const shown = printableCommand(command);
    return {
      type: 'dropped',
      command: shown,
      error: new ProtocolError('bad-command', `invalid message type ${JSON.stringify(shown)}`, shown),
    };
  }
  return { type: 'message', command, payload: contents.subarray(LONG_TYPE_SIZE) };
}
