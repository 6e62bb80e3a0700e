// The scripted peer's vocabulary: behaviours, their constants, options, and the peer and connection interfaces.
import type net from 'node:net';
import type { OutgoingMessage } from '../../src/protocol/codec.js';
import type { ProtocolError } from '../../src/protocol/errors.js';
import { MAX_PROTOCOL_MESSAGE_LENGTH, Services } from '../../src/protocol/limits.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import type { Command, KnownMessage, Message, UnknownMessage } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import type { Network, NetworkName } from '../../src/protocol/networks.js';

/** The automatic script a scripted peer runs on every connection it accepts. */
export type Behaviour =
  /** Waits for `version`, answers version (+ wtxidrelay/sendaddrv2 if `negotiate`) + verack; pong, addr. */
  | 'normal'
  /** Nothing automatic: the `onConnection` hook does everything. */
  | 'manual'
  /** Destroys the socket as soon as it is accepted. */
  | 'close-on-accept'
  /** Reads the remote `version`, then destroys the socket without answering. */
  | 'close-after-version'
  /** Completes the handshake, writes half a `ping` frame, then ends the connection. */
  | 'close-mid-message'
  /** Writes 256 random bytes (never starting with the network magic) on accept; then only reads. */
  | 'garbage'
  /** Answers the remote `version` with a `version` framed with another network's magic (mainnet). */
  | 'wrong-magic'
  /** Answers the remote `version` with a header announcing MAX_PROTOCOL_MESSAGE_LENGTH + 1 bytes. */
  | 'oversized'
  /** Normal handshake, then a ping with a corrupted checksum followed by a valid ping. */
  | 'bad-checksum'
  /** Answers the remote `version` with a `version` whose payload is cut to 10 bytes (valid checksum). */
  | 'malformed-version'
  /** Like 'normal' but announces protocol version 60000. */
  | 'old-version'
  /** Accepts and reads, never writes. */
  | 'silent'
  /** Normal handshake, then answers nothing (no pong, no addr). */
  | 'no-pong'
  /** Like 'normal' but its `version` carries the nonce the remote sent: what a self-connection looks like. */
  | 'echo-nonce'
  /** Completes the handshake, then stops reading forever, so the remote's send buffer fills. */
  | 'no-read';

/** Every behaviour, for validation and for tests that walk them all. */
export const BEHAVIOURS: readonly Behaviour[] = [
  'normal',
  'manual',
  'close-on-accept',
  'close-after-version',
  'close-mid-message',
  'garbage',
  'wrong-magic',
  'oversized',
  'bad-checksum',
  'malformed-version',
  'old-version',
  'silent',
  'no-pong',
  'echo-nonce',
  'no-read',
];

/** The message type `waitFor(command)` resolves with: narrowed for known commands. */
export type MessageFor<C extends string> = string extends C
  ? Message
  : C extends Command
    ? Extract<KnownMessage, { command: C }>
    : UnknownMessage;

/** 'bad-checksum': nonce of the ping sent with a corrupted checksum (a client must drop it). */
export const BAD_CHECKSUM_PING_NONCE = 0xbad0bad0bad0bad0n;
/** 'bad-checksum': nonce of the valid ping sent right after it (a client should answer it). */
export const VALID_PING_NONCE = 0x600d600d600d600dn;
/** 'old-version': the protocol version announced. */
export const OLD_PROTOCOL_VERSION = 60000;
/** 'malformed-version': bytes of the version payload actually sent. */
export const MALFORMED_VERSION_LENGTH = 10;
/** 'oversized': the payload length the header announces. */
export const OVERSIZED_LENGTH = MAX_PROTOCOL_MESSAGE_LENGTH + 1;

/** Real-time guard of every wait, unless an option or argument says otherwise. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000;
/** The services a scripted peer announces by default: NODE_NETWORK | NODE_WITNESS. */
export const DEFAULT_SERVICES = Services.NETWORK | Services.WITNESS;
/** The user agent a scripted peer announces by default. */
export const DEFAULT_USER_AGENT = '/scripted:0.1/';

/**
 * The part of a `net.Socket` a scripted connection uses, so that one can run over TCP or over one
 * end of an in-memory connection (testkit/memory-transport) alike.
 */
export interface StreamSocket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly readyState: string;
  write(bytes: Uint8Array): boolean;
  end(): unknown;
  destroy(): unknown;
  resetAndDestroy(): unknown;
  pause(): unknown;
  resume(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** The `getaddr` answer: fixed, or chosen per connection. */
export type AddressSource<S extends StreamSocket = net.Socket> =
  | readonly AddrEntry[]
  | ((conn: PeerConnection<S>) => readonly AddrEntry[]);

/** How a scripted peer is set up; `S` is the socket type of its transport (TCP by default). */
export interface ScriptedPeerOptions<S extends StreamSocket = net.Socket> {
  /** Address to listen on; default '127.0.0.1'. Over TCP anything not loopback is refused. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default regtest. */
  network?: NetworkName | Network;
  /** Default 'normal'. */
  behaviour?: Behaviour;
  /** Fields of the `version` it sends, over the defaults; a function gets the connection. */
  version?: Partial<VersionPayload> | ((conn: PeerConnection<S>) => Partial<VersionPayload>);
  /** Send `wtxidrelay` (if the remote announced >= 70016) and `sendaddrv2` before `verack`. */
  negotiate?: boolean;
  /** What `getaddr` is answered with; default none (an empty `addr`). */
  addresses?: AddressSource<S>;
  /** Answer `getaddr` with `addrv2` when the remote sent `sendaddrv2`. */
  addrv2?: boolean;
  /**
   * The block headers it has on top of the network's genesis (raw 80 bytes each), served to
   * `getheaders` as Core serves them: the headers after the first locator hash it knows, up to
   * `headersPerMessage`, and an empty `headers` when it has nothing more. Its `version` then
   * announces their count as its start height, unless `version` says otherwise. `'silent'`: it
   * never answers `getheaders`. Default: no headers (every `getheaders` gets an empty answer).
   */
  headers?: readonly Buffer[] | 'silent';
  /** Headers per `headers` message; default 2000 (Core's MAX_HEADERS_RESULTS). */
  headersPerMessage?: number;
  /**
   * Raw blocks it serves (behaviours that answer after the handshake): a `getdata` for one of them
   * (`MSG_BLOCK` or `MSG_WITNESS_BLOCK`) gets its bytes as given; any other block gets silence, as
   * from Core.
   */
  blocks?: readonly Uint8Array[];
  /** Answers an `inv` of transactions with a `getdata` for them, as Core does (at once, not seconds later). */
  requestTransactions?: boolean;
  /** Runs for every accepted connection, before any of its bytes are read, with any behaviour. */
  onConnection?: (conn: PeerConnection<S>) => void;
  /** Default timeout of every `waitFor`/`waitForConnection`; default 5000 ms. */
  waitTimeoutMs?: number;
  /**
   * `v1` (default): a v1-only node, which reads a BIP324 key as bad magic and hangs up; `v2`: a
   * node that, like Core 29, reads the first bytes and answers a v2 initiator in v2.
   */
  transport?: 'v1' | 'v2';
}

/** One accepted connection of a scripted peer. */
export interface PeerConnection<S extends StreamSocket = net.Socket> {
  /** The transport of this connection: `v1`, `v2`, or null while its first bytes have not said. */
  readonly transport: 'v1' | 'v2' | null;
  /** v2: the session id both ends derived (hex), once established. */
  readonly sessionId: string | null;
  /** 1, 2, … in order of acceptance on this peer. */
  readonly id: number;
  readonly socket: S;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The behaviour this connection was accepted with. */
  readonly behaviour: Behaviour;
  /** Every message received on this connection, decoded; unknown commands kept as bytes. */
  readonly received: Message[];
  /** Dropped frames (bad checksum, bad command), payloads that failed to decode, fatal framing errors. */
  readonly protocolErrors: ProtocolError[];
  /** Socket errors (ECONNRESET, …): recorded, never thrown. */
  readonly socketErrors: Error[];
  /** The remote's first `version`, once received. */
  readonly remoteVersion: VersionPayload | undefined;
  /** The `version` this peer sent, if it sent one. */
  readonly localVersion: VersionPayload | undefined;
  /** The remote sent `sendaddrv2` (before or after verack, whatever it did). */
  readonly remoteWantsAddrv2: boolean;
  /** Both versions exchanged, our verack sent and the remote's received. */
  readonly handshakeComplete: boolean;
  readonly isClosed: boolean;
  readonly isReading: boolean;
  /** Resolves when the socket has closed (never rejects). */
  readonly closed: Promise<void>;
  /** Frames and writes a message; false (and nothing written) once the socket is ending or closed. */
  send(message: OutgoingMessage): boolean;
  /**
   * The bytes `send` would write, in this connection's transport, without writing them (v2: the
   * packet counter moves on, as if it had been sent): for tests that damage a real frame.
   */
  encode(message: OutgoingMessage): Buffer;
  /** Writes bytes as they are; false once the socket is ending or closed. */
  sendRaw(bytes: Uint8Array): boolean;
  /** Graceful end (FIN after pending writes). */
  close(): void;
  /** Abortive close: RST, pending writes discarded. */
  destroy(): void;
  /** Stops reading from the socket: the kernel buffers fill, then the remote's send buffer. */
  pauseReading(): void;
  resumeReading(): void;
  /** First message with this command (and matching `predicate`) received or arriving later. */
  waitFor<C extends string>(
    command: C,
    predicate?: (message: MessageFor<C>) => boolean,
    timeoutMs?: number,
  ): Promise<MessageFor<C>>;
  /** Calls `listener` for every message received from now on; returns an unsubscribe function. */
  onMessage(listener: (message: Message) => void): () => void;
}

/** A listening scripted peer and what it has seen. */
export interface ScriptedPeer<S extends StreamSocket = net.Socket> {
  readonly host: string;
  readonly port: number;
  /** 'host:port' */
  readonly address: string;
  readonly network: Network;
  /** The behaviour future connections get. */
  readonly behaviour: Behaviour;
  /** Connections accepted so far (including closed ones). */
  readonly connections: number;
  /** Connections currently open. */
  readonly sockets: number;
  /** Every connection accepted so far, in order. */
  readonly accepted: readonly PeerConnection<S>[];
  /** All messages from all connections, in arrival order. */
  readonly received: Message[];
  readonly listening: boolean;
  readonly isClosed: boolean;
  waitFor<C extends string>(
    command: C,
    predicate?: (message: MessageFor<C>) => boolean,
    timeoutMs?: number,
  ): Promise<MessageFor<C>>;
  /**
   * The first accepted connection not yet handed out by an earlier call: already accepted, or the
   * next one to arrive.
   */
  waitForConnection(timeoutMs?: number): Promise<PeerConnection<S>>;
  /** Behaviour for connections accepted from now on. */
  setBehaviour(behaviour: Behaviour): void;
  /** Replaces the `getaddr` answer for future requests. */
  setAddresses(addresses: AddressSource<S>): void;
  /** Headers sent in answer to `getheaders` so far, over every connection. */
  readonly headersServed: number;
  /** Replaces the chain served to later `getheaders` (new blocks, a reorg), or silences it. */
  setHeaders(headers: readonly Buffer[] | 'silent'): void;
  /**
   * Stops accepting (the port refuses connections). Open connections are destroyed too — a host
   * going down — unless `keepConnections`.
   */
  stopListening(options?: { keepConnections?: boolean }): Promise<void>;
  /** Listens again on the same host and port. */
  listenAgain(): Promise<void>;
  /** Closes the server(s) and destroys every socket; resolves when all handles are gone. Idempotent. */
  close(): Promise<void>;
}

/** One listening address of a transport, as the scripted peer sees it. */
export interface PeerListener {
  readonly port: number;
  /** Stops accepting; resolves once every connection it accepted has ended. Idempotent. */
  close(): Promise<void>;
}

/** What a scripted peer listens through: loopback TCP (tcp.ts) or a memory network (memory.ts). */
export interface PeerTransport<S extends StreamSocket> {
  /** Starts accepting on host:port (0: a free port); resolves once it does. */
  listen(host: string, port: number, accept: (socket: S) => void): Promise<PeerListener>;
  /** Resolves once closed listeners and sockets have let go of whatever the transport holds. */
  released(): Promise<void>;
}
