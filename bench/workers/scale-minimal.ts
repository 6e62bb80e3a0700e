/**
 * The benchmarks' second floor: the least XState v5 chart of the peer's shape — a root actor
 * invoking a socket and a codec callback actor, a parallel session (traffic | link), the link
 * connecting → handshaking → connected (pinging ↔ idle) on delays — doing the same rounds as the
 * peer actor with nothing else: a few context fields, the peer's timers, one guard (the pong's), no logs.
 * What XState itself costs for this shape; the peer actor is held to it, not to the hand-written peer.
 * With `getaddr: true` it asks for addresses once connected and emits what the crawl listens to
 * (`handshake`, `rtt`, `addresses`), so the crawl benchmark can run it in place of the peer machine.
 */
import net from 'node:net';
import { type ActorRefFrom, assertEvent, assign, createActor, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { decodePayload, encodeMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { cryptoNonce, heardFromAddr } from '../../machines/peer/messages.js';
import { DEFAULTS } from '../../machines/peer/options.js';
import type { HeardAddress } from '../../machines/peer/types.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { benchVersionFrame } from './version-frame.js';
import type { BareEvent } from './scale-bare.js';

const MAGIC = NETWORKS.regtest.magic;

type SocketCommand = { type: 'write'; bytes: Buffer };
type CodecCommand = { type: 'bytes'; chunk: Buffer } | { type: 'send'; frame: Buffer } | { type: 'link'; socket: SocketRef };
type MinimalEvent =
  | { type: 'socket.connected' }
  | { type: 'socket.data'; chunk: Buffer }
  | { type: 'socket.closed' }
  | { type: 'payload.version'; version: VersionPayload }
  | { type: 'payload.verack' }
  | { type: 'payload.addr'; addresses: AddrEntry[] }
  | { type: 'payload.ping'; nonce: bigint }
  | { type: 'payload.pong'; nonce: bigint }
  | { type: 'codec.fatal' }
  | { type: 'STOP' };

const socketActor = fromCallback<SocketCommand, { host: string; port: number }>(({ input, sendBack, receive }) => {
  const socket = net.connect({ host: input.host, port: input.port, noDelay: true });
  socket.on('connect', () => sendBack({ type: 'socket.connected' }));
  socket.on('data', (chunk: Buffer) => sendBack({ type: 'socket.data', chunk }));
  socket.on('error', () => {});
  socket.on('close', () => sendBack({ type: 'socket.closed' }));
  receive((command) => {
    if (!socket.destroyed) socket.write(command.bytes);
  });
  return () => {
    socket.removeAllListeners('close');
    socket.destroy();
  };
});
type SocketRef = ActorRefFrom<typeof socketActor>;

const codecActor = fromCallback<CodecCommand>(({ sendBack, receive }) => {
  const framer = new Framer(MAGIC);
  let socket: SocketRef | null = null;
  receive((command) => {
    if (command.type === 'link') socket = command.socket;
    else if (command.type === 'send') socket?.send({ type: 'write', bytes: command.frame });
    else {
      framer.write(command.chunk);
      for (let event = framer.next(); event; event = framer.next()) {
        if (event.type === 'fatal') return sendBack({ type: 'codec.fatal' });
        if (event.type !== 'message') continue;
        const message = decodePayload(event.command, event.payload);
        if (message.command === 'version') sendBack({ type: 'payload.version', version: message.payload });
        else if (message.command === 'verack') sendBack({ type: 'payload.verack' });
        else if (message.command === 'addr' && 'addresses' in message.payload)
          sendBack({ type: 'payload.addr', addresses: message.payload.addresses });
        else if ((message.command === 'ping' || message.command === 'pong') && 'nonce' in message.payload)
          sendBack({ type: `payload.${message.command}`, nonce: message.payload.nonce });
      }
    }
  });
});

const versionFrame = (): Buffer => benchVersionFrame({ userAgent: '/bench-minimal:0.1/' });
const VERACK = encodeMessage(MAGIC, { command: 'verack', payload: {} });
const GETADDR = encodeMessage(MAGIC, { command: 'getaddr', payload: {} });

/** What the crawl hears from a peer besides the round trip: its handshake and addresses. */
type CrawlHeard =
  | { type: 'handshake'; remote: { version: number; services: bigint; userAgent: string; startHeight: number; transport: 'v1' } }
  | { type: 'addresses'; command: 'addr'; addresses: HeardAddress[] };

interface MinimalContext {
  host: string;
  port: number;
  getaddr: boolean;
  pingIntervalMs: number;
  version: VersionPayload | null;
  established: boolean;
  /** Why the connection ended when it was not STOP. */
  failure: string | null;
  nonce: bigint;
  sentAt: number;
}

/** What the minimal chart emits: what the hand-written peer reports, and what the crawl hears. */
export type MinimalEmitted = BareEvent | CrawlHeard;

const minimalMachine = setup({
  types: {
    context: {} as MinimalContext,
    events: {} as MinimalEvent,
    input: {} as { host: string; port: number; getaddr?: boolean; pingIntervalMs?: number },
    emitted: {} as MinimalEmitted,
    output: {} as { reason: 'user-stop' | 'failed'; cause: string | null },
  },
  actors: { socket: socketActor, codec: codecActor },
  // The peer's defaults, except the connect timeout: the scale client gives its peers a minute too.
  delays: {
    pingInterval: ({ context }) => context.pingIntervalMs,
    pingTimeout: DEFAULTS.pingTimeoutMs,
    connectTimeout: 60_000,
    handshakeTimeout: DEFAULTS.handshakeTimeoutMs,
  },
  guards: {
    isExpectedPong: ({ context, event }) => {
      assertEvent(event, 'payload.pong');
      return event.nonce === context.nonce;
    },
  },
  actions: {
    forwardChunk: sendTo('codec', ({ event }) => {
      assertEvent(event, 'socket.data');
      return { type: 'bytes' as const, chunk: event.chunk };
    }),
    link: sendTo('codec', ({ self }) => ({ type: 'link' as const, socket: self.getSnapshot().children.socket as SocketRef })),
    sendVersion: sendTo('codec', () => ({ type: 'send' as const, frame: versionFrame() })),
    recordVersion: assign(({ event }) => {
      assertEvent(event, 'payload.version');
      return { version: event.version };
    }),
    sendVerack: sendTo('codec', { type: 'send' as const, frame: VERACK }),
    askForAddresses: enqueueActions(({ context, enqueue }) => {
      if (context.getaddr) enqueue.sendTo('codec', { type: 'send' as const, frame: GETADDR });
    }),
    emitHandshake: emit(({ context }) => ({
      type: 'handshake' as const,
      remote: {
        version: context.version!.version,
        services: context.version!.services,
        userAgent: context.version!.userAgent,
        startHeight: context.version!.startHeight,
        transport: 'v1' as const,
      },
    })),
    emitAddresses: emit(({ event }) => {
      assertEvent(event, 'payload.addr');
      return { type: 'addresses' as const, command: 'addr' as const, addresses: heardFromAddr(event.addresses) };
    }),
    sendPong: sendTo('codec', ({ event }) => {
      assertEvent(event, 'payload.ping');
      return { type: 'send' as const, frame: encodeMessage(MAGIC, { command: 'pong', payload: { nonce: event.nonce } }) };
    }),
    recordPingSent: assign(() => ({ nonce: cryptoNonce(), sentAt: performance.now() })),
    sendPing: sendTo('codec', ({ context }) => ({
      type: 'send' as const,
      frame: encodeMessage(MAGIC, { command: 'ping', payload: { nonce: context.nonce } }),
    })),
    markEstablished: assign({ established: true }),
    recordFailure: assign((_, params: { reason: string }) => ({ failure: params.reason })),
    emitConnected: emit({ type: 'state' as const, state: 'connected' as const }),
    emitRtt: emit(({ context }) => ({ type: 'rtt' as const, lastMs: performance.now() - context.sentAt })),
    emitDisconnect: emit(({ context }) => ({
      type: 'disconnect' as const,
      reason: context.failure ?? 'user-stop',
      established: context.established,
    })),
  },
}).createMachine({
  id: 'minimal',
  context: ({ input }) => ({
    host: input.host,
    port: input.port,
    getaddr: input.getaddr ?? false,
    pingIntervalMs: input.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
    version: null,
    established: false,
    failure: null,
    nonce: 0n,
    sentAt: 0,
  }),
  initial: 'session',
  states: {
    session: {
      description: 'One connection: the socket and codec live as long as this state.',
      type: 'parallel',
      invoke: [
        { id: 'codec', src: 'codec' },
        { id: 'socket', src: 'socket', input: ({ context }) => ({ host: context.host, port: context.port }) },
      ],
      on: {
        'socket.closed': { target: 'failed', actions: { type: 'recordFailure', params: { reason: 'socket-closed' } } },
        'codec.fatal': { target: 'failed', actions: { type: 'recordFailure', params: { reason: 'framing-error' } } },
        STOP: 'stopped',
      },
      states: {
        traffic: { description: 'Bytes to the codec.', on: { 'socket.data': { actions: 'forwardChunk' } } },
        link: {
          description: 'The connection lifecycle.',
          initial: 'connecting',
          states: {
            connecting: {
              description: 'Dialling.',
              on: { 'socket.connected': { target: 'handshaking', actions: ['link', 'sendVersion'] } },
              after: {
                connectTimeout: { target: '#minimal.failed', actions: { type: 'recordFailure', params: { reason: 'connect-timeout' } } },
              },
            },
            handshaking: {
              description: 'Version, then verack.',
              on: { 'payload.version': { actions: ['recordVersion', 'sendVerack'] }, 'payload.verack': 'connected' },
              after: {
                handshakeTimeout: { target: '#minimal.failed', actions: { type: 'recordFailure', params: { reason: 'handshake-timeout' } } },
              },
            },
            connected: {
              description: 'Pinging every interval after each pong.',
              entry: ['markEstablished', 'emitConnected', 'emitHandshake', 'askForAddresses'],
              on: { 'payload.ping': { actions: 'sendPong' }, 'payload.addr': { actions: 'emitAddresses' } },
              initial: 'pinging',
              states: {
                pinging: {
                  description: 'Ping out, waiting for its pong.',
                  entry: ['recordPingSent', 'sendPing'],
                  on: { 'payload.pong': { guard: 'isExpectedPong', target: 'idle', actions: 'emitRtt' } },
                  after: {
                    pingTimeout: { target: '#minimal.failed', actions: { type: 'recordFailure', params: { reason: 'ping-timeout' } } },
                  },
                },
                idle: { description: 'Waiting to ping again.', after: { pingInterval: 'pinging' } },
              },
            },
          },
        },
      },
    },
    failed: { description: 'The connection ended on its own: reports why, then is done.', entry: 'emitDisconnect', always: 'stopped' },
    stopped: { description: 'Done.', type: 'final' },
  },
  output: ({ context }) => ({ reason: context.failure === null ? 'user-stop' : 'failed', cause: context.failure }),
});

/** The minimal chart as the crawl's `peer` actor (createCrawl's `peerMachine`); its input is the crawl's peer input. */
export const minimalPeerMachine = minimalMachine;

/** Starts one minimal-chart peer dialling host:port, pinging `pingIntervalMs` after each pong; its events go to `listener`. */
export function startMinimalPeer(host: string, port: number, pingIntervalMs: number, listener: (event: MinimalEmitted) => void) {
  const actor = createActor(minimalMachine, { input: { host, port, pingIntervalMs } });
  actor.on('*', listener);
  return actor.start();
}
