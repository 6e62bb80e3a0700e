// How the peer machine sends a message: encode it (pure), hand the payload to the codec actor, and
// tell the embedder, in that order; or refuse it, typed, when it cannot be encoded.
import { encodePayload, type OutgoingMessage } from '../../src/protocol/codec.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH } from '../../src/protocol/limits.js';
import { messageEvent } from './messages.js';
import type { CodecCommand, PeerEmitted } from './types.js';

/** The part of XState's `enqueue` that sending needs. */
export interface Outbox {
  sendTo(actor: 'codec', event: CodecCommand): void;
  emit(event: PeerEmitted): void;
}

/**
 * Encodes `message` and enqueues its payload for the codec, which frames it and writes it to the
 * socket in the order actions run; the `message` out event is emitted right after. Encoding here,
 * not in the codec, means no round trip through the machine's mailbox per message sent, and events
 * that tell what was sent come before the lifecycle changes that follow them.
 */
export function transmit(outbox: Outbox, message: OutgoingMessage): void {
  let payload: Buffer;
  try {
    payload = encodePayload(message);
    if (payload.length > MAX_PROTOCOL_MESSAGE_LENGTH) {
      throw new ProtocolError('unencodable', `${message.command}: payload of ${payload.length} bytes is over the limit`, message.command);
    }
  } catch (error) {
    outbox.emit({
      type: 'send-rejected',
      command: message.command,
      why: error instanceof Error ? error.message : String(error),
    });
    return;
  }
  outbox.sendTo('codec', { type: 'send', command: message.command, payload });
  outbox.emit(messageEvent('out', message));
}
