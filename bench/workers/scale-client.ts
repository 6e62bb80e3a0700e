/**
 * Scale benchmark client: N peer actors in this one process, each connected to its own lean host
 * (scale-hosts.ts) on 127.40.x.y, pinging every second. Started by bench/scale.ts with
 * --expose-gc and a raised open-file limit; one fresh process per N, so every baseline is clean.
 *
 * Ops: init (baseline), connect, measure, stop — see ScaleInitResult … ScaleStopResult.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { PeerEmitted } from '../../machines/peer/types.js';
import { median } from '../lib/stats.js';
import { BarePeer } from './scale-bare.js';
import { type MinimalEmitted, startMinimalPeer } from './scale-minimal.js';
import { fdLimits, fullGc, hostAddress, openFds, serve, sleep } from './scale-ipc.js';
import type {
  Memory,
  ScaleClientKind,
  ScaleConnectResult,
  ScaleInitResult,
  ScaleMeasureResult,
  ScaleStopResult,
} from './scale-protocol.js';

/**
 * The peer as an embedder runs it: the built package (dist/, which bench/scale.ts builds first).
 * Through tsx each peer would carry about 3 KB more heap (esbuild's keepNames turns named closures
 * into dictionary-mode functions). BENCH_SCALE_FROM=src measures src/ through tsx instead.
 */
const FROM_SRC = process.env.BENCH_SCALE_FROM === 'src';
const { createPeerMachine, startPeer } = (await import(
  FROM_SRC ? '../../src/peer.js' : '../../dist/src/peer.js'
)) as typeof import('../../src/peer.js');

/** Event-loop delay is sampled by a timer firing this often; its own period is taken off every sample. */
const RESOLUTION_MS = 10;

/** What `stop` needs of a running actor, the peer's or the minimal chart's. */
interface StoppableActor {
  send(event: { type: 'STOP' }): void;
  getSnapshot(): { status: string; output?: unknown };
}

/** The peers of this process, of whichever kind was asked for. */
let peers: (StoppableActor | BarePeer)[] = [];

/** Where a peer stands after STOP: still running, stopped by it, or ended some other way. */
function outcomeOf(peer: StoppableActor | BarePeer): 'running' | 'user-stop' | 'other' {
  if (peer instanceof BarePeer) return peer.outcome;
  const snapshot = peer.getSnapshot();
  if (snapshot.status !== 'done') return 'running';
  return (snapshot.output as { reason?: string } | undefined)?.reason === 'user-stop' ? 'user-stop' : 'other';
}
let connected = 0;
let failures: Record<string, number> = {};
let pongs = 0;
let rtts: number[] | null = null;
let onConnected: (() => void) | null = null;

// One listener function for every actor, so the benchmark adds no closure per peer.
function listen(event: PeerEmitted | MinimalEmitted): void {
  switch (event.type) {
    case 'state':
      if (event.state === 'connected') {
        connected++;
        onConnected?.();
      }
      break;
    case 'disconnect':
      if (event.reason !== 'user-stop') {
        if (event.established) connected--;
        failures[event.reason] = (failures[event.reason] ?? 0) + 1;
        onConnected?.();
      }
      break;
    case 'rtt':
      pongs++;
      rtts?.push(event.lastMs);
      break;
  }
}

function memory(): Memory {
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;

serve({
  async init(): Promise<ScaleInitResult> {
    // Touch the machine once so that its construction is not billed to the first peer.
    createPeerMachine();
    await fullGc();
    return { limits: fdLimits(), pid: process.pid, baseline: memory(), fds: openFds() };
  },

  /**
   * Starts `count` peers, peer i dialling host i of 127.<second>.0.0/16 on `port`, and resolves
   * once all are connected (handshake done) or `timeoutMs` passed. `sharedMachine`: give every
   * peer one machine made by createPeerMachine() instead of letting startPeer make one each.
   * `kind`: 'peer' (the peer actor), or a floor it is held to: 'hand-written' (scale-bare.ts, no
   * XState) or 'minimal-chart' (scale-minimal.ts, the least XState chart of the peer's shape).
   */
  async connect(req): Promise<ScaleConnectResult> {
    const count = req.count as number;
    const machine = req.sharedMachine ? createPeerMachine() : undefined;
    failures = {};
    const started = performance.now();
    const settled = new Promise<void>((resolve) => {
      onConnected = () => {
        const failed = Object.values(failures).reduce((a, b) => a + b, 0);
        if (connected + failed >= count) resolve();
      };
    });
    const kind = req.kind as ScaleClientKind;
    const port = req.port as number;
    const pingIntervalMs = req.pingIntervalMs as number;
    for (let i = 0; i < count; i++) {
      const host = hostAddress(req.second as number, i);
      if (kind === 'hand-written') {
        peers.push(new BarePeer(host, port, pingIntervalMs, listen));
        continue;
      }
      if (kind === 'minimal-chart') {
        peers.push(startMinimalPeer(host, port, pingIntervalMs, listen));
        continue;
      }
      const actor = startPeer(
        {
          host,
          port,
          network: 'regtest',
          connectOnStart: true,
          maxRetries: 0,
          // The lean hosts speak v1 only (a v2 key exchange there would end as v2-unsupported).
          transport: 'v1',
          onDisconnect: 'stop',
          pingIntervalMs,
          // Generous: thousands of handshakes at once share one event loop; the benchmark reports
          // how long they took, a timeout would only hide it.
          connectTimeoutMs: 60_000,
          handshakeTimeoutMs: 60_000,
        },
        machine ? { machine } : {},
      );
      actor.on('*', listen);
      peers.push(actor);
    }
    const timeout = sleep(req.timeoutMs as number);
    await Promise.race([settled, timeout]);
    const ms = performance.now() - started;
    onConnected = null;
    return { started: count, connected, ms, failures: { ...failures }, fds: openFds() };
  },

  /** Settles, GCs, takes the memory, then watches the event loop for `windowMs` of pinging. */
  async measure(req): Promise<ScaleMeasureResult> {
    await sleep(req.settleMs as number);
    await fullGc();
    const mem = memory();
    const failuresBefore = { ...failures };
    const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    rtts = [];
    const pongsBefore = pongs;
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const started = performance.now();
    histogram.enable();
    await sleep(req.windowMs as number);
    histogram.disable();
    const windowMs = performance.now() - started;
    const eluWindow = performance.eventLoopUtilization(elu);
    const cpuUsed = process.cpuUsage(cpu);
    const sorted = rtts.sort((a, b) => a - b);
    rtts = null;
    const beyond = (ns: number): number => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const disconnects: Record<string, number> = {};
    for (const [reason, n] of Object.entries(failures)) {
      const extra = n - (failuresBefore[reason] ?? 0);
      if (extra) disconnects[reason] = extra;
    }
    return {
      memory: mem,
      connected,
      windowMs,
      pongs: pongs - pongsBefore,
      delay: {
        p50: beyond(histogram.percentile(50)),
        p99: beyond(histogram.percentile(99)),
        max: beyond(histogram.max),
        mean: beyond(histogram.mean),
      },
      resolutionMs: RESOLUTION_MS,
      rtt: { p50: median(sorted), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN },
      elu: eluWindow.utilization,
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1e3,
      disconnects,
      fds: openFds(),
    };
  },

  /** STOP to every peer (stop() to a hand-written one); counts those that ended; then drops them all and GCs. */
  async stop(): Promise<ScaleStopResult> {
    const started = performance.now();
    for (const peer of peers) {
      if (peer instanceof BarePeer) peer.stop();
      else peer.send({ type: 'STOP' });
    }
    let stopped = 0;
    let userStop = 0;
    const deadline = performance.now() + 10_000;
    for (;;) {
      stopped = 0;
      userStop = 0;
      for (const peer of peers) {
        const outcome = outcomeOf(peer);
        if (outcome !== 'running') stopped++;
        if (outcome === 'user-stop') userStop++;
      }
      if (stopped === peers.length || performance.now() > deadline) break;
      await sleep(20);
    }
    const ms = performance.now() - started;
    const count = peers.length;
    peers = [];
    // Let the destroyed sockets close before counting what is left.
    await sleep(500);
    await fullGc();
    return { peers: count, stopped, userStop, ms, memory: memory(), fds: openFds() };
  },
});
