import { byteCount, ProtocolError } from './errors.js';
import { checksumMatches, writeChecksum } from './hash.js';
import { HEADER_SIZE, parseHeader, writeHeader } from './header.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from './limits.js';
import { type Command, isKnownCommand, type Message, PAYLOAD_CODECS, type Payloads } from './messages/index.js';
import { type Network, networkByMagic } from './networks.js';
import { Reader } from './reader.js';
import { checkShape, PAYLOAD_SHAPES } from './messages/shape.js';
import { Writer } from './writer.js';

/** What callers may send: a known message, or raw bytes under any valid command. */
export type OutgoingMessage =
  | { [K in Command]: { command: K; payload: Payloads[K] } }[Command]
  | { command: string; payload: Uint8Array; unknown: true };

/** Decodes one payload. Any malformed input becomes a ProtocolError, never another exception. */
export function decodePayload(command: string, payload: Buffer): Message {
  if (!isKnownCommand(command)) return { command, payload, unknown: true };
  const reader = new Reader(payload, command);
  try {
    return { command, payload: PAYLOAD_CODECS[command].decode(reader) } as Message;
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('invalid-field', `${command}: ${(error as Error).message}`, command);
  }
}

/** Encodes a message's payload (no header). Any value the wire cannot carry is a ProtocolError `unencodable`. */
export function encodePayload(message: OutgoingMessage): Buffer {
  if ('unknown' in message) {
    if (!(message.payload instanceof Uint8Array)) {
      throw new ProtocolError('unencodable', `${message.command}: payload must be bytes`, message.command);
    }
    return Buffer.from(message.payload);
  }
  if (!isKnownCommand(message.command)) {
    throw new ProtocolError('unencodable', `${String(message.command)}: not a command the codec encodes (send raw bytes with unknown: true)`);
  }
  checkShape(message.command, PAYLOAD_SHAPES[message.command], message.payload);
  const writer = new Writer(256);
  try {
    (PAYLOAD_CODECS[message.command].encode as (w: Writer, p: unknown) => void)(writer, message.payload);
  } catch (error) {
    // A value the wire cannot carry (port 70000, a number where a bigint goes) surfaces from
    // Buffer as a RangeError or TypeError; callers get the same typed error as for any other.
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError('unencodable', `${message.command}: ${(error as Error).message}`, message.command);
  }
  return writer.finish();
}

/** A complete frame (header and payload) for `message` on the network with this magic. */
export function encodeMessage(magic: Uint8Array, message: OutgoingMessage): Buffer {
  // Raw bytes go straight into the frame: encodePayload's copy would be copied again.
  if ('unknown' in message) {
    const { payload } = message;
    return frame(magic, message.command, payload instanceof Uint8Array ? payload : Buffer.from(payload));
  }
  return frame(magic, message.command, encodePayload(message));
}

/** Frames an already encoded payload. */
export function frame(magic: Uint8Array, command: string, payload: Uint8Array): Buffer {
  if (payload.length > MAX_PROTOCOL_MESSAGE_LENGTH) {
    throw new ProtocolError('unencodable', `${command}: payload of ${payload.length} bytes is over the limit`, command);
  }
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  writeHeader(out, magic, command, payload.length);
  writeChecksum(payload, out, 20);
  out.set(payload, HEADER_SIZE);
  return out;
}

/** One decoded frame: the network its magic names (if known) and the message. */
export interface DecodedFrame {
  network: Network | undefined;
  message: Message;
}

/**
 * Decodes exactly one framed message. Without `magic` the network is recognised by its magic;
 * bytes before or after the frame are errors, as are a bad checksum and an invalid command.
 */
export function decodeFrame(bytes: Buffer, magic?: Uint8Array): DecodedFrame {
  if (bytes.length < HEADER_SIZE) {
    throw new ProtocolError('truncated', `a frame needs ${HEADER_SIZE} header bytes, got ${byteCount(bytes.length)}`);
  }
  const header = parseHeader(bytes);
  const network = networkByMagic(header.magic);
  if (magic ? !header.magic.equals(magic) : !network) {
    const hex = header.magic.toString('hex');
    const expected = magic && (networkByMagic(magic)?.name ?? Buffer.from(magic).toString('hex'));
    throw new ProtocolError(
      'bad-magic',
      network && expected ? `network magic ${hex} is ${network.name}'s, not ${expected}'s` : `unknown network magic ${hex}`,
    );
  }
  if (header.length > MAX_PROTOCOL_MESSAGE_LENGTH) {
    throw new ProtocolError('oversized-payload', `payload of ${header.length} bytes is over the limit`);
  }
  if (!header.commandValid) {
    throw new ProtocolError('bad-command', `invalid command ${JSON.stringify(header.command)}`);
  }
  const available = bytes.length - HEADER_SIZE;
  if (available < header.length) {
    throw new ProtocolError(
      'truncated',
      `${header.command}: header announces ${byteCount(header.length)} of payload, ${available} present`,
      header.command,
    );
  }
  if (available > header.length) {
    throw new ProtocolError(
      'trailing-bytes',
      `${header.command}: ${byteCount(available - header.length)} after the frame`,
      header.command,
    );
  }
  const payload = bytes.subarray(HEADER_SIZE);
  if (!checksumMatches(payload, header.checksum)) {
    throw new ProtocolError('bad-checksum', `${header.command}: checksum does not match the payload`, header.command);
  }
  return { network, message: decodePayload(header.command, payload) };
}
