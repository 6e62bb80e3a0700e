// One accepted connection of a scripted peer: frames and decodes what arrives, keeps it, and writes what it is told.
import { decodePayload, encodeMessage, encodePayload, type OutgoingMessage } from '../../src/protocol/codec.js';
import { isProtocolError, ProtocolError } from '../../src/protocol/errors.js';
import { Wire, type WireEvent } from '../../src/protocol/wire.js';
import type { Message } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import type { Network } from '../../src/protocol/networks.js';
import { Inbox } from './inbox.js';
import { formatAddress, messageMatcher, plainHost, summarise } from './messages.js';
import type { Behaviour, MessageFor, PeerConnection, StreamSocket } from './types.js';

/** What a connection needs from the peer that accepted it. */
export interface ConnectionOwner<S extends StreamSocket> {
  readonly network: Network;
  /** 'host:port', for messages. */
  readonly address: string;
  readonly waitTimeoutMs: number;
  /** What the peer speaks: v1 only, or v2 too (detected from the first bytes). */
  readonly speaks: 'v1' | 'v2';
  /** Every decoded message, into the peer's own log. */
  record(message: Message): void;
  /** The behaviour's reaction to one decoded message. */
  script(conn: Connection<S>, message: Message): void;
}

/** A PeerConnection over any StreamSocket; the behaviour's state lives here, its script in script.ts. */
export class Connection<S extends StreamSocket> implements PeerConnection<S> {
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
  private readonly wire: Wire;
  sessionId: string | null = null;
  private readonly listeners = new Set<(message: Message) => void>();

  /** Starts reading `socket` at once; `id` counts from 1 per peer. */
  constructor(
    readonly id: number,
    readonly socket: S,
    readonly behaviour: Behaviour,
    private readonly peer: ConnectionOwner<S>,
  ) {
    this.remoteAddress = plainHost(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    this.wire = new Wire({ magic: peer.network.magic, mode: peer.speaks === 'v2' ? 'detect' : 'v1' });
    this.inbox = new Inbox(
      () =>
        `connection ${id} from ${formatAddress(this.remoteAddress, this.remotePort)} to ${peer.address}, ${summarise(this.received)}`,
    );
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

  get transport(): 'v1' | 'v2' | null {
    return this.wire.transport;
  }

  encode(message: OutgoingMessage): Buffer {
    return this.wire.transport === 'v2'
      ? this.wire.frame(message.command, encodePayload(message))
      : encodeMessage(this.peer.network.magic, message);
  }

  send(message: OutgoingMessage): boolean {
    const sent = this.sendRaw(this.encode(message));
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
    let events: readonly WireEvent[];
    try {
      events = this.wire.push(chunk);
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
      // The v2 handshake: what the transport must write, and the session it establishes.
      if (event.type === 'send') {
        this.sendRaw(event.bytes);
        continue;
      }
      if (event.type === 'established') {
        this.sessionId = event.sessionId.toString('hex');
        continue;
      }
      if (event.type === 'detected' || event.type === 'peer-responded') continue;
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
