// One Bitcoin peer connection as a statechart: the Elixir ancestor's Connection behaviour
// (connect → ok / backoff / stop, disconnect → what follows, capped retries), made explicit.
// This file is the chart; its named guards, actions and delays are in ./peer/setup.ts.
// No I/O here: the socket and the codec are invoked actors supplied by name (see src/actors).
import type { AnyStateMachine, SnapshotFrom } from 'xstate';
import { resolvePeerOptions } from './peer/options.js';
import { commandsWithTransitions } from './peer/handled.js';
import { codecTransport, peerSetup } from './peer/setup.js';
import type { CodecInput, LifecycleState } from './peer/types.js';

/** The bare peer statechart: its `socket` and `codec` actors throw until provided (createPeerMachine provides the real ones). */
export const peerMachine = peerSetup.createMachine({
  id: 'peer',
  context: ({ input }) => {
    const options = resolvePeerOptions(input);
    return {
      options,
      retries: 0,
      maxRetries: options.maxRetries,
      attempts: 0,
      backoffMs: 0,
      nonce: 0n,
      remote: null,
      established: false,
      socketOpen: false,
      transport: null,
      v1Fallback: false,
      peerResponded: false,
      sessionId: null,
      pingNonce: null,
      pingSentAt: null,
      rtt: { lastMs: null, minMs: null },
      lastDisconnect: null,
      stopReason: null,
      getaddrAnswered: false,
    };
  },
  initial: 'starting',
  on: {
    SEND: { actions: 'emitSendRejected' },
  },
  states: {
    starting: {
      description: 'Decides once: dial now (connectOnStart) or wait for CONNECT.',
      always: [{ guard: 'connectOnStart', target: 'session' }, { target: 'disconnected' }],
    },
    disconnected: {
      description: 'Idle: no connection and none being made; waits for CONNECT or STOP.',
      entry: { type: 'emitLifecycle', params: { state: 'disconnected' } },
      on: {
        CONNECT: 'session',
        STOP: { target: 'stopped', actions: 'recordUserStop' },
      },
    },
    session: {
      description:
        'One TCP connection: the socket and the codec actors live exactly as long as this state, so leaving it for any reason closes the socket and cancels every timer of the connection.',
      type: 'parallel',
      entry: ['beginAttempt', 'registerNonce'],
      exit: 'releaseNonce',
      invoke: [
        {
          id: 'codec',
          src: 'codec',
          input: ({ context, self }): CodecInput => ({
            network: context.options.network,
            transport: codecTransport(context),
            // The machine running, as provided: its own transitions say what the codec may batch.
            handled: commandsWithTransitions((self as unknown as { logic: AnyStateMachine }).logic),
          }),
        },
        {
          id: 'socket',
          src: 'socket',
          input: ({ context }) => ({
            host: context.options.host,
            port: context.options.port,
            role: context.options.role,
            maxSendBufferBytes: context.options.maxSendBufferBytes,
            accepted: context.options.accepted,
            proxy: context.options.proxy,
            onionProxy: context.options.onionProxy,
            proxyRandomize: context.options.proxyRandomize,
          }),
        },
      ],
      on: {
        'socket.closed': {
          target: 'afterDisconnect',
          actions: { type: 'recordDisconnect', params: { reason: 'socket-closed' } },
        },
        'socket.error': { target: 'afterDisconnect', actions: 'recordSocketError' },
        'socket.overflow': {
          target: 'afterDisconnect',
          actions: { type: 'recordDisconnect', params: { reason: 'send-buffer-full' } },
        },
        'codec.fatal': [
          // Our v2 key was answered in v1 (the network magic): the peer does not speak v2.
          {
            guard: 'isV1Reply',
            target: 'afterDisconnect',
            actions: { type: 'recordDisconnect', params: { reason: 'v2-unsupported' } },
          },
          {
            target: 'afterDisconnect',
            actions: { type: 'recordDisconnect', params: { reason: 'framing-error' } },
          },
        ],
        'codec.undecodable': [
          // Core punishes oversized lists; any other payload that does not decode it drops and goes on.
          {
            guard: 'isPunishedPayload',
            target: 'afterDisconnect',
            actions: { type: 'recordDisconnect', params: { reason: 'protocol-violation' } },
          },
          { actions: 'emitDropped' },
        ],
        STOP: {
          target: 'stopped',
          actions: ['recordStopDisconnect', 'recordUserStop', 'emitDisconnect'],
        },
      },
      states: {
        traffic: {
          description: 'Watches all traffic: bytes go to the codec, messages to the embedder, whatever the link is doing.',
          on: {
            'socket.data': { actions: 'forwardChunkToCodec' },
            'payload.*': { actions: 'emitMessageIn' },
            // Runs of messages the link region has no transition for arrive together (see the codec).
            'payload.batch': { actions: 'emitMessagesIn' },
            'codec.dropped': { actions: 'emitDropped' },
          },
        },
        link: {
          description: 'The lifecycle of the connection: connecting, handshaking, connected.',
          initial: 'connecting',
          states: {
            connecting: {
              description: 'Opening the socket: dials (or adopts an accepted one) until it opens or connectTimeout passes.',
              entry: { type: 'emitLifecycle', params: { state: 'connecting' } },
              on: {
                'socket.connected': { target: 'handshaking', actions: ['markSocketOpen', 'linkCodecToSocket'] },
              },
              after: {
                connectTimeout: {
                  target: '#peer.afterDisconnect',
                  actions: { type: 'recordDisconnect', params: { reason: 'connect-timeout' } },
                },
              },
            },
            handshaking: {
              description:
                'Establishing the session within handshakeTimeout: the transport (BIP324 v2 key exchange, or v1), then the version handshake.',
              initial: 'opening',
              entry: { type: 'emitLifecycle', params: { state: 'handshaking' } },
              after: {
                handshakeTimeout: {
                  target: '#peer.afterDisconnect',
                  actions: { type: 'recordDisconnect', params: { reason: 'handshake-timeout' } },
                },
              },
              on: {
                'payload.wtxidrelay': { guard: 'negotiatesWtxidRelay', actions: 'recordWtxidRelay' },
                'payload.sendaddrv2': { guard: 'versionReceived', actions: 'recordAddrV2Wanted' },
              },
              states: {
                opening: {
                  description: 'Chooses the way in: our v2 key out, v1 version out, or (inbound) the first bytes to decide.',
                  always: [
                    { guard: 'dialsV2', target: 'keyExchange' },
                    { guard: 'isOutbound', target: 'versions', actions: 'sendVersion' },
                    { guard: 'detectsTransport', target: 'detecting' },
                    { target: 'versions' },
                  ],
                },
                detecting: {
                  description: "Inbound: the peer's first 16 bytes decide its transport (a v1 version header, or a v2 key), as Core's.",
                  on: {
                    'codec.detected': [
                      { guard: 'isV2Detected', target: 'keyExchange', actions: 'recordTransport' },
                      { target: 'versions', actions: 'recordTransport' },
                    ],
                  },
                },
                keyExchange: {
                  description:
                    'BIP324 key exchange: 64-byte keys, garbage, terminators and version packets; both ends derive the session id. A v2 dial that hears nothing within v2ResponseTimeout is taken for a v1 peer.',
                  on: {
                    'codec.peer-responded': { actions: 'recordPeerResponded' },
                    // A v1-only node reads our key as garbage and hangs up before a byte of its own.
                    'socket.closed': {
                      guard: 'peerSilent',
                      target: '#peer.afterDisconnect',
                      actions: { type: 'recordDisconnect', params: { reason: 'v2-unsupported' } },
                    },
                    'socket.error': {
                      guard: 'peerSilent',
                      target: '#peer.afterDisconnect',
                      actions: { type: 'recordDisconnect', params: { reason: 'v2-unsupported' } },
                    },
                    'codec.established': [
                      { guard: 'isOutbound', target: 'versions', actions: ['recordSession', 'sendVersion'] },
                      { target: 'versions', actions: 'recordSession' },
                    ],
                  },
                  after: {
                    v2ResponseTimeout: {
                      guard: 'peerSilentOnAutoV2',
                      target: '#peer.afterDisconnect',
                      actions: { type: 'recordDisconnect', params: { reason: 'v2-unsupported' } },
                    },
                  },
                },
                versions: {
                  description:
                    'Version handshake: their version, then their verack; anything before their version is ignored, as Core does.',
                  type: 'parallel',
                  onDone: '#peer.session.link.connected',
                  states: {
                    theirVersion: {
                      description: "Their version: checked for our own nonce, its protocol version and the services we require.",
                      initial: 'awaiting',
                      states: {
                        awaiting: {
                          description: 'No version yet.',
                          on: {
                            'payload.version': [
                              {
                                guard: 'isSelfConnection',
                                target: '#peer.afterDisconnect',
                                actions: { type: 'recordDisconnect', params: { reason: 'self-connection' } },
                              },
                              {
                                guard: 'isPeerVersionTooOld',
                                target: '#peer.afterDisconnect',
                                actions: { type: 'recordDisconnect', params: { reason: 'peer-version-too-old' } },
                              },
                              {
                                guard: 'lacksRequiredServices',
                                target: '#peer.afterDisconnect',
                                actions: { type: 'recordDisconnect', params: { reason: 'missing-services' } },
                              },
                              {
                                guard: 'isInbound',
                                target: 'received',
                                actions: ['recordRemoteVersion', 'sendVersion', 'sendNegotiation', 'sendVerack'],
                              },
                              {
                                target: 'received',
                                actions: ['recordRemoteVersion', 'sendNegotiation', 'sendVerack'],
                              },
                            ],
                          },
                        },
                        received: { type: 'final', description: 'Version in: a second one is ignored, as Core does.' },
                      },
                    },
                    theirVerack: {
                      description: "The peer's verack.",
                      initial: 'awaiting',
                      states: {
                        awaiting: {
                          description: 'No verack yet; one before their version is ignored, as Core does.',
                          on: { 'payload.verack': { guard: 'versionReceived', target: 'received' } },
                        },
                        received: { type: 'final', description: 'Verack in.' },
                      },
                    },
                  },
                },
              },
            },
            connected: {
              description:
                'Handshake done: answers pings and getaddr, passes addresses on, sends what the embedder asks, and pings the peer to keep the link alive.',
              entry: [
                'resetRetries',
                'markEstablished',
                'emitHandshake',
                { type: 'emitLifecycle', params: { state: 'connected' } },
                'sendGetaddr',
              ],
              on: {
                'payload.ping': { actions: 'sendPong' },
                'payload.getaddr': { guard: 'shouldAnswerGetaddr', actions: ['answerGetaddr', 'recordGetaddrAnswered'] },
                'payload.addr': { actions: 'emitAddresses' },
                'payload.addrv2': { actions: 'emitAddresses' },
                // Negotiation is over once verack is exchanged; Core disconnects a peer that tries again.
                'payload.wtxidrelay': {
                  target: '#peer.afterDisconnect',
                  actions: { type: 'recordDisconnect', params: { reason: 'protocol-violation' } },
                },
                'payload.sendaddrv2': {
                  target: '#peer.afterDisconnect',
                  actions: { type: 'recordDisconnect', params: { reason: 'protocol-violation' } },
                },
                SEND: { actions: 'sendMessage' },
              },
              initial: 'pinging',
              states: {
                pinging: {
                  description: 'Our ping is out: waits for its pong within pingTimeout (Core pings as soon as the handshake is done).',
                  entry: ['recordPingSent', 'sendPing'],
                  on: {
                    'payload.pong': {
                      guard: 'isExpectedPong',
                      target: 'idle',
                      actions: ['recordRtt', 'emitRtt'],
                    },
                  },
                  after: {
                    pingTimeout: {
                      target: '#peer.afterDisconnect',
                      actions: { type: 'recordDisconnect', params: { reason: 'ping-timeout' } },
                    },
                  },
                },
                idle: {
                  description: 'Pong received: the next ping goes out after pingInterval.',
                  after: { pingInterval: 'pinging' },
                },
              },
            },
          },
        },
      },
    },
    afterDisconnect: {
      description:
        "Decides what follows: the Elixir ancestor's disconnect callback; named guards choose stop, rest, or back off and retry.",
      entry: 'emitDisconnect',
      always: [
        // An inbound connection cannot be dialled again: whatever ended it, the machine is done.
        { guard: 'isInbound', target: 'stopped', actions: 'recordStopDisconnected' },
        // Core's ShouldReconnectV1: a v2 dial the peer never answered in v2 is made again in v1 at once, no retry counted.
        { guard: 'shouldReconnectV1', target: 'session', actions: 'fallBackToV1' },
        { guard: 'lostEstablishedUnderStop', target: 'stopped', actions: 'recordStopDisconnected' },
        { guard: 'lostEstablishedUnderIdle', target: 'disconnected' },
        { guard: 'canRetry', target: 'backoff', actions: ['incrementRetries', 'scheduleBackoff'] },
        { target: 'stopped', actions: 'recordStopMaxRetries' },
      ],
    },
    backoff: {
      description: 'Waiting to retry: backoffDelay grows per retry, with jitter; CONNECT skips the wait.',
      entry: { type: 'emitLifecycle', params: { state: 'backoff' } },
      after: { backoffDelay: 'session' },
      on: {
        CONNECT: 'session',
        STOP: { target: 'stopped', actions: 'recordUserStop' },
      },
    },
    stopped: {
      description: 'Done: the socket is gone and no timer is left; the output says why.',
      type: 'final',
      entry: { type: 'emitLifecycle', params: { state: 'stopped' } },
    },
  },
  output: ({ context }) => ({
    reason: context.stopReason ?? 'user-stop',
    cause: context.lastDisconnect?.reason ?? null,
    retries: context.retries,
  }),
});

/** The type of the peer machine. */
export type PeerMachine = typeof peerMachine;
/** A snapshot of a running peer. */
export type PeerSnapshot = SnapshotFrom<PeerMachine>;

/** The lifecycle name of a snapshot, whatever nesting the chart has. */
export function lifecycleState(snapshot: PeerSnapshot): LifecycleState {
  if (snapshot.matches('stopped')) return 'stopped';
  if (snapshot.matches('backoff')) return 'backoff';
  if (snapshot.matches({ session: { link: 'connecting' } })) return 'connecting';
  if (snapshot.matches({ session: { link: 'handshaking' } })) return 'handshaking';
  if (snapshot.matches({ session: { link: 'connected' } })) return 'connected';
  return 'disconnected';
}
