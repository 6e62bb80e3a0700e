// The codec actor: the connection's transport (v1 framing, BIP324 v2, or detecting which) and the
// payload decoders, between the socket and the peer machine.
import { fromCallback } from 'xstate';
import type { CodecCommand, CodecEvent, CodecInput, FrameSink, PeerEvent } from '../../machines/peer/types.js';
import { logger } from '../log.js';
import { decodePayload } from '../protocol/codec.js';
import { ProtocolError } from '../protocol/errors.js';
import type { Message } from '../protocol/messages/index.js';
import { NETWORKS } from '../protocol/networks.js';
import { Wire } from '../protocol/wire.js';

const log = logger('codec');

const asProtocolError = (error: unknown, command?: string): ProtocolError =>
  error instanceof ProtocolError ? error : new ProtocolError('invalid-field', String(error), command);

/** Messages the machine asked to send before a v2 handshake could encrypt them, at most. */
const MAX_QUEUED = 64;

/**
 * The transport and the payload codecs as an actor: bytes in, `payload.<command>` events out, and
 * payloads to send turned into frames (or v2 packets) written to the socket it is linked to. The
 * transport is the machine's choice (`input.transport`); an inbound connection's first bytes
 * decide it when the machine says `detect`. Messages of a command the chart has no transition of
 * its own for (`input.handled` names those it has) come in runs as one `payload.batch` event.
 */
export const frameCodec = fromCallback<CodecCommand, CodecInput>(({ input, sendBack, receive }) => {
  const magic = NETWORKS[input.network].magic;
  const wire = new Wire({ magic, mode: input.transport });
  const handled = input.handled;
  const batched = handled ? (command: string): boolean => !handled.has(command) : (): boolean => false;
  let broken = false;
  let stopped = false;
  const fail = (event: CodecEvent): void => {
    broken = true;
    sendBack(event);
  };

  let socket: FrameSink | null = null;
  let queued: { command: string; payload: Buffer }[] = [];
  const write = (bytes: Buffer): void => socket?.send({ type: 'write', bytes });
  const flushQueued = (): void => {
    const ready = queued;
    queued = [];
    for (const m of ready) write(wire.frame(m.command, m.payload));
  };

  let batch: Message[] | null = null;
  // The run last handed to the machine, emptied when the next read starts: the machine has handled it
  // by then (its mailbox is done before another chunk or microtask comes). XState's microstep writes a
  // closure holding its action records, and so the event, into the long-lived actor scope, and V8's
  // young-generation collector then kept every message of every run alive until the next full
  // collection: 3.3 MB promoted per scavenge on an inv × 1 flood, garbage collection a sixth of the time.
  let handedOver: Message[] | null = null;
  const sendBatch = (): void => {
    if (batch === null) return;
    const messages = batch;
    batch = null;
    handedOver = messages;
    sendBack({ type: 'payload.batch', messages });
  };

  // Messages are cut out and decoded one at a time, each once the machine has handled the one
  // before (the socket calls `read` when the machine is done with the chunk that brought them, a
  // microtask otherwise): decoded messages then die young instead of waiting in the machine's
  // queue, which costs V8 less garbage collection than anything the machine does with them.
  let reading = false;
  let readScheduled = false;
  const read = (): void => {
    if (reading || stopped || broken) return;
    reading = true;
    if (handedOver) handedOver.length = 0;
    handedOver = null;
    try {
      for (let event = wire.next(); event !== null && !stopped; event = wire.next()) {
        if (event.type === 'message') {
          let message: Message;
          try {
            message = decodePayload(event.command, event.payload);
          } catch (error) {
            // Whether this ends the connection is the chart's call (Core drops most such messages).
            log('undecodable %s: %s', event.command, (error as Error).message);
            sendBatch();
            if (!stopped) sendBack({ type: 'codec.undecodable', error: asProtocolError(error, event.command) });
            continue;
          }
          if (batched(message.command)) {
            (batch ??= []).push(message);
            continue;
          }
          sendBatch();
          if (stopped) return;
          sendBack(
            'unknown' in message
              ? { type: 'payload.unknown', command: message.command, payload: message.payload }
              : ({ type: `payload.${message.command}`, payload: message.payload } as PeerEvent),
          );
          continue;
        }
        sendBatch();
        if (stopped) return;
        switch (event.type) {
          case 'dropped':
            log('dropped %s: %s', event.command, event.error.message);
            sendBack({ type: 'codec.dropped', error: event.error });
            break;
          case 'fatal':
            log('fatal: %s', event.error.message);
            return fail({ type: 'codec.fatal', error: event.error });
          case 'send':
            write(event.bytes);
            if (wire.canFrame) flushQueued();
            break;
          case 'established':
            sendBack({ type: 'codec.established', sessionId: event.sessionId.toString('hex') });
            break;
          case 'detected':
            sendBack({ type: 'codec.detected', transport: event.transport });
            break;
          case 'peer-responded':
            sendBack({ type: 'codec.peer-responded' });
            break;
        }
      }
      if (!stopped) sendBatch();
    } finally {
      reading = false;
    }
  };
  const readLater = (): void => {
    readScheduled = false;
    read();
  };

  receive((command) => {
    if (command.type === 'link') {
      socket = command.socket;
      socket.send({ type: 'reader', read });
      const first = wire.open();
      if (first) write(first);
      return;
    }
    if (command.type === 'send') {
      // The machine encoded and checked the payload; framing it cannot fail once the transport can
      // frame (v2: after the peer's key). Before that it waits, in order.
      if (wire.canFrame && queued.length === 0) write(wire.frame(command.command, command.payload));
      else if (queued.length < MAX_QUEUED) queued.push({ command: command.command, payload: command.payload });
      // The chart sends only its version before the v2 session exists, so this would be a new path.
      else log('v2 handshake not done: %s dropped, %d already waiting', command.command, MAX_QUEUED);
      return;
    }
    if (broken) return;
    wire.write(command.chunk);
    if (!readScheduled) {
      readScheduled = true;
      queueMicrotask(readLater);
    }
  });

  return () => {
    stopped = true;
    batch = null;
    if (handedOver) handedOver.length = 0;
    handedOver = null;
  };
});
