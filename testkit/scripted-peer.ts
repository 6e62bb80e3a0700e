/**
 * Scripted Bitcoin peers over real loopback TCP, for tests.
 *
 * `startScriptedPeer` listens on a loopback address and plays a v1 P2P peer with a fixed script
 * (a `behaviour`): a well-behaved node, or one of the ways real peers break. Everything it
 * receives is decoded with our codec and kept, so tests can assert on what a client sent.
 * `connectRawClient` is the other end: a bare socket plus our Framer, for testing peers and for
 * tests that need a client without the real connection machinery.
 *
 * Only loopback addresses are accepted, ever. Timeouts here are real-time guards (from
 * `node:timers`, which Vitest's fake timers leave alone), never part of what is being tested.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import { decodePayload, encodeMessage, frame, type OutgoingMessage } from '../src/protocol/codec.js';
import { isProtocolError, ProtocolError } from '../src/protocol/errors.js';
import { type FrameEvent, Framer } from '../src/protocol/framer.js';
import { encodeHeader, HEADER_SIZE } from '../src/protocol/header.js';
import {
  MAX_ADDR_TO_SEND,
  MAX_PROTOCOL_MESSAGE_LENGTH,
  PROTOCOL_VERSION,
  Services,
  WTXID_RELAY_VERSION,
} from '../src/protocol/limits.js';
import type { AddrEntry } from '../src/protocol/messages/addr.js';
import type { AddrV2Entry } from '../src/protocol/messages/addrv2.js';
import type { Command, KnownMessage, Message, UnknownMessage } from '../src/protocol/messages/index.js';
import type { VersionPayload } from '../src/protocol/messages/version.js';
import { NETWORKS, type Network, type NetworkName } from '../src/protocol/networks.js';

// ---------------------------------------------------------------------------------------------
// Types

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

export const DEFAULT_WAIT_TIMEOUT_MS = 5000;
export const DEFAULT_SERVICES = Services.NETWORK | Services.WITNESS;
export const DEFAULT_USER_AGENT = '/scripted:0.1/';

export type AddressSource = readonly AddrEntry[] | ((conn: PeerConnection) => readonly AddrEntry[]);

export interface ScriptedPeerOptions {
  /** Loopback address to listen on; default '127.0.0.1'. Anything not loopback is refused. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default regtest. */
  network?: NetworkName | Network;
  /** Default 'normal'. */
  behaviour?: Behaviour;
  /** Fields of the `version` it sends, over the defaults; a function gets the connection. */
  version?: Partial<VersionPayload> | ((conn: PeerConnection) => Partial<VersionPayload>);
  /** Send `wtxidrelay` (if the remote announced >= 70016) and `sendaddrv2` before `verack`. */
  negotiate?: boolean;
  /** What `getaddr` is answered with; default none (an empty `addr`). */
  addresses?: AddressSource;
  /** Answer `getaddr` with `addrv2` when the remote sent `sendaddrv2`. */
  addrv2?: boolean;
  /** Runs for every accepted connection, before any of its bytes are read, with any behaviour. */
  onConnection?: (conn: PeerConnection) => void;
  /** Default timeout of every `waitFor`/`waitForConnection`; default 5000 ms. */
  waitTimeoutMs?: number;
}

export interface PeerConnection {
  /** 1, 2, … in order of acceptance on this peer. */
  readonly id: number;
  readonly socket: net.Socket;
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

export interface ScriptedPeer {
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
  readonly accepted: readonly PeerConnection[];
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
  waitForConnection(timeoutMs?: number): Promise<PeerConnection>;
  /** Behaviour for connections accepted from now on. */
  setBehaviour(behaviour: Behaviour): void;
  /** Replaces the `getaddr` answer for future requests. */
  setAddresses(addresses: AddressSource): void;
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

// ---------------------------------------------------------------------------------------------
// Helpers

/** Every address in 127.0.0.0/8, and ::1 (also as ::ffff:127.x.y.z). */
export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === '::1' || h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  return net.isIPv4(v4) && v4.split('.')[0] === '127';
}

function assertLoopback(host: string): void {
  if (!isLoopback(host))
    throw new Error(`test peers only use loopback addresses, not ${JSON.stringify(host)}`);
}

export const resolveNetwork = (network: NetworkName | Network | undefined): Network =>
  network === undefined ? NETWORKS.regtest : typeof network === 'string' ? NETWORKS[network] : network;

export const formatAddress = (host: string, port: number): string =>
  net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;

const randomNonce = (): bigint => randomBytes(8).readBigUInt64LE();

const plainHost = (host: string | undefined): string =>
  host === undefined ? '::' : host.startsWith('::ffff:') && net.isIPv4(host.slice(7)) ? host.slice(7) : host;

/** A complete `version` payload from defaults, `overrides` on top. */
export function makeVersion(
  overrides: Partial<VersionPayload> = {},
  remote: { host?: string; port?: number } = {},
): VersionPayload {
  const services = overrides.services ?? DEFAULT_SERVICES;
  return {
    version: PROTOCOL_VERSION,
    services,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    receiver: { services: 0n, host: plainHost(remote.host), port: remote.port ?? 0 },
    sender: { services, host: '::', port: 0 },
    nonce: randomNonce(),
    userAgent: DEFAULT_USER_AGENT,
    startHeight: 0,
    relay: true,
    ...overrides,
  };
}

const toAddrV2 = (a: AddrEntry): AddrV2Entry => {
  const v4 = net.isIPv4(a.host);
  return {
    time: a.time,
    services: a.services,
    network: v4 ? 'ipv4' : 'ipv6',
    networkId: v4 ? 1 : 2,
    host: a.host,
    port: a.port,
  };
};

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Waiter<T> {
  match: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
}

/**
 * A log of items with promise-based waiting: `waitFor` first searches what is already there,
 * then waits for later items, until a real-time timeout or until the inbox is closed.
 */
export class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();
  private closedWith: Error | null = null;

  constructor(private readonly describe: () => string) {}

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      let matched: boolean;
      try {
        matched = waiter.match(item);
      } catch (error) {
        waiter.reject(error as Error);
        continue;
      }
      if (matched) waiter.resolve(item);
    }
  }

  /** Rejects every pending and future unmatched wait with `error`. */
  close(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }

  wait(match: (item: T) => boolean, timeoutMs: number, label: string): Promise<T> {
    try {
      const found = this.items.find(match);
      if (found !== undefined) return Promise.resolve(found);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closedWith) {
      return Promise.reject(new Error(`${label}: ${this.closedWith.message} (${this.describe()})`));
    }
    const promise = new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter<T> = {
        match,
        resolve: (item) => {
          done();
          resolve(item);
        },
        reject: (error) => {
          done();
          reject(new Error(`${label}: ${error.message} (${this.describe()})`));
        },
      };
      const timer = setTimeout(() => {
        waiter.reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
    // A wait is often set up before the action that should satisfy it and awaited after; if it
    // fails in between, that is not an unhandled rejection. Whoever awaits it still gets the error.
    promise.catch(() => {});
    return promise;
  }
}

const messageMatcher =
  <C extends string>(command: C, predicate?: (message: MessageFor<C>) => boolean) =>
  (message: Message): boolean =>
    message.command === command && (predicate === undefined || predicate(message as MessageFor<C>));

const summarise = (messages: readonly Message[]): string => {
  const commands = messages.map((m) => m.command);
  const shown = commands.slice(-20).join(', ');
  return `received ${commands.length} message(s)${commands.length > 0 ? `: ${commands.length > 20 ? '…, ' : ''}${shown}` : ''}`;
};

// ---------------------------------------------------------------------------------------------
// Connection

class Connection implements PeerConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly protocolErrors: ProtocolError[] = [];
  readonly socketErrors: Error[] = [];
  remoteVersion: VersionPayload | undefined;
  localVersion: VersionPayload | undefined;
  remoteWantsAddrv2 = false;
  sentVerack = false;
  receivedVerack = false;
  isClosed = false;
  isReading = true;
  readonly closed: Promise<void>;
  private readonly inbox: Inbox<Message>;
  private readonly framer: Framer;
  private readonly listeners = new Set<(message: Message) => void>();

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    readonly behaviour: Behaviour,
    private readonly peer: Peer,
  ) {
    this.remoteAddress = plainHost(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.framer = new Framer(peer.network.magic);
    this.inbox = new Inbox(
      () =>
        `connection ${id} from ${formatAddress(this.remoteAddress, this.remotePort)} to ${peer.address}, ${summarise(this.received)}`,
    );
    socket.setNoDelay(true);
    socket.on('error', (error) => {
      this.socketErrors.push(error);
    });
    this.closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        this.inbox.close(new Error('connection closed'));
        resolve();
      });
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  get received(): Message[] {
    return this.inbox.items;
  }

  get handshakeComplete(): boolean {
    return (
      this.remoteVersion !== undefined &&
      this.localVersion !== undefined &&
      this.sentVerack &&
      this.receivedVerack
    );
  }

  private get writable(): boolean {
    return !this.socket.destroyed && !this.socket.writableEnded;
  }

  send(message: OutgoingMessage): boolean {
    const sent = this.sendRaw(encodeMessage(this.peer.network.magic, message));
    // Hand-written scripts ('manual', onConnection) get handshake tracking too.
    if (sent && !('unknown' in message)) {
      if (message.command === 'version') this.localVersion ??= message.payload;
      if (message.command === 'verack') this.sentVerack = true;
    }
    return sent;
  }

  sendRaw(bytes: Uint8Array): boolean {
    if (!this.writable) return false;
    this.socket.write(bytes);
    return true;
  }

  close(): void {
    if (this.writable) this.socket.end();
  }

  destroy(): void {
    if (this.socket.destroyed) return;
    if (
      this.socket.readyState === 'open' ||
      this.socket.readyState === 'readOnly' ||
      this.socket.readyState === 'writeOnly'
    ) {
      this.socket.resetAndDestroy();
    } else {
      this.socket.destroy();
    }
  }

  pauseReading(): void {
    this.isReading = false;
    this.socket.pause();
  }

  resumeReading(): void {
    this.isReading = true;
    this.socket.resume();
  }

  waitFor<C extends string>(
    command: C,
    predicate?: (message: MessageFor<C>) => boolean,
    timeoutMs = this.peer.waitTimeoutMs,
  ): Promise<MessageFor<C>> {
    return this.inbox.wait(
      messageMatcher(command, predicate),
      timeoutMs,
      `waiting for ${command}`,
    ) as Promise<MessageFor<C>>;
  }

  onMessage(listener: (message: Message) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onData(chunk: Buffer): void {
    let events: FrameEvent[];
    try {
      events = this.framer.push(chunk);
    } catch (error) {
      // The framer never throws by contract; if it does, treat it as a broken stream.
      this.protocolErrors.push(
        isProtocolError(error) ? error : new ProtocolError('invalid-field', (error as Error).message),
      );
      this.socket.destroy();
      return;
    }
    for (const event of events) {
      if (this.socket.destroyed) return;
      if (event.type === 'fatal') {
        this.protocolErrors.push(event.error);
        // What Bitcoin Core does on bad magic or an oversized header: disconnect at once.
        this.socket.destroy();
        return;
      }
      if (event.type === 'dropped') {
        this.protocolErrors.push(event.error);
        continue;
      }
      let message: Message;
      try {
        // Copy: the framer may hand out views into the socket's chunk.
        message = decodePayload(event.command, Buffer.from(event.payload));
      } catch (error) {
        this.protocolErrors.push(
          isProtocolError(error)
            ? error
            : new ProtocolError('invalid-field', (error as Error).message, event.command),
        );
        continue;
      }
      this.inbox.push(message);
      this.peer.record(message);
      this.peer.script(this, message);
      for (const listener of [...this.listeners]) listener(message);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scripts

const isOneOf = (b: Behaviour, ...list: Behaviour[]): boolean => list.includes(b);

/** Behaviours that run the normal handshake. */
const HANDSHAKING: Behaviour[] = [
  'normal',
  'close-mid-message',
  'bad-checksum',
  'old-version',
  'no-pong',
  'echo-nonce',
  'no-read',
];
/** Behaviours that keep answering ping and getaddr after the handshake. */
const ANSWERING: Behaviour[] = ['normal', 'bad-checksum', 'old-version', 'echo-nonce'];

function otherMagic(network: Network): Buffer {
  return network.name === 'mainnet' ? NETWORKS.testnet3.magic : NETWORKS.mainnet.magic;
}

function garbage(magic: Buffer): Buffer {
  const bytes = randomBytes(256);
  // Random bytes start with the magic once in 2^32 tries; make "garbage" mean garbage every time.
  if (bytes.subarray(0, 4).equals(magic)) bytes[0] = (bytes[0]! + 1) & 0xff;
  return bytes;
}

/**
 * A server's 'close' event comes (on nextTick) before libuv has released its handle, which
 * happens in the loop's close phase; two check-phase hops are always past that close phase.
 */
async function handlesReleased(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

// ---------------------------------------------------------------------------------------------
// Peer

class Peer implements ScriptedPeer {
  readonly host: string;
  port: number;
  readonly network: Network;
  readonly waitTimeoutMs: number;
  behaviour: Behaviour;
  isClosed = false;
  private addresses: AddressSource;
  private readonly all: Connection[] = [];
  private readonly open = new Set<Connection>();
  private readonly inbox: Inbox<Message>;
  private readonly connectionInbox: Inbox<Connection>;
  private claimed = 0;
  private server: net.Server | null = null;
  private readonly servers = new Set<net.Server>();
  private closing: Promise<void> | null = null;

  constructor(private readonly options: ScriptedPeerOptions) {
    this.host = options.host ?? '127.0.0.1';
    assertLoopback(this.host);
    this.port = options.port ?? 0;
    this.network = resolveNetwork(options.network);
    this.behaviour = options.behaviour ?? 'normal';
    if (!BEHAVIOURS.includes(this.behaviour))
      throw new Error(`unknown behaviour ${JSON.stringify(this.behaviour)}`);
    this.addresses = options.addresses ?? [];
    this.waitTimeoutMs = options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    this.inbox = new Inbox(() => `peer ${this.address} (${this.behaviour}), ${summarise(this.received)}`);
    this.connectionInbox = new Inbox(() => `peer ${this.address}, ${this.all.length} connection(s) accepted`);
  }

  get address(): string {
    return formatAddress(this.host, this.port);
  }

  get connections(): number {
    return this.all.length;
  }

  get sockets(): number {
    return this.open.size;
  }

  get accepted(): readonly PeerConnection[] {
    return this.all;
  }

  get received(): Message[] {
    return this.inbox.items;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  record(message: Message): void {
    this.inbox.push(message);
  }

  waitFor<C extends string>(
    command: C,
    predicate?: (message: MessageFor<C>) => boolean,
    timeoutMs = this.waitTimeoutMs,
  ): Promise<MessageFor<C>> {
    return this.inbox.wait(
      messageMatcher(command, predicate),
      timeoutMs,
      `waiting for ${command}`,
    ) as Promise<MessageFor<C>>;
  }

  waitForConnection(timeoutMs = this.waitTimeoutMs): Promise<PeerConnection> {
    const index = this.claimed++;
    return this.connectionInbox.wait(
      (c) => c.id === index + 1,
      timeoutMs,
      `waiting for connection #${index + 1}`,
    );
  }

  setBehaviour(behaviour: Behaviour): void {
    if (!BEHAVIOURS.includes(behaviour)) throw new Error(`unknown behaviour ${JSON.stringify(behaviour)}`);
    this.behaviour = behaviour;
  }

  setAddresses(addresses: AddressSource): void {
    this.addresses = addresses;
  }

  async listen(): Promise<void> {
    if (this.isClosed) throw new Error(`peer ${this.address} is closed`);
    if (this.server) return;
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen({ host: this.host, port: this.port }, () => {
          server.off('error', onError);
          resolve();
        });
      });
    } catch (error) {
      this.servers.delete(server);
      server.close();
      throw error;
    }
    // After listening, server errors (there are hardly any) are recorded, never thrown.
    server.on('error', () => {});
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  listenAgain(): Promise<void> {
    return this.listen();
  }

  async stopListening(options: { keepConnections?: boolean } = {}): Promise<void> {
    const server = this.server;
    this.server = null;
    // close() releases the port at once; its callback waits for the server's connections to end.
    const done = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    if (!options.keepConnections) {
      // Also drops connections kept by an earlier stopListening({ keepConnections: true }).
      await this.destroyAll();
      await done;
    }
    await handlesReleased();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.isClosed = true;
      this.server = null;
      // Every server not yet closed, including one stopped with keepConnections and still
      // draining: close(cb) runs cb on its 'close' event, which comes once its sockets are gone.
      const servers = [...this.servers].map(
        (server) => new Promise<void>((resolve) => server.close(() => resolve())),
      );
      await this.destroyAll();
      await Promise.all(servers);
      await handlesReleased();
      this.inbox.close(new Error('peer closed'));
      this.connectionInbox.close(new Error('peer closed'));
    })();
    return this.closing;
  }

  private async destroyAll(): Promise<void> {
    const open = [...this.open];
    for (const conn of open) conn.socket.destroy();
    await Promise.all(open.map((c) => c.closed));
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.isClosed) {
      socket.destroy();
      return;
    }
    const conn = new Connection(this.all.length + 1, socket, this.behaviour, this);
    this.all.push(conn);
    this.open.add(conn);
    void conn.closed.then(() => this.open.delete(conn));
    this.onAccept(conn);
    this.options.onConnection?.(conn);
    this.connectionInbox.push(conn);
  }

  private onAccept(conn: Connection): void {
    switch (conn.behaviour) {
      case 'close-on-accept':
        conn.socket.destroy();
        break;
      case 'garbage':
        conn.sendRaw(garbage(this.network.magic));
        break;
      default:
        break;
    }
  }

  private versionFor(conn: Connection, remote: VersionPayload): VersionPayload {
    const configured =
      typeof this.options.version === 'function' ? this.options.version(conn) : this.options.version;
    const version = makeVersion(configured, { host: conn.remoteAddress, port: conn.remotePort });
    if (conn.behaviour === 'old-version') version.version = OLD_PROTOCOL_VERSION;
    if (conn.behaviour === 'echo-nonce') version.nonce = remote.nonce;
    return version;
  }

  /** The automatic part of a connection: reacts to each message according to the behaviour. */
  script(conn: Connection, message: Message): void {
    const b = conn.behaviour;
    if (message.command === 'version' && !('unknown' in message)) {
      if (conn.remoteVersion) return; // duplicate version: ignored, as Core does
      conn.remoteVersion = message.payload;
      this.onRemoteVersion(conn, message.payload);
      return;
    }
    if (message.command === 'sendaddrv2') conn.remoteWantsAddrv2 = true;
    if (message.command === 'verack') {
      if (conn.receivedVerack) return;
      conn.receivedVerack = true;
      if (conn.handshakeComplete) this.onHandshake(conn);
      return;
    }
    if (!isOneOf(b, ...ANSWERING) || !conn.handshakeComplete) return;
    if (message.command === 'ping' && !('unknown' in message)) {
      conn.send({ command: 'pong', payload: { nonce: message.payload.nonce } });
    } else if (message.command === 'getaddr') {
      this.sendAddresses(conn);
    }
  }

  private onRemoteVersion(conn: Connection, remote: VersionPayload): void {
    const b = conn.behaviour;
    const magic = this.network.magic;
    switch (b) {
      case 'close-after-version':
        conn.socket.destroy();
        return;
      case 'wrong-magic': {
        const version = this.versionFor(conn, remote);
        conn.localVersion = version;
        conn.sendRaw(encodeMessage(otherMagic(this.network), { command: 'version', payload: version }));
        return;
      }
      case 'oversized':
        conn.sendRaw(encodeHeader(magic, 'version', OVERSIZED_LENGTH, Buffer.alloc(4)));
        return;
      case 'malformed-version': {
        const full = encodeMessage(magic, { command: 'version', payload: this.versionFor(conn, remote) });
        const payload = full.subarray(HEADER_SIZE, HEADER_SIZE + MALFORMED_VERSION_LENGTH);
        conn.sendRaw(frame(magic, 'version', payload));
        return;
      }
      default:
        break;
    }
    if (!isOneOf(b, ...HANDSHAKING)) return;
    conn.send({ command: 'version', payload: this.versionFor(conn, remote) });
    if (this.options.negotiate) {
      if (remote.version >= WTXID_RELAY_VERSION) conn.send({ command: 'wtxidrelay', payload: {} });
      conn.send({ command: 'sendaddrv2', payload: {} });
    }
    conn.send({ command: 'verack', payload: {} });
    if (conn.handshakeComplete) this.onHandshake(conn);
  }

  private onHandshake(conn: Connection): void {
    const magic = this.network.magic;
    switch (conn.behaviour) {
      case 'close-mid-message': {
        const ping = encodeMessage(magic, { command: 'ping', payload: { nonce: randomNonce() } });
        conn.sendRaw(ping.subarray(0, HEADER_SIZE + 4));
        conn.close();
        break;
      }
      case 'bad-checksum': {
        const bad = encodeMessage(magic, { command: 'ping', payload: { nonce: BAD_CHECKSUM_PING_NONCE } });
        bad[20] = bad[20]! ^ 0xff;
        const good = encodeMessage(magic, { command: 'ping', payload: { nonce: VALID_PING_NONCE } });
        conn.sendRaw(Buffer.concat([bad, good]));
        break;
      }
      case 'no-read':
        conn.pauseReading();
        break;
      default:
        break;
    }
  }

  private sendAddresses(conn: Connection): void {
    const source = this.addresses;
    const entries = typeof source === 'function' ? source(conn) : source;
    const batches = entries.length === 0 ? [[]] : chunks(entries, MAX_ADDR_TO_SEND);
    for (const batch of batches) {
      if (this.options.addrv2 && conn.remoteWantsAddrv2) {
        conn.send({ command: 'addrv2', payload: { addresses: batch.map(toAddrV2) } });
      } else {
        conn.send({ command: 'addr', payload: { addresses: batch.map((a) => ({ ...a })) } });
      }
    }
  }
}

/** Starts a scripted peer listening on loopback; resolves once it accepts connections. */
export async function startScriptedPeer(options: ScriptedPeerOptions = {}): Promise<ScriptedPeer> {
  const peer = new Peer(options);
  await peer.listen();
  return peer;
}

// ---------------------------------------------------------------------------------------------
// Raw client

export type ClientEvent =
  | { type: 'message'; message: Message }
  | { type: 'dropped'; command: string; error: ProtocolError }
  /** A complete frame whose payload did not decode. */
  | { type: 'invalid'; command: string; error: ProtocolError }
  | { type: 'fatal'; error: ProtocolError };

export interface RawClientOptions {
  network?: NetworkName | Network;
  /** Destroy the socket on a fatal framing error, as Bitcoin Core does; default true. */
  destroyOnFatal?: boolean;
  /** Answer every `ping` with `pong` automatically; default false. */
  autoPong?: boolean;
  waitTimeoutMs?: number;
}

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

/** 'host:port' or '[v6]:port' into parts. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!match) throw new Error(`not a host:port address: ${JSON.stringify(address)}`);
  return { host: match[1]!, port: Number(match[2]) };
}
