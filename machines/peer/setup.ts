// The peer statechart's vocabulary, as XState v5 `setup`: its types, the actors it invokes, and its
// named guards, delays and actions. The chart itself (states and transitions) is in ../peer.ts.
import { assertEvent, assign, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import { WTXID_RELAY_VERSION } from '../../src/protocol/limits.js';
import { type DisconnectReason, disconnectText } from './disconnect.js';
import {
  addressesMessage,
  heardFromAddr,
  heardFromAddrV2,
  messageEvent,
  payloadMessage,
  remoteInfo,
  versionMessage,
} from './messages.js';
import { canEmitRun, emitRun } from './emit-run.js';
import { transmit } from './transmit.js';
import { isPunishedDecodeError } from './undecodable.js';
import { backoffDelay, type PeerInput } from './options.js';
import type {
  CodecCommand,
  ConnectionPhase,
  CodecInput,
  FrameSink,
  LifecycleState,
  PeerContext,
  PeerEmitted,
  PeerEvent,
  PeerMessageEvent,
  PeerOutput,
  PayloadEvent,
  PeerRole,
  SocketCommand,
  SocketInput,
  UnknownPayloadEvent,
} from './types.js';

const notProvided = (name: string) => () => {
  throw new Error(`the peer machine needs a '${name}' actor: use createPeerMachine() or machine.provide()`);
};

const isPayloadEvent = (event: PeerEvent): event is PayloadEvent | UnknownPayloadEvent =>
  event.type.startsWith('payload.') && event.type !== 'payload.batch';

/** Everything of the peer chart but the chart itself (machines/peer.ts). */
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
    v2ResponseTimeout: ({ context }) => context.options.v2ResponseTimeoutMs,
  },
  guards: {
    connectOnStart: ({ context }) => context.options.connectOnStart,
    isOutbound: ({ context }) => context.options.role === 'outbound',
    isInbound: ({ context }) => context.options.role === 'inbound',
    isSelfConnection: ({ context, event }) => {
      assertEvent(event, 'payload.version');
      const { nonce } = event.payload;
      return nonce === context.nonce || (context.options.nonces?.has(nonce) ?? false);
    },
    isPeerVersionTooOld: ({ context, event }) => {
      assertEvent(event, 'payload.version');
      return event.payload.version < context.options.minPeerVersion;
    },
    lacksRequiredServices: ({ context, event }) => {
      assertEvent(event, 'payload.version');
      const required = context.options.requiredServices;
      return (event.payload.services & required) !== required;
    },
    versionReceived: ({ context }) => context.remote !== null,
    dialsV2: ({ context }) => context.options.role === 'outbound' && context.transport === 'v2',
    detectsTransport: ({ context }) => context.options.role === 'inbound' && context.options.transport !== 'v1',
    isV2Detected: ({ event }) => {
      assertEvent(event, 'codec.detected');
      return event.transport === 'v2';
    },
    peerSilent: ({ context }) => !context.peerResponded,
    peerSilentOnAutoV2: ({ context }) => context.options.transport === 'auto' && !context.peerResponded,
    isV1Reply: ({ event }) => {
      assertEvent(event, 'codec.fatal');
      return event.error.code === 'v2-peer-speaks-v1';
    },
    shouldReconnectV1: ({ context }) =>
      context.options.role === 'outbound' &&
      context.options.transport === 'auto' &&
      context.transport === 'v2' &&
      !context.established &&
      context.lastDisconnect?.reason === 'v2-unsupported',
    isPunishedPayload: ({ event }) => {
      assertEvent(event, 'codec.undecodable');
      return isPunishedDecodeError(event.error);
    },
    // Core: a pong of nonce 0 answers nothing ("Nonce zero").
    isExpectedPong: ({ context, event }) => {
      assertEvent(event, 'payload.pong');
      return event.payload.nonce !== 0n && event.payload.nonce === context.pingNonce;
    },
    // BIP339: wtxidrelay means something only when both sides speak 70016 or later.
    negotiatesWtxidRelay: ({ context }) =>
      context.remote !== null && Math.min(context.remote.version, context.options.protocolVersion) >= WTXID_RELAY_VERSION,
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
      nonce: context.options.nonce(),
      established: false,
      socketOpen: false,
      // Dialling: v2 unless told v1 or this peer fell back to v1; accepting: the first bytes decide.
      transport: context.options.role === 'inbound' ? null : context.options.transport === 'v1' || context.v1Fallback ? 'v1' : 'v2',
      peerResponded: false,
      sessionId: null,
      remote: null,
      pingNonce: null,
      pingSentAt: null,
      getaddrAnswered: false,
    })),
    recordDisconnect: assign(({ context, event }, params: { reason: DisconnectReason }) => {
      const phase = connectionPhase(context);
      return {
        lastDisconnect: {
          reason: params.reason,
          message: describe(event, params.reason, phase, context.options.role),
          established: context.established,
          phase,
        },
      };
    }),
    recordSocketError: assign(({ context, event }) => {
      assertEvent(event, 'socket.error');
      return {
        lastDisconnect: { reason: event.reason, message: event.message, established: context.established, phase: connectionPhase(context) },
      };
    }),
    markSocketOpen: assign({ socketOpen: true }),
    recordTransport: assign(({ event }) => {
      assertEvent(event, 'codec.detected');
      return { transport: event.transport };
    }),
    recordPeerResponded: assign({ peerResponded: true }),
    recordSession: assign(({ event }) => {
      assertEvent(event, 'codec.established');
      return { sessionId: event.sessionId };
    }),
    fallBackToV1: assign({ v1Fallback: true }),
    recordStopDisconnect: assign(({ context, event }) => {
      assertEvent(event, 'STOP');
      const reason = event.reason ?? 'user-stop';
      return {
        lastDisconnect: { reason, message: disconnectText(reason), established: context.established, phase: connectionPhase(context) },
      };
    }),
    // The process's connections see each other's nonces while they last, to spot a connection to ourselves.
    registerNonce: ({ context }) => context.options.nonces?.add(context.nonce),
    releaseNonce: ({ context }) => context.options.nonces?.delete(context.nonce),
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
      remote: ({ context, event }) => {
        assertEvent(event, 'payload.version');
        return remoteInfo(event.payload, context.transport ?? 'v1', context.sessionId);
      },
    }),
    recordAddrV2Wanted: assign({
      remote: ({ context }) => context.remote && { ...context.remote, wantsAddrV2: true },
    }),
    recordWtxidRelay: assign({
      remote: ({ context }) => context.remote && { ...context.remote, wtxidRelay: true },
    }),
    recordPingSent: assign(({ context }) => ({
      pingNonce: context.options.nonce(),
      pingSentAt: context.options.now(),
    })),
    recordRtt: assign(({ context }) => {
      const lastMs = context.options.now() - (context.pingSentAt ?? context.options.now());
      const minMs = context.rtt.minMs === null ? lastMs : Math.min(context.rtt.minMs, lastMs);
      return { rtt: { lastMs, minMs }, pingNonce: null, pingSentAt: null };
    }),

    // Every send encodes here, so a message that cannot be encoded is refused at once, and the
    // `message` out event is emitted in the order the bytes are written, before what they caused.
    sendVersion: enqueueActions(({ context, enqueue }) => transmit(enqueue, versionMessage(context))),
    sendVerack: enqueueActions(({ enqueue }) => transmit(enqueue, { command: 'verack', payload: {} })),
    // BIP339 and BIP155 are negotiated between version and verack, and only with peers that know them.
    sendNegotiation: enqueueActions(({ context, enqueue }) => {
      if (Math.min(context.remote?.version ?? 0, context.options.protocolVersion) < WTXID_RELAY_VERSION) return;
      transmit(enqueue, { command: 'wtxidrelay', payload: {} });
      transmit(enqueue, { command: 'sendaddrv2', payload: {} });
    }),
    sendGetaddr: enqueueActions(({ context, enqueue }) => {
      if (context.options.getaddr) transmit(enqueue, { command: 'getaddr', payload: {} });
    }),
    answerGetaddr: enqueueActions(({ context, enqueue }) =>
      transmit(
        enqueue,
        addressesMessage(context.options.shareAddresses?.() ?? [], context.remote?.wantsAddrV2 ?? false),
      ),
    ),
    recordGetaddrAnswered: assign({ getaddrAnswered: true }),
    sendPing: enqueueActions(({ context, enqueue }) =>
      transmit(enqueue, { command: 'ping', payload: { nonce: context.pingNonce ?? 0n } }),
    ),
    sendPong: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'payload.ping');
      transmit(enqueue, { command: 'pong', payload: { nonce: event.payload.nonce } });
    }),
    sendMessage: enqueueActions(({ event, enqueue }) => {
      assertEvent(event, 'SEND');
      transmit(enqueue, event.message);
    }),
    forwardChunkToCodec: sendTo('codec', ({ event }) => {
      assertEvent(event, 'socket.data');
      return { type: 'bytes' as const, chunk: event.chunk };
    }),
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
      if (!isPayloadEvent(event)) throw new Error(`emitMessageIn: ${event.type} is not a payload event`);
      return messageEvent('in', payloadMessage(event));
    }),
    // One event brought the run; the embedder still hears of each message, in order.
    emitMessagesIn: enqueueActions(({ event, enqueue, self }) => {
      assertEvent(event, 'payload.batch');
      const events = event.messages.map((message) => messageEvent('in', message));
      // XState's types cannot name an action of the same setup from inside it; `emitRun` is below.
      if (canEmitRun(self)) enqueue({ type: 'emitRun', params: { events } } as never);
      else for (const e of events) enqueue.emit(e);
    }),
    // Named, with the run as its params, so an inspector sees every message it delivers.
    emitRun: ({ self }, params: { events: PeerMessageEvent[] }) => emitRun(self, params.events),
    emitAddresses: emit(({ event }) => {
      assertEvent(event, ['payload.addr', 'payload.addrv2']);
      return event.type === 'payload.addr'
        ? { type: 'addresses' as const, command: 'addr' as const, addresses: heardFromAddr(event.payload.addresses) }
        : { type: 'addresses' as const, command: 'addrv2' as const, addresses: heardFromAddrV2(event.payload.addresses) };
    }),
    emitRtt: emit(({ context }) => ({
      type: 'rtt' as const,
      lastMs: context.rtt.lastMs!,
      minMs: context.rtt.minMs!,
    })),
    emitDropped: emit(({ event }) => {
      assertEvent(event, ['codec.dropped', 'codec.undecodable']);
      return { type: 'dropped' as const, error: event.error };
    }),
    emitSendRejected: emit(({ event }) => {
      assertEvent(event, 'SEND');
      return { type: 'send-rejected' as const, command: event.message.command, why: 'not connected' };
    }),
  },
});

function connectionPhase(context: PeerContext): ConnectionPhase {
  if (context.established) return 'connected';
  if (context.remote) return 'handshaking';
  return context.socketOpen ? 'awaiting-version' : 'connecting';
}

function describe(event: PeerEvent, reason: DisconnectReason, phase: ConnectionPhase, role: PeerRole): string {
  if ('error' in event) return event.error.message;
  // A peer on another network reads our version's magic as garbage and hangs up without a word.
  if (reason === 'socket-closed' && phase === 'awaiting-version' && role === 'outbound') {
    return 'the peer closed the connection after our version without answering: usually it is on another network';
  }
  if (event.type === 'payload.version') {
    const { version, services, userAgent } = event.payload;
    return `${disconnectText(reason)} (${userAgent} version ${version}, services 0x${services.toString(16)})`;
  }
  if (event.type.startsWith('payload.')) return `${disconnectText(reason)}: ${event.type.slice('payload.'.length)} after verack`;
  return disconnectText(reason);
}

/** What the codec actor speaks on this connection: the chosen transport, or detection when accepting. */
export function codecTransport(context: PeerContext): CodecInput['transport'] {
  if (context.options.role === 'inbound') return context.options.transport === 'v1' ? 'v1-only' : 'detect';
  return context.transport ?? 'v1';
}
