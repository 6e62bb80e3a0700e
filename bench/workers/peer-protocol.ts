/**
 * What the peer-load and handshake benchmarks (bench/peer-load.ts, bench/handshake.ts) ask their
 * processes, and what those answer: one local peer server (peer-server.ts) and one client process
 * per contender (peer-ours.ts: our statechart; peer-bcoin.cjs: bcoin 1.0.2's Peer class).
 */

/** What the server floods once the handshake is done: pings, inventories, or 1 MB payloads (`bulk`, our peer only). */
export type FloodMode = 'ping' | 'inv1' | 'inv50' | 'bulk';

/** Entries per `inv` message of each inv flood. */
export const INV_ENTRIES: Readonly<Record<'inv1' | 'inv50', number>> = { inv1: 1, inv50: 50 };

/** The payload size of the bulk flood's messages. */
export const BULK_PAYLOAD_BYTES = 1_000_000;

/** The command each flood sends (`bulk` is one no node knows, so it arrives as an unknown message). */
export const FLOOD_COMMAND: Readonly<Record<FloodMode, string>> = { ping: 'ping', inv1: 'inv', inv50: 'inv', bulk: 'bulk' };

export type ServerRequest =
  /** Listen on 127.0.0.1 on a free port. */
  | { readonly op: 'listen' }
  /**
   * The next connection that completes the handshake gets a flood of `mode`, from right after
   * the handshake until the client closes it. Answers at once; `result` waits for the window.
   */
  | { readonly op: 'arm'; readonly mode: FloodMode; readonly warmupMs: number; readonly windowMs: number }
  /** Build the ping frames of a session ahead (`pings` of them), so that flooding is only writing. */
  | { readonly op: 'prepare'; readonly pings: number }
  /** The armed session's figures, once its measuring window is over. */
  | { readonly op: 'result' }
  /** Connections accepted and handshakes completed so far. */
  | { readonly op: 'stats' };

export interface ListenResult {
  readonly port: number;
}

export interface SessionResult {
  readonly mode: FloodMode;
  /** Pongs received with the expected nonce inside the window (ping flood). */
  readonly pongs: number;
  /** Pongs whose nonce was not the next one expected: must be 0. */
  readonly badPongs: number;
  /** Flood messages written inside the window (handed to the socket). */
  readonly sent: number;
  /** Times write() returned false inside the window (the socket was full). */
  readonly drains: number;
  /** Ping flood: times the server paused because MAX_PINGS_IN_FLIGHT pings were unanswered. */
  readonly caps: number;
  /** Server CPU time over the window's wall time (1 = one core busy all the time). */
  readonly cpu: number;
  /** Measured window length in ms. */
  readonly ms: number;
}

export interface ServerStats {
  readonly accepted: number;
  readonly handshakes: number;
}

export type ClientRequest =
  /** Which implementation and backend this process runs. */
  | { readonly op: 'info' }
  /**
   * One connection: connect, handshake, let the server flood for warmupMs + windowMs, count the
   * flood messages the client processed inside the window (from its own 'connected' moment),
   * keep the connection holdMs longer so the server's window ends first, then close.
   */
  | {
      readonly op: 'load';
      readonly port: number;
      readonly mode: FloodMode;
      readonly warmupMs: number;
      readonly windowMs: number;
      readonly holdMs: number;
      /** Our peer's transport (bcoin and the codec-only client speak v1 only); v1 by default. */
      readonly transport?: PeerTransport;
    }
  /** `count` sequential connections: connect → handshake complete → close; the time of each. */
  | { readonly op: 'handshakes'; readonly port: number; readonly count: number; readonly transport?: PeerTransport };

/** The transport our peer dials in: v1, or BIP324 v2 (the server detects which from the first bytes). */
export type PeerTransport = 'v1' | 'v2';

export interface InfoResult {
  readonly backend: string;
}

export interface LoadResult {
  /** Flood messages processed inside the window. */
  readonly messages: number;
  /** inv entries inside those messages (1 per ping). */
  readonly entries: number;
  /** Measured window length in ms. */
  readonly ms: number;
  /** Flood messages processed over the whole connection. */
  readonly total: number;
}

export interface HandshakesResult {
  /** Milliseconds from the start call to handshake complete, one per connection, in order. */
  readonly ms: readonly number[];
}

/** Refuses anything but loopback: these benchmarks never leave the machine. */
export function assertLoopback(host: string): void {
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== '::1') {
    throw new Error(`benchmark peers are loopback only, got ${host}`);
  }
}
