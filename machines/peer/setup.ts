// The peer statechart's vocabulary, as XState v5 `setup`: its types, the actors it invokes, and its
// named guards, delays and actions. The chart itself (states and transitions) is in ../peer.ts.
import { assign, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { WTXID_RELAY_VERSION } from '../../src/protocol/limits.js';
import {
  addressesMessage,
  DISCONNECT_TEXT,
  heardFromAddr,
  heardFromAddrV2,
  randomNonce,
  remoteInfo,
  versionMessage,
} from './messages.js';
import { backoffDelay, type PeerInput } from './options.js';
import type {
  CodecCommand,
  CodecInput,
  DisconnectReason,
  FrameSink,
  LifecycleState,
  PeerContext,
  PeerEmitted,
  PeerEvent,
  PeerOutput,
  SocketCommand,
  SocketInput,
} from './types.js';

const notProvided = (name: string) => () => {
  throw new Error(`the peer machine needs a '${name}' actor: use createPeerMachine() or machine.provide()`);
};

type EventOf<T extends PeerEvent['type']> = Extract<PeerEvent, { type: T }>;

export const peerSetup = setup({
  types: {
    context: {} as PeerContext,
    events: {} as PeerEvent,
    input: {} as PeerInput,
    output: {} as PeerOutput,
    emitted: {} as PeerEmitted,
  },
  actors: {
    socket: fromCallback<SocketCommand, SocketInput>(notProvided('socket')),
    codec: fromCallback<CodecCommand, CodecInput>(notProvided('codec')),
  },
  delays: {
    connectTimeout: ({ context }) => context.options.connectTimeoutMs,
    handshakeTimeout: ({ context }) => context.options.handshakeTimeoutMs,
    pingInterval: ({ context }) => context.options.pingIntervalMs,
    pingTimeout: ({ context }) => context.options.pingTimeoutMs,
    backoffDelay: ({ context }) => context.backoffMs,
  },
  guards: {
    connectOnStart: ({ context }) => context.options.connectOnStart,
    isOutbound: ({ context }) => context.options.role === 'outbound',
    isInbound: ({ context }) => context.options.role === 'inbound',
    isSelfConnection: ({ context, event }) => {
      const { nonce } = (event as EventOf<'payload.version'>).payload;
      return nonce === context.nonce || (context.options.isOwnNonce?.(nonce) ?? false);
    },
    isPeerVersionTooOld: ({ context, event }) =>
      (event as EventOf<'payload.version'>).payload.version < context.options.minPeerVersion,
    lacksRequiredServices: ({ context, event }) => {
      const required = context.options.requiredServices;
      return ((event as EventOf<'payload.version'>).payload.services & required) !== required;
    },
    versionReceived: ({ context }) => context.remote !== null,
    isExpectedPong: ({ context, event }) =>
      (event as EventOf<'payload.pong'>).payload.nonce === context.pingNonce,
    lostEstablishedUnderStop: ({ context }) => context.established && context.options.onDisconnect === 'stop',
    lostEstablishedUnderIdle: ({ context }) => context.established && context.options.onDisconnect === 'idle',
    canRetry: ({ context }) => context.retries < context.maxRetries,
    // Core answers getaddr only from inbound peers, and only once per connection.
    shouldAnswerGetaddr: ({ context }) =>
      context.options.role === 'inbound' && !context.getaddrAnswered && context.options.shareAddresses !== undefined,
  },
  actions: {
    beginAttempt: assign(({ context }) => ({
      attempts: context.attempts + 1,
      nonce: randomNonce(context.options.random),
      established: false,
      remote: null,
      pingNonce: null,
      pingSentAt: null,
      getaddrAnswered: false,
    })),
    recordDisconnect: assign(({ context, event }, params: { reason: DisconnectReason }) => ({
      lastDisconnect: { reason: params.reason, message: describe(event, params.reason), established: context.established },
    })),
    recordSocketError: assign(({ context, event }) => {
      const { reason, message } = event as EventOf<'socket.error'>;
      return { lastDisconnect: { reason, message, established: context.established } };
    }),
    recordUserStop: assign({ stopReason: 'user-stop' as const }),
    recordStopDisconnected: assign({ stopReason: 'disconnected' as const }),
    recordStopMaxRetries: assign({ stopReason: 'max-retries' as const }),
    incrementRetries: assign({ retries: ({ context }) => context.retries + 1 }),
    resetRetries: assign({ retries: 0 }),
    scheduleBackoff: assign({
      backoffMs: ({ context }) =>
        backoffDelay(context.options.backoff, context.retries, context.options.random),
    }),
    markEstablished: assign({ established: true }),
    recordRemoteVersion: assign({
      remote: ({ event }) => remoteInfo((event as EventOf<'payload.version'>).payload),
    }),
    recordAddrV2Wanted: assign({
      remote: ({ context }) => context.remote && { ...context.remote, wantsAddrV2: true },
    }),
    recordWtxidRelay: assign({
      remote: ({ context }) => context.remote && { ...context.remote, wtxidRelay: true },
    }),
    recordPingSent: assign(({ context }) => ({
      pingNonce: randomNonce(context.options.random),
      pingSentAt: context.options.now(),
    })),
    recordRtt: assign(({ context }) => {
      const lastMs = context.options.now() - (context.pingSentAt ?? context.options.now());
      const minMs = context.rtt.minMs === null ? lastMs : Math.min(context.rtt.minMs, lastMs);
      return { rtt: { lastMs, minMs }, pingNonce: null, pingSentAt: null };
    }),

    sendVersion: sendTo('codec', ({ context }) => ({
      type: 'send' as const,
      message: versionMessage(context),
    })),
    sendVerack: sendTo('codec', { type: 'send', message: { command: 'verack', payload: {} } }),
    // BIP339 and BIP155 are negotiated between version and verack, and only with peers that know them.
    sendNegotiation: enqueueActions(({ context, enqueue }) => {
      if ((context.remote?.version ?? 0) < WTXID_RELAY_VERSION) return;
      enqueue.sendTo('codec', { type: 'send', message: { command: 'wtxidrelay', payload: {} } });
      enqueue.sendTo('codec', { type: 'send', message: { command: 'sendaddrv2', payload: {} } });
    }),
    sendGetaddr: enqueueActions(({ context, enqueue }) => {
      if (context.options.getaddr)
        enqueue.sendTo('codec', { type: 'send', message: { command: 'getaddr', payload: {} } });
    }),
    answerGetaddr: sendTo('codec', ({ context }) => ({
      type: 'send' as const,
      message: addressesMessage(context.options.shareAddresses?.() ?? [], context.remote?.wantsAddrV2 ?? false),
    })),
    recordGetaddrAnswered: assign({ getaddrAnswered: true }),
    sendPing: sendTo('codec', ({ context }) => ({
      type: 'send' as const,
      message: { command: 'ping' as const, payload: { nonce: context.pingNonce ?? 0n } },
    })),
    sendPong: sendTo('codec', ({ event }) => ({
      type: 'send' as const,
      message: {
        command: 'pong' as const,
        payload: { nonce: (event as EventOf<'payload.ping'>).payload.nonce },
      },
    })),
    sendMessage: sendTo('codec', ({ event }) => ({
      type: 'send' as const,
      message: (event as EventOf<'SEND'>).message,
    })),
    forwardChunkToCodec: sendTo('codec', ({ event }) => ({
      type: 'bytes' as const,
      chunk: (event as EventOf<'socket.data'>).chunk,
    })),
    linkCodecToSocket: sendTo('codec', ({ self }) => ({
      type: 'link' as const,
      socket: self.getSnapshot().children.socket as FrameSink,
    })),

    emitLifecycle: emit(({ context }, params: { state: LifecycleState }) => ({
      type: 'state' as const,
      state: params.state,
      retries: context.retries,
      reason:
        params.state === 'backoff' || params.state === 'stopped'
          ? (context.lastDisconnect?.reason ?? null)
          : null,
    })),
    emitHandshake: emit(({ context }) => ({ type: 'handshake' as const, remote: context.remote! })),
    emitDisconnect: emit(({ context }) => ({ type: 'disconnect' as const, ...context.lastDisconnect! })),
    emitMessageIn: emit(({ event }) => {
      const e = event as EventOf<'payload.unknown'> | EventOf<'payload.ping'>;
      return {
        type: 'message' as const,
        direction: 'in' as const,
        command: 'command' in e ? e.command : e.type.slice('payload.'.length),
        payload: e.payload,
      };
    }),
    emitMessageOut: emit(({ event }) => ({
      type: 'message' as const,
      direction: 'out' as const,
      command: (event as EventOf<'codec.frame'>).command,
      payload: (event as EventOf<'codec.frame'>).payload,
    })),
    emitAddresses: emit(({ event }) => {
      const e = event as EventOf<'payload.addr'> | EventOf<'payload.addrv2'>;
      return e.type === 'payload.addr'
        ? {
            type: 'addresses' as const,
            command: 'addr' as const,
            addresses: heardFromAddr(e.payload.addresses),
          }
        : {
            type: 'addresses' as const,
            command: 'addrv2' as const,
            addresses: heardFromAddrV2(e.payload.addresses),
          };
    }),
    emitRtt: emit(({ context }) => ({
      type: 'rtt' as const,
      lastMs: context.rtt.lastMs!,
      minMs: context.rtt.minMs!,
    })),
    emitDropped: emit(({ event }) => ({
      type: 'dropped' as const,
      error: (event as EventOf<'codec.dropped'>).error,
    })),
    emitSendRejected: emit(({ event }) => {
      const e = event as EventOf<'SEND'> | EventOf<'codec.unencodable'>;
      return e.type === 'SEND'
        ? { type: 'send-rejected' as const, command: e.message.command, why: 'not connected' }
        : { type: 'send-rejected' as const, command: e.command, why: e.error.message };
    }),
  },
});

function describe(event: PeerEvent, reason: DisconnectReason): string {
  if ('error' in event) return event.error.message;
  if (event.type === 'payload.version') {
    const { version, services, userAgent } = event.payload;
    return `${DISCONNECT_TEXT[reason]} (${userAgent} version ${version}, services 0x${services.toString(16)})`;
  }
  if (event.type.startsWith('payload.')) return `${DISCONNECT_TEXT[reason]}: ${event.type.slice('payload.'.length)} after verack`;
  return DISCONNECT_TEXT[reason];
}
