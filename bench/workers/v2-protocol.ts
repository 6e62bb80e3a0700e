/** Requests bench/v2.ts sends to its worker (bench/workers/v2-worker.ts), and what it answers. */

/** v1: frame + Framer; v2: V2Transport.encode + push. */
export type Transport = 'v1' | 'v2';

/** The streams both transports carry: a ping flood, and 1 MB payloads. */
export type V2Mix = 'ping' | 'bulk';

export type V2WorkerRequest =
  | { readonly op: 'load' }
  /** Encode every message of the mix and decode the stream in 1,460-byte chunks, `inner` times (timed: both halves). */
  | { readonly op: 'pass'; readonly transport: Transport; readonly mix: V2Mix; readonly inner: number }
  /** Seal and open `size` bytes with one AEAD path, `count` times per pass, `inner` passes. */
  | {
      readonly op: 'aead';
      readonly path: 'js' | 'native';
      readonly size: number;
      readonly count: number;
      readonly inner: number;
    }
  /**
   * `count` handshakes in memory (keys, exchange, version/verack both ways): milliseconds each. With
   * `keysAhead`, v2's ephemeral keys are generated before the clock starts, as a node could in idle time.
   */
  | { readonly op: 'handshake-memory'; readonly transport: Transport; readonly count: number; readonly keysAhead: boolean }
  /** `count` sequential connections over loopback to the worker's own listener, each to verack both ways. */
  | { readonly op: 'handshake-tcp'; readonly transport: Transport; readonly count: number; readonly keysAhead: boolean };

export interface V2LoadResult {
  readonly backend: string;
  /** Bytes in each mix's message stream, per transport. */
  readonly streamBytes: Readonly<Record<V2Mix, Readonly<Record<Transport, number>>>>;
  readonly messages: Readonly<Record<V2Mix, number>>;
  readonly payloadBytes: Readonly<Record<V2Mix, number>>;
}

export interface HandshakeResult {
  readonly ms: readonly number[];
}
