/** What the scale and crawl benchmarks' children answer (requests are `{ op, ... }`, see each worker). */

/**
 * Each host's `getaddr` answer. none: an empty `addr`. ring: the next k hosts. ring-chords: the
 * next host plus k − 1 others chosen at random with a fixed seed (a small-world graph: everybody
 * reachable from host 0, and a frontier that grows geometrically).
 */
export type Topology =
  | { readonly kind: 'none' }
  | { readonly kind: 'ring' | 'ring-chords'; readonly size: number; readonly k: number; readonly seed: number };

export interface FdLimits {
  readonly soft: number;
  readonly hard: number;
}

export type HostsListenResult =
  | { readonly ok: true; readonly count: number; readonly ms: number; readonly limits: FdLimits; readonly pid: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface HostsStats {
  readonly accepted: number;
  readonly versions: number;
  readonly pings: number;
  readonly getaddrs: number;
  readonly fatal: number;
  /** Connections open now. */
  readonly open: number;
  readonly listening: number;
  /** CPU time of the process so far (user + system). */
  readonly cpuMs: number;
  readonly fds: number;
  readonly rss: number;
}

export interface Memory {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

export interface ScaleInitResult {
  readonly limits: FdLimits;
  readonly pid: number;
  /** After a full GC, before any peer exists. */
  readonly baseline: Memory;
  readonly fds: number;
}

/** What a scale client runs: the peer actor, or one of the floors it is held to. */
export type ScaleClientKind = 'peer' | 'hand-written' | 'minimal-chart';

export interface ScaleConnectResult {
  readonly started: number;
  readonly connected: number;
  /** From the first startPeer to the last peer connected (handshake done). */
  readonly ms: number;
  /** Why the others did not connect: disconnect reason → count. */
  readonly failures: Record<string, number>;
  readonly fds: number;
}

export interface ScaleMeasureResult {
  /** After settling and a full GC, with every peer connected. */
  readonly memory: Memory;
  readonly connected: number;
  readonly windowMs: number;
  /** Pongs received (our `rtt` events) in the window. */
  readonly pongs: number;
  /** Event-loop delay in ms beyond the monitor's own timer resolution. */
  readonly delay: { readonly p50: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly resolutionMs: number;
  /** Ping round trips measured by the peers in the window, ms. */
  readonly rtt: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Event-loop utilisation over the window (0–1). */
  readonly elu: number;
  readonly cpuMs: number;
  /** Disconnects during the window (must be 0). */
  readonly disconnects: Record<string, number>;
  readonly fds: number;
}

export interface ScaleStopResult {
  readonly peers: number;
  /** Actors whose snapshot status is 'done' afterwards. */
  readonly stopped: number;
  /** ... with output.reason 'user-stop'. */
  readonly userStop: number;
  readonly ms: number;
  /** Once the peers are dropped and a full GC ran. */
  readonly memory: Memory;
  readonly fds: number;
}

export interface CrawlRunResult {
  readonly concurrency: number;
  readonly ms: number;
  readonly summary: {
    readonly heard: number;
    readonly reachable: number;
    readonly unreachable: Record<string, number>;
    readonly interrupted: boolean;
  };
  /** `node` records emitted, and how many of them reachable. */
  readonly records: number;
  readonly reachableRecords: number;
  readonly distinctReachable: number;
  readonly baseline: Memory;
  /** Highest values sampled every few ms during the crawl. */
  readonly peak: { readonly rss: number; readonly heapUsed: number };
  /** process.resourceUsage().maxRSS, bytes: the true peak, module loading included. */
  readonly maxRss: number;
  readonly cpuMs: number;
  readonly samples: number;
  /** Most peers connected or connecting at once, and most addresses waiting, from the crawl's progress events. */
  readonly peakActive: number;
  readonly peakQueued: number;
  readonly limits: FdLimits;
  readonly peakFds: number;
}
