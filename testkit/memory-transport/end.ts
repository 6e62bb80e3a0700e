// One end of an in-memory connection: bytes, closes and resets pass to the other end as over loopback TCP.
import { setImmediate } from 'node:timers';

/**
 * When what one end does reaches the other: `deferred` (the default) on a later turn of the event
 * loop, in order, as TCP does, so that no side re-enters the other; `immediate` before the call
 * returns, for exact and fast replays where the caller drives both sides itself.
 */
export type Delivery = 'deferred' | 'immediate';

/** A socket error as Node reports one: an Error with an errno-style `code` (ECONNRESET, ECONNREFUSED, …). */
export class MemorySocketError extends Error {
  override readonly name = 'MemorySocketError';

  /** `code` is what the socket actor maps to a disconnect reason; `message` is shown as Node shows it. */
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where an end is: `opening` until the other side accepts, `closed` once it will never pass bytes again. */
export type MemoryReadyState = 'opening' | 'open' | 'readOnly' | 'closed';

type Item =
  | { kind: 'open' }
  | { kind: 'data'; chunk: Buffer }
  /** The other side ended or was destroyed, after everything it wrote (a FIN). */
  | { kind: 'eof' }
  | { kind: 'error'; error: MemorySocketError }
  /** This side was destroyed: only the 'close' event is left to emit. */
  | { kind: 'close' };

interface Listeners {
  open: Set<() => void>;
  data: Set<(chunk: Buffer) => void>;
  error: Set<(error: MemorySocketError) => void>;
  close: Set<() => void>;
}

/** The addresses of one end, as `net.Socket` reports them. */
export interface EndAddresses {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/**
 * One end of an in-memory connection, shaped like the part of `net.Socket` that the socket
 * actors and the scripted peer use. Data written at one end arrives at the other as one chunk
 * per write. An end that pauses keeps what arrives queued, and the writer sees it in
 * `writableLength`: that is a peer that stops reading. No kernel buffer is modelled, so a
 * reading peer never makes `writableLength` grow.
 */
export class MemoryEnd {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private state: MemoryReadyState;
  private other: MemoryEnd | null = null;
  private ended = false;
  private isDestroyed = false;
  private paused = false;
  private flowing = false;
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private draining = false;
  private closeEmitted = false;
  private readonly listeners: Listeners = { open: new Set(), data: new Set(), error: new Set(), close: new Set() };

  /** Made by MemoryNetwork; `opening` ends become open when the other side accepts. */
  constructor(
    addresses: EndAddresses,
    readonly delivery: Delivery,
    opening: boolean,
    private readonly onClosed: (end: MemoryEnd) => void = () => {},
  ) {
    this.localAddress = addresses.localAddress;
    this.localPort = addresses.localPort;
    this.remoteAddress = addresses.remoteAddress;
    this.remotePort = addresses.remotePort;
    this.state = opening ? 'opening' : 'open';
  }

  /** Joins two ends; the opening one, if any, emits 'open' in turn. */
  static link(a: MemoryEnd, b: MemoryEnd): void {
    a.other = b;
    b.other = a;
    for (const end of [a, b]) if (end.state === 'opening') end.enqueue({ kind: 'open' });
  }

  get readyState(): MemoryReadyState {
    return this.state;
  }

  /** True once this end is closed, or closing, and passes nothing more. */
  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** True once `end()` was called (or the end is gone). */
  get writableEnded(): boolean {
    return this.ended || this.isDestroyed;
  }

  /** Bytes written here that the other side holds unread because it stopped reading. */
  get writableLength(): number {
    const other = this.other;
    return other && other.paused ? other.queuedBytes : 0;
  }

  /** Bytes that arrived here and were not read yet. */
  get readableLength(): number {
    return this.queuedBytes;
  }

  on(event: 'open', listener: () => void): this;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'error', listener: (error: MemorySocketError) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: keyof Listeners, listener: (...args: never[]) => void): this {
    (this.listeners[event] as Set<typeof listener>).add(listener);
    if (event === 'data' && !this.flowing) {
      // As with a net.Socket, data waits until someone listens for it.
      this.flowing = true;
      this.pump();
    }
    return this;
  }

  once(event: 'close', listener: () => void): this {
    const wrapped = (): void => {
      this.listeners.close.delete(wrapped);
      listener();
    };
    return this.on('close', wrapped);
  }

  off(event: keyof Listeners, listener: (...args: never[]) => void): this {
    (this.listeners[event] as Set<typeof listener>).delete(listener);
    return this;
  }

  /** Sends `bytes` to the other side; false, and nothing sent, once this side is ending or gone. */
  write(bytes: Uint8Array): boolean {
    if (this.writableEnded || this.state === 'opening' || !this.other) return false;
    const chunk =
      this.delivery === 'immediate' && Buffer.isBuffer(bytes)
        ? bytes
        : // Deferred: the caller may reuse its buffer before the other side reads it.
          Buffer.from(bytes);
    this.other.enqueue({ kind: 'data', chunk });
    return true;
  }

  /** Graceful close: the other side reads what was written, then both sides close. */
  end(): this {
    if (this.writableEnded) return this;
    this.ended = true;
    if (this.state === 'open') this.state = 'readOnly';
    this.other?.enqueue({ kind: 'eof' });
    return this;
  }

  /** Closes this side now: what it had not read is dropped; the other side reads what was sent, then closes. */
  destroy(): this {
    if (this.isDestroyed) return this;
    const other = this.other;
    const finSent = this.ended;
    this.closeNow();
    if (!finSent) other?.enqueue({ kind: 'eof' });
    return this;
  }

  /** Abortive close (TCP RST): the other side drops what it had not read and gets ECONNRESET. */
  resetAndDestroy(): this {
    if (this.isDestroyed) return this;
    const other = this.other;
    this.closeNow();
    other?.abort(new MemorySocketError('ECONNRESET', 'read ECONNRESET'));
    return this;
  }

  /** Stops reading: what arrives stays queued and counts in the writer's `writableLength`. */
  pause(): this {
    this.paused = true;
    return this;
  }

  resume(): this {
    this.paused = false;
    this.pump();
    return this;
  }

  /** Fails an opening end (a refused or failed connect): 'error', then 'close'. */
  fail(error: MemorySocketError): void {
    this.abort(error);
  }

  private abort(error: MemorySocketError): void {
    if (this.isDestroyed) return;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.enqueue({ kind: 'error', error });
  }

  private closeNow(): void {
    this.isDestroyed = true;
    this.state = 'closed';
    this.other = null;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.enqueue({ kind: 'close' });
  }

  private enqueue(item: Item): void {
    if (this.closeEmitted) return;
    if (this.isDestroyed && item.kind !== 'close') return;
    this.queue.push(item);
    if (item.kind === 'data') this.queuedBytes += item.chunk.length;
    this.pump();
  }

  private pump(): void {
    if (this.queue.length === 0) return;
    if (this.delivery === 'immediate') {
      this.drain();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    // Something emitted below may act on this end again; the loop already running handles it.
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const item = this.queue[0]!;
        if (item.kind === 'data' && (this.paused || !this.flowing)) return;
        this.queue.shift();
        this.handle(item);
      }
    } finally {
      this.draining = false;
    }
  }

  private handle(item: Item): void {
    switch (item.kind) {
      case 'open':
        this.state = 'open';
        for (const listener of [...this.listeners.open]) listener();
        return;
      case 'data':
        this.queuedBytes -= item.chunk.length;
        for (const listener of [...this.listeners.data]) listener(item.chunk);
        return;
      case 'eof': {
        // Node's default (allowHalfOpen false): the end of their side ends ours too.
        const other = this.other;
        const finSent = this.ended;
        this.isDestroyed = true;
        this.state = 'closed';
        this.other = null;
        this.emitClose();
        if (!finSent) other?.enqueue({ kind: 'eof' });
        return;
      }
      case 'error':
        this.isDestroyed = true;
        this.state = 'closed';
        this.other = null;
        for (const listener of [...this.listeners.error]) listener(item.error);
        this.emitClose();
        return;
      case 'close':
        this.emitClose();
        return;
    }
  }

  private emitClose(): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.onClosed(this);
    for (const listener of [...this.listeners.close]) listener();
  }
}
