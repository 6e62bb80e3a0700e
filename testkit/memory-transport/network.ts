// A network of in-memory listeners and connections: dial an address, be accepted, refused or left waiting.
import { setImmediate } from 'node:timers';
import { type Delivery, MemoryEnd, MemorySocketError } from './end.js';

/** An address on a memory network; host names are compared as written. */
export interface MemoryAddress {
  host: string;
  port: number;
}

/**
 * A connection attempt that reached a listener: it opens when the listener accepts it, fails when
 * it refuses it, and otherwise waits forever, which is a connect that never completes.
 */
export interface IncomingConnection {
  /** The dialling side's address. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The address that was dialled. */
  readonly localAddress: string;
  readonly localPort: number;
  /** True once accepted or refused. */
  readonly settled: boolean;
  /** Opens the connection; the dialler sees 'open'. Returns the accepting end. */
  accept(): MemoryEnd;
  /** Fails the connect with this errno code (default ECONNREFUSED), as a failed TCP connect does. */
  refuse(code?: string): void;
}

/** A listening address; `close()` makes later dials to it refused, and leaves open connections alone. */
export interface MemoryListener extends MemoryAddress {
  readonly closed: boolean;
  close(): void;
}

export interface MemoryNetworkOptions {
  /** See Delivery; default 'deferred'. */
  delivery?: Delivery;
}

/** Ports the network hands out for port 0 and for diallers, above the ones tests name. */
const FIRST_EPHEMERAL_PORT = 49152;

const key = (host: string, port: number): string => `${host}|${port}`;

/**
 * Listeners and the connections between them and the dialling socket actors, in memory. Nothing
 * here touches a socket, a timer or the clock: connection attempts to an address nobody listens
 * on are refused, as on loopback; a listener decides whether each attempt opens.
 */
export class MemoryNetwork {
  readonly delivery: Delivery;
  private readonly listeners = new Map<string, { onConnection: (incoming: IncomingConnection) => void }>();
  private readonly live = new Set<MemoryEnd>();
  private readonly waiting = new Set<MemoryEnd>();
  private nextPort = FIRST_EPHEMERAL_PORT;
  private dials = 0;

  constructor(options: MemoryNetworkOptions = {}) {
    this.delivery = options.delivery ?? 'deferred';
  }

  /** Connection attempts made so far. */
  get attempts(): number {
    return this.dials;
  }

  /** Ends not yet closed, dialling or accepted: zero once every connection is over. */
  get openEnds(): number {
    return this.live.size;
  }

  /** Dials that reached a listener which has neither accepted nor refused them. */
  get pendingDials(): number {
    return this.waiting.size;
  }

  /** Listens on `host:port` (port 0: a free one); `onConnection` is told of every attempt. */
  listen(address: MemoryAddress, onConnection: (incoming: IncomingConnection) => void): MemoryListener {
    const port = address.port === 0 ? this.freePort(address.host) : address.port;
    const id = key(address.host, port);
    if (this.listeners.has(id)) throw new MemorySocketError('EADDRINUSE', `listen EADDRINUSE: address already in use ${address.host}:${port}`);
    const entry = { onConnection };
    this.listeners.set(id, entry);
    let closed = false;
    return {
      host: address.host,
      port,
      get closed() {
        return closed;
      },
      close: () => {
        if (closed) return;
        closed = true;
        if (this.listeners.get(id) === entry) this.listeners.delete(id);
      },
    };
  }

  /** Whether something listens on `host:port` now. */
  isListening(address: MemoryAddress): boolean {
    return this.listeners.has(key(address.host, address.port));
  }

  /**
   * Starts a connection attempt and returns the dialling end at once, in `opening` state: it
   * emits 'open' once accepted, or 'error' (ECONNREFUSED when nothing listens) and 'close'.
   * `prepare` gets the end before the attempt starts: with immediate delivery a listener may
   * accept or refuse before `dial` returns, and listeners attached there still see it.
   */
  dial(address: MemoryAddress, prepare?: (end: MemoryEnd) => void): MemoryEnd {
    this.dials++;
    const localPort = this.nextPort++;
    const dialler = this.track(
      new MemoryEnd(
        { localAddress: '127.0.0.1', localPort, remoteAddress: address.host, remotePort: address.port },
        this.delivery,
        true,
        (end) => this.forget(end),
      ),
    );
    prepare?.(dialler);
    const listener = this.listeners.get(key(address.host, address.port));
    const deliver = (action: () => void): void => {
      if (this.delivery === 'immediate') action();
      else setImmediate(action);
    };
    if (!listener) {
      deliver(() => dialler.fail(new MemorySocketError('ECONNREFUSED', `connect ECONNREFUSED ${address.host}:${address.port}`)));
      return dialler;
    }
    this.waiting.add(dialler);
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.waiting.delete(dialler);
      return true;
    };
    const incoming: IncomingConnection = {
      remoteAddress: dialler.localAddress,
      remotePort: dialler.localPort,
      localAddress: address.host,
      localPort: address.port,
      get settled() {
        return settled;
      },
      accept: () => {
        if (!settle()) throw new Error(`the connection from port ${localPort} was already accepted or refused`);
        const acceptor = this.track(
          new MemoryEnd(
            { localAddress: address.host, localPort: address.port, remoteAddress: dialler.localAddress, remotePort: localPort },
            this.delivery,
            false,
            (end) => this.forget(end),
          ),
        );
        // A dialler that gave up (a connect timeout) is gone: the accepted end closes at once.
        if (dialler.destroyed) acceptor.destroy();
        else MemoryEnd.link(dialler, acceptor);
        return acceptor;
      },
      refuse: (code = 'ECONNREFUSED') => {
        if (!settle()) return;
        dialler.fail(new MemorySocketError(code, `connect ${code} ${address.host}:${address.port}`));
      },
    };
    deliver(() => listener.onConnection(incoming));
    return dialler;
  }

  private track(end: MemoryEnd): MemoryEnd {
    this.live.add(end);
    return end;
  }

  private forget(end: MemoryEnd): void {
    this.live.delete(end);
    this.waiting.delete(end);
  }

  private freePort(host: string): number {
    while (this.listeners.has(key(host, this.nextPort))) this.nextPort++;
    return this.nextPort++;
  }
}
