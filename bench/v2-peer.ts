/**
 * The BIP324 v2 transport against v1 through the full peer path: our peer (createPeer: machine,
 * socket and codec actors) dials the local peer server (bench/workers/peer-server.ts), which tells
 * v1 from v2 by the first bytes as Core does. Measured per transport, in alternating rounds:
 * - ping flood: pongs per second back at the server (each ping and pong a packet of its own);
 * - bulk: 1 MB payloads (an unknown command) received per second;
 * - handshakes: sequential connections, connect → both versions and veracks → `connected`.
 * bench/v2.ts measures the same transports through the codec alone.
 */
import { NotMeasured } from './lib/not-measured.js';
import { type Session, session } from './lib/flood-session.js';
import { targetsTable } from './lib/report.js';
import { fmtMs, fmtPct, fmtRatio, median, si } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import { BULK_PAYLOAD_BYTES, type HandshakesResult, type PeerTransport } from './workers/peer-protocol.js';
import { type Client, closeAll, type Server, startClients, startServer } from './workers/peer-procs.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const WARMUP_MS = 200;
const WINDOW_MS = 700;
const PRIME = { warmupMs: 100, windowMs: 200 };
/** v1 pings are built before the floods (v2 pings are encrypted as they go). */
const PREPARED_PINGS = 160 * 1024;
const HANDSHAKES = Number(process.env.BENCH_V2_HANDSHAKES ?? 200);
const HANDSHAKE_ROUND = 20;
/** v2 throughput through the peer, at least this share of v1's; the v2 handshake p50 at most this many times v1's. */
const THROUGHPUT_SHARE = 0.8;
const HANDSHAKE_LIMIT = 2;

const TRANSPORTS: readonly PeerTransport[] = ['v1', 'v2'];
const FLOODS = [
  { mode: 'ping', label: 'ping flood', counted: 'pongs/s back at the server' },
  { mode: 'bulk', label: `${BULK_PAYLOAD_BYTES / 1e6} MB payloads`, counted: 'messages/s received by our peer' },
] as const;

type FloodSessions = Map<PeerTransport, Session[]>;

async function floods(ctx: BenchContext, server: Server, ours: Client): Promise<Map<string, FloodSessions | string>> {
  const results = new Map<string, FloodSessions | string>();
  for (const flood of FLOODS) {
    try {
      for (const transport of TRANSPORTS) await session(server, ours, flood.mode, PRIME, ctx.log, transport);
      const sessions: FloodSessions = new Map(TRANSPORTS.map((t) => [t, []]));
      for (let round = 0; round < REPS; round++) {
        // Alternate which transport goes first, so a drift in load does not favour one.
        const order = round % 2 === 0 ? TRANSPORTS : [...TRANSPORTS].reverse();
        for (const transport of order) {
          sessions.get(transport)!.push(await session(server, ours, flood.mode, { warmupMs: WARMUP_MS, windowMs: WINDOW_MS }, ctx.log, transport));
        }
      }
      ctx.log(`${flood.label}: ${TRANSPORTS.map((t) => `${t} ${si(median(sessions.get(t)!.map((s) => s.rate)))}/s`).join(', ')}`);
      results.set(flood.mode, sessions);
    } catch (error) {
      if (!(error instanceof NotMeasured)) throw error;
      ctx.log(`${flood.label}: not measured: ${error.message}`);
      results.set(flood.mode, error.message);
    }
  }
  return results;
}

/** Handshake times per transport, taken in rounds that alternate the transports. */
async function handshakes(server: Server, ours: Client): Promise<Map<PeerTransport, number[]>> {
  const ms = new Map<PeerTransport, number[]>(TRANSPORTS.map((t) => [t, []]));
  const take = (transport: PeerTransport, count: number) =>
    ours.worker.request<HandshakesResult>({ op: 'handshakes', port: server.port, count, transport });
  for (const transport of TRANSPORTS) await take(transport, HANDSHAKE_ROUND);
  for (let done = 0, round = 0; done < HANDSHAKES; done += HANDSHAKE_ROUND, round++) {
    const order = round % 2 === 0 ? TRANSPORTS : [...TRANSPORTS].reverse();
    for (const transport of order) ms.get(transport)!.push(...(await take(transport, HANDSHAKE_ROUND)).ms);
  }
  return ms;
}

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
};

function report(flooded: Map<string, FloodSessions | string>, shakes: Map<PeerTransport, number[]>): ModuleReport {
  const targets: Target[] = [];
  const floodRows: string[][] = [];
  for (const flood of FLOODS) {
    const result = flooded.get(flood.mode)!;
    if (typeof result === 'string') {
      targets.push({ name: `v2 throughput through the peer, ${flood.label}`, goal: `≥ ${fmtPct(THROUGHPUT_SHARE)} of v1`, actual: 'not measured', met: false });
      continue;
    }
    const rates = (t: PeerTransport): number[] => result.get(t)!.map((s) => s.rate);
    // Paired by round: v2 ÷ v1 of the same round, then the median.
    const share = median(rates('v2').map((r, i) => r / rates('v1')[i]!));
    targets.push({
      name: `v2 throughput through the peer, ${flood.label}`,
      goal: `≥ ${fmtPct(THROUGHPUT_SHARE)} of v1`,
      actual: fmtPct(share),
      met: share >= THROUGHPUT_SHARE,
    });
    for (const t of TRANSPORTS) {
      const serverCpu = median(result.get(t)!.map((s) => s.server.cpu));
      floodRows.push([flood.label, flood.counted, t, si(median(rates(t))), fmtPct(serverCpu), t === 'v2' ? fmtPct(share) : '']);
    }
  }
  const p50 = (t: PeerTransport): number => percentile(shakes.get(t)!, 50);
  const handshakeRatio = p50('v2') / p50('v1');
  targets.push({
    name: 'v2 handshake p50 through the peer',
    goal: `≤ ${HANDSHAKE_LIMIT}× v1`,
    actual: `${fmtRatio(handshakeRatio)} (${fmtMs(p50('v2'))} vs ${fmtMs(p50('v1'))} ms)`,
    met: handshakeRatio <= HANDSHAKE_LIMIT,
  });
  const floodTable: Table = {
    title: `Our peer under a flood, per transport — median of ${REPS} windows of ${WINDOW_MS} ms`,
    columns: ['flood', 'counted', 'transport', 'rate', 'server CPU¹', 'v2 ÷ v1²'],
    numeric: [3, 4, 5],
    rows: floodRows,
    notes: [
      '¹ the flooding server’s CPU over the window (100% = one core): it encrypts every v2 packet as it sends it, so near 100% it, not our peer, would be the limit.',
      '² median over rounds of the v2 rate ÷ the v1 rate in the same round.',
    ],
  };
  const hsTable: Table = {
    title: `Handshakes through the peer, ${HANDSHAKES} per transport (ms)`,
    columns: ['transport', 'p50', 'p90', 'p99'],
    numeric: [1, 2, 3],
    rows: TRANSPORTS.map((t) => [t, fmtMs(p50(t)), fmtMs(percentile(shakes.get(t)!, 90)), fmtMs(percentile(shakes.get(t)!, 99))]),
    notes: ['From createPeer({ transport }) through start() to the `connected` state (TCP connect, the v2 key exchange where v2, version and verack both ways), then STOP before the next; v2 generates a fresh key per connection.'],
  };
  return {
    tables: [floodTable, hsTable, targetsTable(targets)],
    targets,
    notes: [
      'One server process (v1 or v2 by the first bytes) and one client process running our peer; transports alternate within each round.',
      'This machine is shared: only the ratios within a run carry over.',
    ],
  };
}

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const server = await startServer();
  let clients: Client[] = [];
  try {
    clients = await startClients(['ours']);
    const ours = clients[0]!;
    ctx.log(`server on 127.0.0.1:${server.port}; ours = ${ours.backend}`);
    await server.worker.request({ op: 'prepare', pings: PREPARED_PINGS });
    const flooded = await floods(ctx, server, ours);
    ctx.log(`handshakes: ${HANDSHAKES} per transport`);
    const shakes = await handshakes(server, ours);
    return report(flooded, shakes);
  } finally {
    await closeAll([server.worker, ...clients.map((c) => c.worker)]);
  }
}

export const v2PeerBench: BenchModule = {
  name: 'v2-peer',
  title: 'BIP324 v2 transport against v1 through the full peer path',
  run,
};
