// The peer statechart's vocabulary: what it remembers, what it hears, what it tells, and why it lets go.

import type { OutgoingMessage } from '../../src/protocol/codec.js';
import type { ProtocolError } from '../../src/protocol/errors.js';
import type { AddrNetwork } from '../../src/protocol/messages/addrv2.js';
import type { Command, Message, Payloads } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import type { NetworkName } from '../../src/protocol/networks.js';
import type { ProxyEndpoint } from '../../src/proxy/config.js';

import type { DisconnectReason, LocalReason } from './disconnect.js';

export type { DisconnectReason } from './disconnect.js';

/** Why the machine reached `stopped`. */
export type StopReason = 'user-stop' | 'max-retries' | 'disconnected';

/** What follows the loss of an established connection (the ancestor's `disconnect` answers). */
export type DisconnectPolicy = 'stop' | 'reconnect' | 'idle';

/** The six lifecycle states every observer sees, whatever the nesting of the chart. */
export type LifecycleState =
  | 'disconnected'
  | 'connecting'
  | 'handshaking'
  | 'connected'
  | 'backoff'
  | 'stopped';

/** A set of version nonces shared by connections that must recognise each other. */
export interface NonceRegistry {
  add(nonce: bigint): void;
  delete(nonce: bigint): void;
  has(nonce: bigint): boolean;
}

/** Which transport a peer speaks: v2 with a v1 fallback (`auto`), v2 only, or v1 only. */
export type TransportPreference = 'auto' | 'v2' | 'v1';

/** Whether we dialled the peer (`outbound`) or it dialled us (`inbound`). */
export type PeerRole = 'outbound' | 'inbound';

export interface PeerAddress {
  host: string;
  port: number;
}

/** How long to wait before each retry. */
export interface BackoffPolicy {
  /** First delay after a failure, in ms. */
  initialMs: number;
  /** Factor applied per further retry; 1 gives the ancestor's constant delay. */
  multiplier: number;
  maxMs: number;
  /** Fraction of the delay taken away at random (0 = none, 0.2 = up to 20 % shorter). */
  jitter: number;
}

/** The resolved options of a peer machine: PeerInput with every default filled in. */
export interface PeerOptions {
  host: string;
  port: number;
  network: NetworkName;
  role: PeerRole;
  connectOnStart: boolean;
  maxRetries: number;
  backoff: BackoffPolicy;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  onDisconnect: DisconnectPolicy;
  /** Protocol version we announce. */
  protocolVersion: number;
  minPeerVersion: number;
  services: bigint;
  requiredServices: bigint;
  userAgent: string;
  startHeight: number;
  relay: boolean;
  /** Ask for addresses once the handshake is done. */
  getaddr: boolean;
  /** Bound on bytes queued for the socket; Core's default send buffer is 1 MB. */
  maxSendBufferBytes: number;
  /**
   * The transport: `auto` dials in BIP324 v2 and falls back to v1 at once when the peer never
   * answers in v2 (Core's ShouldReconnectV1), and accepts both inbound; `v2` dials v2 only; `v1`
   * speaks v1 only (inbound v2 attempts are refused).
   */
  transport: TransportPreference;
  /** With `auto`, how long a v2 dial waits for the first byte of the peer's key before taking it for v1. */
  v2ResponseTimeoutMs: number;
  /**
   * SOCKS5 proxy for this connection (Core's `-proxy`); a host name is then sent to the proxy as a
   * name, never resolved here. Also used for `.onion` hosts unless `onionProxy` is set.
   */
  proxy?: ProxyEndpoint;
  /** SOCKS5 proxy for `.onion` hosts (Core's `-onion`). */
  onionProxy?: ProxyEndpoint;
  /** Fresh random SOCKS5 credentials per connection, so Tor gives it a circuit of its own; default true. */
  proxyRandomize?: boolean;
  /** The clock for RTTs and timestamps; tests pass their simulated clock's `now`. */
  now: () => number;
  /** Random source for backoff jitter, in [0, 1). */
  random: () => number;
  /** Source of version and ping nonces: cryptographic and never 0 unless a test says otherwise. */
  nonce: () => bigint;
  /**
   * The version nonces of every connection of this process (Core's `CheckIncomingNonce`): a peer
   * whose version carries one of them is ourselves. createPeer, the pool, the crawl and the
   * listener share one by default; a machine made without it knows only its own nonce.
   */
  nonces?: NonceRegistry;
  /** For the inbound role: the accepted connection, handed to the socket actor untouched. */
  accepted?: unknown;
  /**
   * Addresses to answer an inbound peer's `getaddr` with (once per connection, as Core does);
   * without it, `getaddr` is ignored.
   */
  shareAddresses?: () => HeardAddress[];
}

/** What the peer told us about itself in its `version`, and what it negotiated. */
export interface RemoteInfo {
  version: number;
  services: bigint;
  userAgent: string;
  startHeight: number;
  relay: boolean;
  nonce: bigint;
  timestamp: bigint;
  /** What the peer says our address is (`host:port`); null when it left the field unspecified. */
  addressSeen: string | null;
  wantsAddrV2: boolean;
  wtxidRelay: boolean;
  /** The transport the connection speaks. */
  transport: 'v1' | 'v2';
  /** v2: the session id both ends derived (hex), to compare with the peer's `getpeerinfo`; null in v1. */
  sessionId: string | null;
}

/** Round-trip times of our pings, in ms. */
export interface Rtt {
  lastMs: number | null;
  minMs: number | null;
}

/** The last disconnect: why, the sentence for people, and whether the handshake had completed. */
export interface DisconnectRecord {
  reason: DisconnectReason;
  message: string;
  /** Whether the handshake had completed on the connection that ended. */
  established: boolean;
  /** How far the connection had come when it ended. */
  phase: ConnectionPhase;
}

/**
 * How far a connection had come: the socket not open yet, open but no version from the peer, the
 * peer's version in but not the whole handshake, the handshake done.
 */
export type ConnectionPhase = 'connecting' | 'awaiting-version' | 'handshaking' | 'connected';

/** What the peer machine remembers (its XState context). */
export interface PeerContext {
  options: PeerOptions;
  retries: number;
  maxRetries: number;
  /** Connection attempts made so far, across the machine's whole life. */
  attempts: number;
  backoffMs: number;
  nonce: bigint;
  remote: RemoteInfo | null;
  established: boolean;
  /** Whether this connection's socket has opened. */
  socketOpen: boolean;
  /** The transport of this connection: chosen when dialling, detected when accepting (null until then). */
  transport: 'v1' | 'v2' | null;
  /** A v2 dial went unanswered in v2: this peer is dialled in v1 from now on. */
  v1Fallback: boolean;
  /** v2: a byte of the peer's key has arrived on this connection. */
  peerResponded: boolean;
  /** v2: the session id both ends derived (hex, as Core's getpeerinfo shows it). */
  sessionId: string | null;
  pingNonce: bigint | null;
  pingSentAt: number | null;
  rtt: Rtt;
  lastDisconnect: DisconnectRecord | null;
  stopReason: StopReason | null;
  /** Whether this connection's `getaddr` has been answered. */
  getaddrAnswered: boolean;
}

/** An address heard from the peer, in one shape for `addr` and `addrv2`. */
export interface HeardAddress {
  network: AddrNetwork;
  host: string;
  port: number;
  services: bigint;
  /** Seconds since the epoch, as the sender claims. */
  time: number;
}

// ---- events the machine receives ------------------------------------------------------------

/** One event per decoded message: `payload.version`, `payload.ping`, ... */
export type PayloadEvent = { [K in Command]: { type: `payload.${K}`; payload: Payloads[K] } }[Command];

/** A well-formed message the codec does not decode (tx, block, ...). */
export interface UnknownPayloadEvent {
  type: 'payload.unknown';
  command: string;
  payload: Buffer;
}

/**
 * A run of messages read one after another whose commands the chart has no transition of its own
 * for (inventories, headers, transactions, …): one event for them all instead of one each, which
 * is most of what a flood of them costs. The traffic region tells the embedder of each, in order.
 */
export interface PayloadBatchEvent {
  type: 'payload.batch';
  /** The codec's run, emptied once the machine has handled it (when the next read starts): copy what you keep. */
  messages: readonly Message[];
}

/** What the socket actor reports: opened, bytes read, closed, failed, or its send buffer over the bound. */
export type SocketEvent =
  | { type: 'socket.connected'; localAddress: string; localPort: number }
  | { type: 'socket.data'; chunk: Buffer }
  | { type: 'socket.closed' }
  | { type: 'socket.error'; reason: DisconnectReason; message: string }
  | { type: 'socket.overflow'; buffered: number };

/** What the codec actor reports about the stream, beside the messages it decodes. */
export type CodecEvent =
  /** A message dropped on arrival (bad checksum, invalid command); the stream goes on. */
  | { type: 'codec.dropped'; error: ProtocolError }
  /** The stream cannot be trusted any more (wrong magic, oversized payload). */
  | { type: 'codec.fatal'; error: ProtocolError }
  /** A well-framed message whose payload does not decode; the stream goes on. */
  | { type: 'codec.undecodable'; error: ProtocolError }
  /** Inbound: the first bytes said which transport the peer speaks. */
  | { type: 'codec.detected'; transport: 'v1' | 'v2' }
  /** v2: the first byte of the peer's key arrived. */
  | { type: 'codec.peer-responded' }
  /** v2: the peer's version packet is authenticated; the session id (hex) is final. */
  | { type: 'codec.established'; sessionId: string };

/** What the embedder tells the peer machine. */
export type CommandEvent =
  | { type: 'CONNECT' }
  /** Stop; `reason` says why when it is not the user's choice (default `user-stop`). */
  | { type: 'STOP'; reason?: LocalReason }
  | { type: 'SEND'; message: OutgoingMessage };

/** Every event the peer machine hears: decoded payloads, the socket's and the codec's reports, and commands. */
export type PeerEvent = PayloadEvent | UnknownPayloadEvent | PayloadBatchEvent | SocketEvent | CodecEvent | CommandEvent;

// ---- what the machine tells its embedder (actor.on) -----------------------------------------

/**
 * A message read from the peer (`in`) or written to it (`out`): a union on `command`, so that
 * checking the command narrows the payload to that command's type (`m.command === 'headers'` gives
 * a `HeadersPayload`). A message the codec does not decode has `command: 'unknown'`, its wire
 * command in `name` and its payload as bytes (see `messageName`).
 */
export type PeerMessageEvent =
  | { [K in Command]: { type: 'message'; direction: 'in' | 'out'; command: K; payload: Payloads[K] } }[Command]
  | { type: 'message'; direction: 'in' | 'out'; command: 'unknown'; name: string; payload: Uint8Array };

/** What a peer tells its embedder (`actor.on(type, handler)`). */
export type PeerEmitted =
  | { type: 'state'; state: LifecycleState; retries: number; reason: DisconnectReason | null }
  | { type: 'handshake'; remote: RemoteInfo }
  | PeerMessageEvent
  | { type: 'addresses'; addresses: HeardAddress[]; command: 'addr' | 'addrv2' }
  | { type: 'rtt'; lastMs: number; minMs: number }
  | { type: 'dropped'; error: ProtocolError }
  | ({ type: 'disconnect' } & DisconnectRecord)
  | { type: 'send-rejected'; command: string; why: string };

/** Why a peer machine stopped: its final output. */
export interface PeerOutput {
  reason: StopReason;
  cause: DisconnectReason | null;
  retries: number;
}

// ---- the contracts of the invoked actors (implemented in src/actors) -------------------------

/** What the socket actor starts with. */
export interface SocketInput {
  host: string;
  port: number;
  role: PeerRole;
  maxSendBufferBytes: number;
  /** For the inbound role: the accepted socket, opaque to the machine. */
  accepted?: unknown;
  /** The peer's proxies (PeerOptions); when absent the socket actor's own options apply. */
  proxy?: ProxyEndpoint;
  onionProxy?: ProxyEndpoint;
  proxyRandomize?: boolean;
}

/**
 * What the peer machine (through the codec) tells its socket actor: bytes to write, and the
 * codec's `read`, which a socket actor should call right after each `socket.data` it reported has
 * been handled (it may ignore it: the codec then reads a microtask later). Reading then, when the
 * machine is idle, lets each message be handled before the next is decoded. Never call it from
 * inside an actor's step: `read` empties the run the codec handed over last, which the machine
 * must have handled by then.
 */
export type SocketCommand = { type: 'write'; bytes: Buffer } | { type: 'reader'; read: () => void };

/** What the codec actor starts with. */
export interface CodecInput {
  network: NetworkName;
  /** The transport to speak: `v1`, `v2` (we dial), `detect` (we accepted: the first bytes decide), `v1-only` (we accepted, v2 refused). */
  transport: 'v1' | 'v2' | 'detect' | 'v1-only';
  /**
   * The commands the chart has a transition of its own for: each comes as its own
   * `payload.<command>` event; runs of the others come as one `payload.batch`. Without it every
   * message is its own event.
   */
  handled?: ReadonlySet<string>;
}

/** What the codec writes to: the socket actor, or anything that takes its commands. */
export interface FrameSink {
  send(command: SocketCommand): void;
}

/** What the peer machine tells its codec actor. */
export type CodecCommand =
  | { type: 'bytes'; chunk: Buffer }
  /** An encoded payload to frame and write (the machine encodes, so it can refuse at once). */
  | { type: 'send'; command: string; payload: Buffer }
  /**
   * Connects the codec to the socket once it is open. Frames then go straight to the socket, in
   * the order the machine asked for them, even when the event that ends the session is already
   * waiting in the machine's queue (a pong for a ping read together with a broken frame).
   */
  | { type: 'link'; socket: FrameSink };

export type { VersionPayload };
