/**
 * Scale benchmark: N concurrent connected peers (peer actors from src/peer.ts) in one process,
 * each pinging every second. For each N: heap and RSS per peer, event-loop delay while pinging,
 * pongs per second, then STOP all and check they all stopped.
 *
 * Three kinds of process, all through workers/scale-child.ts with a raised open-file limit:
 * lean hosts (workers/scale-hosts.ts: N listeners on 127.40.x.y, one port, handshake + pong),
 * and one fresh client per N (workers/scale-client.ts, --expose-gc) holding the N peers.
 *
 * BENCH_SCALE_N=100,1000,5000,15000   the N list
 * BENCH_SCALE_WINDOW_S=10       seconds of pinging watched per N
 * BENCH_SCALE_SHARED=1          also run the largest N with one machine shared by all peers
 * BENCH_SCALE_FLOORS=0          skip the floors run at each N: hand-written peers (workers/scale-bare.ts)
 *                               and the least XState chart of the peer's shape (workers/scale-minimal.ts)
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, fmtPct, mark, si } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import { type FdLimitPlan, LimitedChild, planFdLimit, WANTED_FD_LIMIT } from './workers/scale-child.js';
import type {
  HostsListenResult,
  HostsStats,
  ScaleClientKind,
  ScaleConnectResult,
  ScaleInitResult,
  ScaleMeasureResult,
  ScaleStopResult,
} from './workers/scale-protocol.js';
import { targetsTable } from './lib/report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const TSX = ['--import', 'tsx'];
/** BENCH_SCALE_FROM=src: the clients run src/ through tsx instead of the built package. */
const FROM_SRC = process.env.BENCH_SCALE_FROM === 'src';

const parseList = (text: string | undefined, fallback: number[]): number[] =>
  text
    ? text
        .split(',')
        .map((s) => Number(s.trim().replace(/_/g, '')))
        .filter((n) => Number.isInteger(n) && n > 0)
    : fallback;

const N_LIST = parseList(process.env.BENCH_SCALE_N, [100, 1000, 5000, 15_000]);
const WINDOW_MS = Math.round(1000 * Number(process.env.BENCH_SCALE_WINDOW_S ?? 10));
const SHARED = process.env.BENCH_SCALE_SHARED === '1';
/**
 * Also run each N with the two floors the peer actor is held to: hand-written peers (Node, a socket
 * and our codec on this machine) and the least XState chart of the peer's shape (what XState adds).
 */
const FLOORS = process.env.BENCH_SCALE_FLOORS !== '0';
const TARGET_N = 15_000;
/** CPU per ping round (timer → ping → pong → rtt), GC included, at the largest N that kept up. */
const CPU_PER_ROUND_US = 60;
/** Heap per connected peer after a full GC, at TARGET_N (or the largest N run). */
const HEAP_PER_PEER_KB = 10;
/**
 * A peer's next ping is due 1 s after its last pong, so a peer that keeps up makes 1 / (1 s + RTT)
 * pongs a second: slightly under 1. Under 90% of N the pings are falling behind.
 */
const KEEP_UP = 0.9;
/** 127.40.0.0/16: 65,024 host addresses, nobody else's. */
const SECOND_OCTET = 40;
const FIRST_PORT = 18444;
const PORT_TRIES = 8;
const PING_INTERVAL_MS = 1000;
/** After the last handshake, before the GC and the memory reading: let the first pings settle. */
const SETTLE_MS = 2000;
const CONNECT_TIMEOUT_MS = 60_000;
/** File descriptors a Node process holds besides sockets (stdio, IPC, epoll, libuv, tsx). */
const FD_RESERVE = 256;

interface Run {
  readonly n: number;
  readonly shared: boolean;
  /** The peer actor, or a floor: hand-written peers or the least chart of the peer's shape. */
  readonly kind: ScaleClientKind;
  readonly servers: number;
  readonly port: number;
  readonly init: ScaleInitResult;
  readonly connect: ScaleConnectResult;
  readonly measure: ScaleMeasureResult | null;
  readonly stop: ScaleStopResult | null;
  readonly serverWindow: { readonly pings: number; readonly cpuMs: number } | null;
  readonly serverOpenAfterStop: number;
  readonly serverFds: number;
  readonly serverRss: number;
  /** 1-minute load average of the machine when the window ended (other work on the shared cores). */
  readonly load: number;
  readonly seconds: number;
}

interface Skipped {
  readonly n: number;
  readonly why: string;
}

async function sumStats(servers: readonly LimitedChild[]): Promise<HostsStats> {
  const all = await Promise.all(servers.map((s) => s.request<HostsStats>({ op: 'stats' })));
  const total: Record<string, number> = {};
  for (const s of all) for (const [k, v] of Object.entries(s)) total[k] = (total[k] ?? 0) + v;
  return total as unknown as HostsStats;
}

/** Starts `servers` host processes covering hosts [0, n), all on one port free on every address. */
async function startHosts(ctx: BenchContext, n: number, fd: FdLimitPlan): Promise<{ servers: LimitedChild[]; port: number }> {
  const perServer = Math.max(1, Math.floor((fd.effective - FD_RESERVE) / 2));
  const count = Math.ceil(n / perServer);
  const servers = Array.from({ length: count }, (_, i) =>
    LimitedChild.start(`scale-hosts-${n}-${i}`, path.join(here, 'workers/scale-hosts.ts'), { execArgv: TSX, fd }),
  );
  try {
    for (let port = FIRST_PORT; port < FIRST_PORT + PORT_TRIES; port++) {
      const results = await Promise.all(
        servers.map((s, i) =>
          s.request<HostsListenResult>({
            op: 'listen',
            second: SECOND_OCTET,
            port,
            first: i * perServer,
            count: Math.min(perServer, n - i * perServer),
            topology: { kind: 'none' },
          }),
        ),
      );
      const failed = results.find((r) => !r.ok);
      if (!failed) {
        const ms = Math.max(...results.map((r) => (r.ok ? r.ms : 0)));
        ctx.log(`N=${n}: ${n} hosts listening on 127.${SECOND_OCTET}.x.y:${port} in ${count} process(es), ${ms.toFixed(0)} ms`);
        return { servers, port };
      }
      await Promise.all(servers.map((s) => s.request({ op: 'close' })));
      if (failed.code !== 'EADDRINUSE') throw new Error(`hosts could not listen: ${failed.message}`);
      ctx.log(`port ${port} is taken on some 127.${SECOND_OCTET}.x.y address, trying ${port + 1}`);
    }
    throw new Error(`no free port in ${FIRST_PORT}–${FIRST_PORT + PORT_TRIES - 1}`);
  } catch (error) {
    await Promise.all(servers.map((s) => s.close()));
    throw error;
  }
}

interface Plan {
  readonly n: number;
  readonly shared: boolean;
  readonly kind: ScaleClientKind;
}

const kindText = (p: Plan): string => (p.shared ? ' (shared machine)' : p.kind === 'peer' ? '' : ` (${p.kind})`);
const isPeer = (r: Plan): boolean => !r.shared && r.kind === 'peer';

async function runOne(ctx: BenchContext, plan: Plan, fd: FdLimitPlan): Promise<Run> {
  const { n, shared, kind } = plan;
  const started = performance.now();
  const { servers, port } = await startHosts(ctx, n, fd);
  const client = LimitedChild.start(`scale-client-${n}${shared ? '-shared' : kind === 'peer' ? '' : `-${kind}`}`, path.join(here, 'workers/scale-client.ts'), {
    execArgv: [...TSX, '--expose-gc'],
    fd,
  });
  try {
    const init = await client.request<ScaleInitResult>({ op: 'init' });
    const connect = await client.request<ScaleConnectResult>(
      {
        op: 'connect',
        second: SECOND_OCTET,
        port,
        count: n,
        pingIntervalMs: PING_INTERVAL_MS,
        sharedMachine: shared,
        kind,
        timeoutMs: CONNECT_TIMEOUT_MS,
      },
      CONNECT_TIMEOUT_MS + 30_000,
    );
    const failures = Object.entries(connect.failures).map(([k, v]) => `${v} ${k}`);
    ctx.log(
      `N=${n}${kindText(plan)}: ${connect.connected}/${n} connected in ${(connect.ms / 1e3).toFixed(2)} s${failures.length ? `; failed: ${failures.join(', ')}` : ''}`,
    );
    let measure: ScaleMeasureResult | null = null;
    let load = Number.NaN;
    let serverWindow: Run['serverWindow'] = null;
    if (connect.connected > 0) {
      ctx.log(`N=${n}${kindText(plan)}: settling ${SETTLE_MS / 1e3} s, GC, then ${WINDOW_MS / 1e3} s of 1 s pings`);
      const before = await sumStats(servers);
      measure = await client.request<ScaleMeasureResult>(
        { op: 'measure', settleMs: SETTLE_MS, windowMs: WINDOW_MS },
        SETTLE_MS + WINDOW_MS + 60_000,
      );
      const after = await sumStats(servers);
      load = os.loadavg()[0]!;
      // The server's figures span the settle time too; scale them to the client's window.
      const span = SETTLE_MS + measure.windowMs;
      serverWindow = {
        pings: ((after.pings - before.pings) * measure.windowMs) / span,
        cpuMs: ((after.cpuMs - before.cpuMs) * measure.windowMs) / span,
      };
      ctx.log(
        `N=${n}${kindText(plan)}: ${(measure.pongs / (measure.windowMs / 1e3)).toFixed(0)} pongs/s, loop delay p99 ${fmtMs(measure.delay.p99)} ms, heap/peer ${kb((measure.memory.heapUsed - init.baseline.heapUsed) / connect.connected)} KB`,
      );
    }
    const peak = await sumStats(servers);
    const stop = await client.request<ScaleStopResult>({ op: 'stop' }, 60_000);
    let serverOpen = (await sumStats(servers)).open;
    for (let i = 0; i < 30 && serverOpen > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      serverOpen = (await sumStats(servers)).open;
    }
    ctx.log(`N=${n}${kindText(plan)}: STOP → ${stop.stopped}/${stop.peers} stopped in ${fmtMs(stop.ms)} ms; host side open afterwards: ${serverOpen}`);
    return {
      n,
      shared,
      kind,
      servers: servers.length,
      port,
      init,
      connect,
      measure,
      stop,
      serverWindow,
      serverOpenAfterStop: serverOpen,
      serverFds: peak.fds,
      serverRss: peak.rss,
      load,
      seconds: (performance.now() - started) / 1e3,
    };
  } finally {
    await client.close();
    await Promise.all(servers.map((s) => s.close()));
  }
}

const kb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '–');
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const limitText = (n: number): string => (Number.isFinite(n) ? n.toLocaleString('en') : 'unlimited');

/** ": at the measured N = …, ≈ … peers", from the lowest-N run that kept up with its pings. */
function costLine(runs: readonly Run[]): string {
  const steady = runs.filter((r) => r.measure && r.measure.pongs / (r.measure.windowMs / 1e3) >= KEEP_UP * r.n && isPeer(r));
  const r = steady.sort((a, b) => b.n - a.n)[0];
  if (!r) return '';
  const perPong = (r.measure!.cpuMs * 1000) / r.measure!.pongs;
  return ` (from N = ${r.n.toLocaleString('en')}, the largest that kept up: ${perPong.toFixed(0)} µs → ≈ ${si(1e6 / perPong)} peers per core, before any other work)`;
}

/** A run meets the target when every one of its N peers connected, kept pinging, and stopped. */
function healthy(r: Run): boolean {
  const m = r.measure;
  return (
    r.connect.connected === r.n &&
    m !== null &&
    m.pongs / (m.windowMs / 1e3) >= KEEP_UP * r.n &&
    Object.keys(m.disconnects).length === 0 &&
    r.stop !== null &&
    r.stop.stopped === r.n
  );
}

async function run(ctx: BenchContext): Promise<ModuleReport> {
  if (!FROM_SRC) {
    // The clients load the built package, as embedders do: build it from the src/ being measured.
    ctx.log('building dist/ (tsc -p tsconfig.build.json)');
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  const fd = planFdLimit();
  ctx.log(
    `open files: hard limit ${limitText(fd.hardBefore)}; children run with ${limitText(fd.effective)} (${fd.raisedHard ? 'raised the hard limit' : `ulimit -n ${WANTED_FD_LIMIT} refused above the hard limit, so the hard limit`})`,
  );
  const runs: Run[] = [];
  const skipped: Skipped[] = [];
  const kinds: ScaleClientKind[] = FLOORS ? ['peer', 'minimal-chart', 'hand-written'] : ['peer'];
  const plan: Plan[] = N_LIST.flatMap((n) => kinds.map((kind) => ({ n, shared: false, kind })));
  if (SHARED && N_LIST.length) plan.push({ n: Math.max(...N_LIST), shared: true, kind: 'peer' });
  for (const one of plan) {
    const { n } = one;
    // The client holds one socket per peer; each host process two per host (listener + accepted).
    if (n + FD_RESERVE > fd.effective) {
      skipped.push({ n, why: `needs > ${n + FD_RESERVE} fds in the client process, the limit is ${limitText(fd.effective)}` });
      ctx.log(`N=${n}: skipped (${skipped.at(-1)!.why})`);
      continue;
    }
    try {
      runs.push(await runOne(ctx, one, fd));
    } catch (error) {
      skipped.push({ n, why: (error as Error).message.split('\n')[0]! });
      ctx.log(`N=${n}: failed: ${(error as Error).message}`);
    }
  }

  const series = (kind: ScaleClientKind): Run[] =>
    runs.filter((r) => !r.shared && r.kind === kind && r.measure).sort((a, b) => a.n - b.n);
  const plain = series('peer');
  const label = (r: Run): string => `${r.n.toLocaleString('en')}${kindText(r)}`;
  const heapPer = (r: Run): number => (r.measure!.memory.heapUsed - r.init.baseline.heapUsed) / r.connect.connected;
  const rssPer = (r: Run): number => (r.measure!.memory.rss - r.init.baseline.rss) / r.connect.connected;
  const marginal = (r: Run, key: 'heapUsed' | 'rss'): string => {
    const same = series(r.kind);
    const i = same.indexOf(r);
    if (i <= 0) return '';
    const prev = same[i - 1]!;
    return kb(
      (r.measure!.memory[key] - prev.measure!.memory[key] - (r.init.baseline[key] - prev.init.baseline[key])) /
        (r.connect.connected - prev.connect.connected),
    );
  };

  const memColumns = [
    'N',
    'connected',
    'connect all (s)',
    'heap/peer KB',
    'RSS/peer KB',
    'Δheap/ΔN KB¹',
    'ΔRSS/ΔN KB¹',
    'heap MB',
    'RSS MB',
    'client fds',
    'host fds',
    'stopped',
    'heap after STOP − baseline KB',
  ];
  const memRows = runs.map((r) => {
    const m = r.measure;
    return [
      label(r),
      `${r.connect.connected}/${r.n}`,
      (r.connect.ms / 1e3).toFixed(2),
      m ? kb(heapPer(r)) : '–',
      m ? kb(rssPer(r)) : '–',
      m && !r.shared ? marginal(r, 'heapUsed') : '',
      m && !r.shared ? marginal(r, 'rss') : '',
      m ? mb(m.memory.heapUsed) : '–',
      m ? mb(m.memory.rss) : '–',
      String(m?.fds ?? r.connect.fds),
      String(r.serverFds),
      r.stop ? `${r.stop.stopped}/${r.stop.peers} ${mark(r.stop.stopped === r.stop.peers && r.stop.userStop === r.stop.peers)}` : '–',
      r.stop ? kb(r.stop.memory.heapUsed - r.init.baseline.heapUsed) : '–',
    ];
  });
  const memTable: Table = {
    title: 'N connected peers in one process — memory (after settling and a full GC, minus the same process before any peer)',
    columns: memColumns,
    numeric: memColumns.map((_, i) => i).filter((i) => i !== 0 && i !== 1 && i !== 11),
    rows: memRows,
    notes: [
      '¹ marginal cost: the growth from the previous N divided by the peers added, which leaves out what is paid once (code, JIT, module state).',
      'stopped: actors whose snapshot is `done` with output.reason `user-stop` after STOP to each; heap after STOP: once the actors are dropped and a full GC ran — a heap-snapshot diff shows the remainder is compiled code (V8 code objects), not peers.',
      ...skipped.map((s) => `N = ${s.n.toLocaleString('en')} not measured: ${s.why}.`),
    ],
  };

  const loadColumns = [
    'N',
    'pongs/s',
    'pongs/s ÷ N',
    'loop delay p50 ms',
    'p99 ms',
    'max ms',
    'loop busy (ELU)',
    'client CPU',
    'client CPU µs/pong²',
    'host CPU',
    'RTT p50 ms',
    'RTT p99 ms',
    'disconnects',
    'load avg³',
  ];
  const loadRows = runs
    .filter((r) => r.measure)
    .map((r) => {
      const m = r.measure!;
      const seconds = m.windowMs / 1e3;
      const cpu = m.cpuMs / m.windowMs;
      const drops = Object.entries(m.disconnects).map(([k, v]) => `${v} ${k}`);
      return [
        label(r),
        (m.pongs / seconds).toFixed(0),
        (m.pongs / seconds / r.n).toFixed(2),
        fmtMs(m.delay.p50),
        fmtMs(m.delay.p99),
        fmtMs(m.delay.max),
        fmtPct(m.elu),
        fmtPct(cpu),
        m.pongs ? ((m.cpuMs * 1000) / m.pongs).toFixed(0) : '–',
        r.serverWindow ? fmtPct(r.serverWindow.cpuMs / m.windowMs) : '–',
        fmtMs(m.rtt.p50),
        fmtMs(m.rtt.p99),
        drops.length ? drops.join(', ') : '0',
        r.load.toFixed(1),
      ];
    });
  const loadTable: Table = {
    title: `While every peer pings every ${PING_INTERVAL_MS / 1e3} s — ${WINDOW_MS / 1e3} s window per N`,
    columns: loadColumns,
    numeric: loadColumns.map((_, i) => i).filter((i) => i !== 0 && i !== 12),
    rows: loadRows,
    notes: [
      `loop delay: perf_hooks.monitorEventLoopDelay({ resolution: ${runs[0]?.measure?.resolutionMs ?? 10} }), the timer's own period taken off each figure, so 0 = no delay. ELU: performance.eventLoopUtilization over the window. CPU: process.cpuUsage (user + system) over the window, 100% = one core.`,
      'RTT: the peers’ own round-trip measure (ping sent → expected pong handled), so it includes the time the event loop kept the pong waiting. A peer pings again 1 s after each pong, so pongs/s ÷ N is 1 / (1 s + RTT) at best: just under 1 when the loop keeps up, far under when it does not.',
      'host CPU: the lean host process(es) answering, for comparison; they share this two-core machine with the client.',
      `² client CPU time in the window ÷ pongs received: what one ping round (timer → ping out → pong in → rtt) costs the client, GC included; unlike the delays it hardly depends on other load. One core sustains about 1,000,000 ÷ this many peers pinging every second${costLine(runs)}.`,
      '³ 1-minute load average of the machine at the end of the window: above 2 (the cores here), other work competed with the client for CPU and wall-clock figures (delay, ELU, pongs/s, RTT) are worse than on an idle machine.',
    ],
  };

  const floorColumns = [
    'N',
    'peer actor µs/pong',
    'minimal chart µs/pong',
    'hand-written µs/pong',
    'peer actor heap/peer KB',
    'minimal chart heap/peer KB',
    'hand-written heap/peer KB',
  ];
  const perPong = (r: Run | undefined): string => (r?.measure?.pongs ? ((r.measure.cpuMs * 1000) / r.measure.pongs).toFixed(0) : '–');
  const heapOf = (r: Run | undefined): string => (r?.measure ? kb(heapPer(r)) : '–');
  const floorRows = FLOORS
    ? plain.map((r) => {
        const minimal = series('minimal-chart').find((f) => f.n === r.n);
        const hand = series('hand-written').find((f) => f.n === r.n);
        return [r.n.toLocaleString('en'), perPong(r), perPong(minimal), perPong(hand), heapOf(r), heapOf(minimal), heapOf(hand)];
      })
    : [];
  const floorTable: Table = {
    title: 'The peer actor against its floors (same N, same hosts, same codec, same rounds)',
    columns: floorColumns,
    numeric: floorColumns.map((_, i) => i).filter((i) => i !== 0),
    rows: floorRows,
    notes: [
      'Each floor does the peer actor\'s rounds — version/verack, then a ping 1 s after each pong with the peer\'s own nonce source, the nonce checked, the round trip measured and reported, under the peer\'s timers (connect and handshake deadlines, ping timeout) — and no more. The peer actor does a little more, which stays on its side of the comparison: it also sends wtxidrelay, sendaddrv2 and one getaddr at the handshake (the hosts answer an empty addr) and emits a `message` event for every message in and out.',
      'hand-written (workers/scale-bare.ts): a net.Socket, our Framer and codec, plain timers; no XState. The least Node, a socket and the protocol work cost on this machine.',
      'minimal chart (workers/scale-minimal.ts): the least XState v5 chart of the peer\'s shape — a root actor invoking a socket and a codec callback actor, a parallel session (traffic | link), connecting → handshaking → connected (pinging ↔ idle) on delays, a few context fields, one guard, no options or logs. Above the hand-written peer it is what XState itself costs for this shape; a target below it cannot be met by work on our chart or actors.',
    ],
  };

  /** "; floors: minimal chart …, hand-written …" at `n`, or nothing when the floors were not run. */
  const floorsAt = (n: number, figure: (r: Run) => string): string => {
    const minimal = series('minimal-chart').find((f) => f.n === n);
    const hand = series('hand-written').find((f) => f.n === n);
    return minimal && hand ? `; floors: minimal chart ${figure(minimal)}, hand-written ${figure(hand)}` : '';
  };
  const targets: Target[] = [];
  const best = runs.filter((r) => isPeer(r) && healthy(r)).sort((a, b) => b.n - a.n)[0];
  const atTarget = runs.find((r) => isPeer(r) && r.n >= TARGET_N);
  const met = atTarget !== undefined && healthy(atTarget);
  targets.push({
    name: 'concurrent peers in one process',
    goal: `${TARGET_N.toLocaleString('en')} connected, each pinging every second`,
    actual: atTarget
      ? `${atTarget.connect.connected.toLocaleString('en')} connected, ${atTarget.measure ? (atTarget.measure.pongs / (atTarget.measure.windowMs / 1e3)).toFixed(0) : 0} pongs/s, loop delay p99 ${atTarget.measure ? fmtMs(atTarget.measure.delay.p99) : '–'} ms, ${atTarget.stop?.stopped ?? 0} stopped`
      : `not run; highest N that worked: ${best ? best.n.toLocaleString('en') : 'none'}`,
    met,
  });
  const steady = runs
    .filter((r) => isPeer(r) && r.measure && r.measure.pongs / (r.measure.windowMs / 1e3) >= KEEP_UP * r.n)
    .sort((a, b) => b.n - a.n)[0];
  const perRound = steady ? (steady.measure!.cpuMs * 1000) / steady.measure!.pongs : Number.NaN;
  targets.push({
    name: 'client CPU per ping round',
    goal: `≤ ${CPU_PER_ROUND_US} µs`,
    actual: steady ? `${perRound.toFixed(0)} µs (N = ${steady.n.toLocaleString('en')})${floorsAt(steady.n, (r) => `${perPong(r)} µs`)}` : 'no N kept up',
    met: perRound <= CPU_PER_ROUND_US,
  });
  const heapRun = atTarget?.measure ? atTarget : plain.at(-1);
  const heapKb = heapRun ? heapPer(heapRun) / 1024 : Number.NaN;
  targets.push({
    name: 'heap per connected peer',
    goal: `≤ ${HEAP_PER_PEER_KB} KB`,
    actual: heapRun ? `${heapKb.toFixed(1)} KB (N = ${heapRun.n.toLocaleString('en')})${floorsAt(heapRun.n, (r) => `${heapOf(r)} KB`)}` : 'not measured',
    met: heapKb <= HEAP_PER_PEER_KB,
  });
  const targetTable = targetsTable(targets, [
      `Met when every peer connected, pongs/s ≥ ${KEEP_UP * 100}% of N over the window (the pings keep up), no disconnects, and every peer stopped on STOP.`,
      'floors: the same figure for the least XState chart of the peer\'s shape and for hand-written peers at the same N (see the table above): a goal under the minimal chart\'s figure asks for less than XState itself costs.',
    ]);

  const hostProcs = [...new Set(runs.map((r) => r.servers))].join('/');
  return {
    tables: [memTable, loadTable, ...(floorRows.length ? [floorTable] : []), targetTable],
    targets,
    notes: [
      `Client: one fresh \`node --import tsx --expose-gc\` process per N running N actors from ${FROM_SRC ? 'src/ through tsx (BENCH_SCALE_FROM=src)' : 'the built package (dist/, built by this module first), as an embedder runs it; through tsx, esbuild\'s keepNames adds about 3 KB of heap a peer (BENCH_SCALE_FROM=src measures that)'}: startPeer({ host: 127.${SECOND_OCTET}.x.y, port, network: 'regtest', connectOnStart: true, pingIntervalMs: ${PING_INTERVAL_MS}, maxRetries: 0, transport: 'v1' }) — the real peer machine with the TCP socket and codec actors — started together; one listener function shared by all actors counts lifecycle, disconnect and rtt events. Per-peer figures are (after − before) / connected peers, measured in that same process after a full GC (global.gc × 3).`,
      `Hosts: ${hostProcs} separate process(es) per N (workers/scale-hosts.ts), each listening on its share of 127.${SECOND_OCTET}.0.0/16 at one port (${runs[0]?.port ?? FIRST_PORT}), one address per peer, answering version + verack, pong and an empty addr with our codec — no scripted-peer bookkeeping, so the host side stays cheap.`,
      `Sequence per N: connect all (timeout ${CONNECT_TIMEOUT_MS / 1e3} s) → ${SETTLE_MS / 1e3} s settle → full GC → memory → ${WINDOW_MS / 1e3} s window (event-loop delay, ELU, CPU, pongs, RTT) → STOP all → check every actor is done → drop, GC, memory again; host-side connections are checked to reach 0.`,
      `Open files: each connection is one fd in the client and one in a host process, plus one listener per host. Children are spawned as \`/bin/sh -c '${fd.prelude}; exec node …'\`; the hard limit here was ${limitText(fd.hardBefore)} and the children ran with ${limitText(fd.effective)}${fd.raisedHard ? ' (hard limit raised, running as root)' : ` (raising the hard limit to ${WANTED_FD_LIMIT.toLocaleString('en')} was refused: no CAP_SYS_RESOURCE)`}. That allows up to ${limitText(fd.effective - FD_RESERVE)} peers in one client process and ${limitText(Math.floor((fd.effective - FD_RESERVE) / 2))} hosts per host process.`,
      'Floors: each N is also run with hand-written peers and with the least XState chart of the peer\'s shape (see the floors table), each in a fresh client process of its own against fresh hosts, in the same sequence; they run from src/ through tsx, whose keepNames touches none of their per-peer closures.',
      'Env: BENCH_SCALE_N (comma-separated N list), BENCH_SCALE_WINDOW_S (window length), BENCH_SCALE_SHARED=1 (also the largest N with one createPeerMachine() shared by all peers), BENCH_SCALE_FROM=src (the clients run src/ through tsx), BENCH_SCALE_FLOORS=0 (skip the floors).',
    ],
  };
}

export const scaleBench: BenchModule = {
  name: 'scale',
  title: 'Concurrent peers in one process (memory, event loop, 1 s pings)',
  run,
};
