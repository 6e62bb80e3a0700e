// The scripted peer itself: listens through a transport, accepts connections, hands them their script, keeps what they saw.
import type { Message } from '../../src/protocol/messages/index.js';
import type { Network } from '../../src/protocol/networks.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { Inbox } from './inbox.js';
import { HeaderServer } from './headers.js';
import { formatAddress, messageMatcher, resolveNetwork, summarise } from './messages.js';
import { BehaviourScript } from './script.js';
import {
  type AddressSource,
  type Behaviour,
  BEHAVIOURS,
  DEFAULT_WAIT_TIMEOUT_MS,
  type MessageFor,
  type PeerConnection,
  type PeerListener,
  type PeerTransport,
  type ScriptedPeer,
  type ScriptedPeerOptions,
  type StreamSocket,
} from './types.js';

/**
 * A ScriptedPeer over any transport (tcp.ts, memory.ts): one listener at a time, every connection
 * it accepts run by the behaviour current at acceptance, every message kept.
 */
export class Peer<S extends StreamSocket> implements ScriptedPeer<S>, ConnectionOwner<S> {
  readonly host: string;
  port: number;
  readonly network: Network;
  readonly speaks: 'v1' | 'v2';
  readonly waitTimeoutMs: number;
  behaviour: Behaviour;
  isClosed = false;
  private addresses: AddressSource<S>;
  private headerServer: HeaderServer | null;
  private servedBefore = 0;
  private readonly behaviours: BehaviourScript<S>;
  private readonly all: Connection<S>[] = [];
  private readonly open = new Set<Connection<S>>();
  private readonly inbox: Inbox<Message>;
  private readonly connectionInbox: Inbox<Connection<S>>;
  private claimed = 0;
  private listener: PeerListener | null = null;
  /** Listeners not yet closed, including one stopped with keepConnections and still draining. */
  private readonly listeners = new Set<PeerListener>();
  private closing: Promise<void> | null = null;

  /** Not listening yet: call `listen()`. */
  constructor(
    private readonly transport: PeerTransport<S>,
    private readonly options: ScriptedPeerOptions<S>,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.network = resolveNetwork(options.network);
    this.speaks = options.transport ?? 'v1';
    this.behaviour = options.behaviour ?? 'normal';
    if (!BEHAVIOURS.includes(this.behaviour))
      throw new Error(`unknown behaviour ${JSON.stringify(this.behaviour)}`);
    this.addresses = options.addresses ?? [];
    this.headerServer = this.serverFor(options.headers ?? []);
    this.behaviours = new BehaviourScript(this.network, options, () => this.addresses, () => this.headerServer);
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

  get accepted(): readonly PeerConnection<S>[] {
    return this.all;
  }

  get received(): Message[] {
    return this.inbox.items;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  record(message: Message): void {
    this.inbox.push(message);
  }

  script(conn: Connection<S>, message: Message): void {
    this.behaviours.react(conn, message);
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

  waitForConnection(timeoutMs = this.waitTimeoutMs): Promise<PeerConnection<S>> {
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

  setAddresses(addresses: AddressSource<S>): void {
    this.addresses = addresses;
  }

  get headersServed(): number {
    return this.servedBefore + (this.headerServer?.served ?? 0);
  }

  setHeaders(headers: readonly Buffer[] | 'silent'): void {
    this.servedBefore = this.headersServed;
    this.headerServer = this.serverFor(headers);
  }

  private serverFor(headers: readonly Buffer[] | 'silent'): HeaderServer | null {
    return headers === 'silent' ? null : new HeaderServer(this.network, headers, this.options.headersPerMessage);
  }

  /** Starts accepting on host and port (a free port the first time, when the port is 0). */
  async listen(): Promise<void> {
    if (this.isClosed) throw new Error(`peer ${this.address} is closed`);
    if (this.listener) return;
    const listener = await this.transport.listen(this.host, this.port, (socket) => this.accept(socket));
    this.listeners.add(listener);
    this.port = listener.port;
    this.listener = listener;
  }

  listenAgain(): Promise<void> {
    return this.listen();
  }

  async stopListening(options: { keepConnections?: boolean } = {}): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    const done = listener ? this.closeListener(listener) : Promise.resolve();
    if (!options.keepConnections) {
      // Also drops connections kept by an earlier stopListening({ keepConnections: true }).
      await this.destroyAll();
      await done;
    }
    await this.transport.released();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.isClosed = true;
      this.listener = null;
      const listeners = [...this.listeners].map((listener) => this.closeListener(listener));
      await this.destroyAll();
      await Promise.all(listeners);
      await this.transport.released();
      this.inbox.close(new Error('peer closed'));
      this.connectionInbox.close(new Error('peer closed'));
    })();
    return this.closing;
  }

  private closeListener(listener: PeerListener): Promise<void> {
    return listener.close().then(() => {
      this.listeners.delete(listener);
    });
  }

  private async destroyAll(): Promise<void> {
    const open = [...this.open];
    for (const conn of open) conn.socket.destroy();
    await Promise.all(open.map((c) => c.closed));
  }

  private accept(socket: S): void {
    socket.on('error', () => {});
    if (this.isClosed) {
      socket.destroy();
      return;
    }
    const conn = new Connection(this.all.length + 1, socket, this.behaviour, this);
    this.all.push(conn);
    this.open.add(conn);
    void conn.closed.then(() => this.open.delete(conn));
    this.behaviours.onAccept(conn);
    this.options.onConnection?.(conn);
    this.connectionInbox.push(conn);
  }
}
