// A bare v1 client on a loopback socket with our Framer and codec: the other end for testing peers.
import net from 'node:net';
import { decodePayload, encodeMessage, type OutgoingMessage } from '../../src/protocol/codec.js';
import { isProtocolError, ProtocolError } from '../../src/protocol/errors.js';
import { Framer } from '../../src/protocol/framer.js';
import type { Message } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import type { Network, NetworkName } from '../../src/protocol/networks.js';
import { Inbox } from './inbox.js';
import { assertLoopback, formatAddress, makeVersion, messageMatcher, parseAddress, resolveNetwork } from './messages.js';
import { DEFAULT_WAIT_TIMEOUT_MS, type MessageFor } from './types.js';

/** One thing a raw client's framer and decoder made of what arrived. */
export type ClientEvent =
  | { type: 'message'; message: Message }
  | { type: 'dropped'; command: string; error: ProtocolError }
  /** A complete frame whose payload did not decode. */
  | { type: 'invalid'; command: string; error: ProtocolError }
  | { type: 'fatal'; error: ProtocolError };

/** How a raw client frames and reacts. */
export interface RawClientOptions {
  network?: NetworkName | Network;
  /** Destroy the socket on a fatal framing error, as Bitcoin Core does; default true. */
  destroyOnFatal?: boolean;
  /** Answer every `ping` with `pong` automatically; default false. */
  autoPong?: boolean;
  waitTimeoutMs?: number;
}

/** A connected raw client and everything it received. */
export interface RawClient {
  readonly socket: net.Socket;
  readonly framer: Framer;
  readonly network: Network;
  /** Every frame event, in order. */
  readonly events: ClientEvent[];
  /** Decoded messages only. */
  readonly received: Message[];
  /** Every byte received, in order. */
  readonly bytes: Buffer;
  readonly socketErrors: Error[];
  /** Resolves when the socket has closed (never rejects). */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  send(message: OutgoingMessage): boolean;
  sendRaw(bytes: Uint8Array): boolean;
  waitFor<C extends string>(
    command: C,
    predicate?: (message: MessageFor<C>) => boolean,
    timeoutMs?: number,
  ): Promise<MessageFor<C>>;
  waitForEvent(predicate: (event: ClientEvent) => boolean, timeoutMs?: number): Promise<ClientEvent>;
  /**
   * Sends `version` (defaults from `makeVersion`, `overrides` on top), waits for the remote's
   * version and verack, sends verack. Resolves with the remote's version.
   */
  handshake(overrides?: Partial<VersionPayload>, options?: { sendaddrv2?: boolean }): Promise<VersionPayload>;
  close(): void;
  destroy(): Promise<void>;
}

/** A bare v1 client on a loopback socket, with our Framer and codec; resolves once connected. */
export async function connectRawClient(
  address: string | { host: string; port: number },
  options: RawClientOptions = {},
): Promise<RawClient> {
  const { host, port } = typeof address === 'string' ? parseAddress(address) : address;
  assertLoopback(host);
  const network = resolveNetwork(options.network);
  const timeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const socket = net.connect({ host, port, noDelay: true });
  const framer = new Framer(network.magic);
  const socketErrors: Error[] = [];
  const chunksIn: Buffer[] = [];
  let isClosed = false;
  const log: Inbox<ClientEvent> = new Inbox<ClientEvent>(
    () => `client to ${formatAddress(host, port)}, ${log.items.length} event(s)`,
  );
  socket.on('error', (error) => socketErrors.push(error));
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      isClosed = true;
      log.close(new Error('connection closed'));
      resolve();
    });
  });
  const sendRaw = (bytes: Uint8Array): boolean => {
    if (socket.destroyed || socket.writableEnded) return false;
    socket.write(bytes);
    return true;
  };
  const send = (message: OutgoingMessage): boolean => sendRaw(encodeMessage(network.magic, message));
  socket.on('data', (chunk: Buffer) => {
    chunksIn.push(Buffer.from(chunk));
    for (const event of framer.push(chunk)) {
      if (event.type === 'fatal') {
        log.push({ type: 'fatal', error: event.error });
        if (options.destroyOnFatal ?? true) socket.destroy();
        return;
      }
      if (event.type === 'dropped') {
        log.push({ type: 'dropped', command: event.command, error: event.error });
        continue;
      }
      let message: Message;
      try {
        message = decodePayload(event.command, Buffer.from(event.payload));
      } catch (error) {
        const e = isProtocolError(error)
          ? error
          : new ProtocolError('invalid-field', String(error), event.command);
        log.push({ type: 'invalid', command: event.command, error: e });
        continue;
      }
      log.push({ type: 'message', message });
      if (options.autoPong && message.command === 'ping' && !('unknown' in message)) {
        send({ command: 'pong', payload: { nonce: message.payload.nonce } });
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve();
    });
  });
  const waitForEvent = (predicate: (event: ClientEvent) => boolean, ms = timeoutMs) =>
    log.wait(predicate, ms, 'waiting for an event');
  const waitFor = <C extends string>(
    command: C,
    predicate?: (message: MessageFor<C>) => boolean,
    ms = timeoutMs,
  ): Promise<MessageFor<C>> => {
    const match = messageMatcher(command, predicate);
    return log
      .wait((e) => e.type === 'message' && match(e.message), ms, `waiting for ${command}`)
      .then((e) => (e as Extract<ClientEvent, { type: 'message' }>).message as MessageFor<C>);
  };
  return {
    socket,
    framer,
    network,
    get events() {
      return log.items;
    },
    get received() {
      return log.items.flatMap((e) => (e.type === 'message' ? [e.message] : []));
    },
    get bytes() {
      return Buffer.concat(chunksIn);
    },
    socketErrors,
    closed,
    get isClosed() {
      return isClosed;
    },
    send,
    sendRaw,
    waitFor,
    waitForEvent,
    async handshake(overrides = {}, handshakeOptions = {}) {
      send({
        command: 'version',
        payload: makeVersion({ userAgent: '/raw-client:0.1/', ...overrides }, { host, port }),
      });
      if (handshakeOptions.sendaddrv2) send({ command: 'sendaddrv2', payload: {} });
      const version = await waitFor('version');
      await waitFor('verack');
      send({ command: 'verack', payload: {} });
      return version.payload;
    },
    close() {
      if (!socket.destroyed && !socket.writableEnded) socket.end();
    },
    async destroy() {
      socket.destroy();
      await closed;
    },
  };
}
