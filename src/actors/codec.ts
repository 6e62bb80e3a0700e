import { fromCallback } from 'xstate';
import type { CodecCommand, CodecEvent, CodecInput, FrameSink, PeerEvent } from '../../machines/peer/types.js';
import { logger } from '../log.js';
import { decodePayload, frame as frameMessage } from '../protocol/codec.js';
import { ProtocolError } from '../protocol/errors.js';
import { Framer } from '../protocol/framer.js';
import { NETWORKS } from '../protocol/networks.js';

const log = logger('codec');

const asProtocolError = (error: unknown, command?: string): ProtocolError =>
  error instanceof ProtocolError ? error : new ProtocolError('invalid-field', String(error), command);

/**
 * The framer and the payload codecs as an actor: bytes in, `payload.<command>` events out,
 * and messages to send turned into frames written to the socket it is linked to.
 */
export const frameCodec = fromCallback<CodecCommand, CodecInput>(({ input, sendBack, receive }) => {
  const magic = NETWORKS[input.network].magic;
  const framer = new Framer(magic);
  let broken = false;
  const fail = (event: CodecEvent): void => {
    broken = true;
    sendBack(event);
  };

  let socket: FrameSink | null = null;
  receive((command) => {
    if (command.type === 'link') {
      socket = command.socket;
      return;
    }
    if (command.type === 'send') {
      // The machine encoded and checked the payload; framing it cannot fail. Before the link (a
      // send the chart never makes), there is nowhere to write.
      socket?.send({ type: 'write', bytes: frameMessage(magic, command.command, command.payload) });
      return;
    }
    if (broken) return;
    for (const frame of framer.push(command.chunk)) {
      if (frame.type === 'message') {
        let event: PeerEvent;
        try {
          const message = decodePayload(frame.command, frame.payload);
          event =
            'unknown' in message
              ? { type: 'payload.unknown', command: message.command, payload: message.payload }
              : ({ type: `payload.${message.command}`, payload: message.payload } as PeerEvent);
        } catch (error) {
          // Whether this ends the connection is the chart's call (Core drops most such messages).
          log('undecodable %s: %s', frame.command, (error as Error).message);
          sendBack({ type: 'codec.undecodable', error: asProtocolError(error, frame.command) });
          continue;
        }
        sendBack(event);
      } else if (frame.type === 'dropped') {
        log('dropped %s: %s', frame.command, frame.error.message);
        sendBack({ type: 'codec.dropped', error: frame.error });
      } else {
        log('fatal: %s', frame.error.message);
        return fail({ type: 'codec.fatal', error: frame.error });
      }
    }
  });
});
