/**
 * Crawl benchmark: wall time and memory of crawling a local network of lean hosts from one seed,
 * with createCrawl (src/crawl.ts) — the real crawl machine spawning real peer machines over TCP —
 * at several concurrencies.
 *
 * One host process (workers/scale-hosts.ts) listens on 1,000 addresses of 127.41.0.0/16 at one
 * port; each host completes the handshake, answers ping, and answers getaddr with k other hosts
 * (the next one on a ring plus k − 1 fixed random ones), so a crawl from host 0 discovers all.
 * Every crawl runs in a fresh client process (workers/crawl-client.ts); every run must reach every
 * host exactly once, or the module fails: a wrong count invalidates the figure.
 *
 * BENCH_CRAWL_HOSTS=1000  BENCH_CRAWL_CONCURRENCY=50,200,500  BENCH_CRAWL_K=4  BENCH_CRAWL_REPS=3  BENCH_CRAWL_FLOORS=0
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtPct, mark, median, spread } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import { type FdLimitPlan, LimitedChild, planFdLimit } from './workers/scale-child.js';
import type { CrawlRunResult, HostsListenResult, HostsStats, Topology } from './workers/scale-protocol.js';

/** Crawl-process CPU per node (connect, handshake, getaddr/addr, stop, record), GC included. */
const CPU_PER_NODE_MS = 1.5;
const here = path.dirname(fileURLToPath(import.meta.url));
const TSX = ['--import', 'tsx'];

const int = (text: string | undefined, fallback: number): number => {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};
const HOSTS = int(process.env.BENCH_CRAWL_HOSTS, 1000);
const CONCURRENCY = (process.env.BENCH_CRAWL_CONCURRENCY ?? '50,200,500')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const K = Math.max(2, int(process.env.BENCH_CRAWL_K, 4));
const REPS = int(process.env.BENCH_CRAWL_REPS, 3);
/** 127.41.0.0/16: nobody else's (the scale benchmark uses 127.40). */
const SECOND_OCTET = 41;
const FIRST_PORT = 18444;
const PORT_TRIES = 8;
const TOPOLOGY_SEED = 0xc0ffee;
const RUN_TIMEOUT_MS = 120_000;
/** Also crawl with the least XState chart of the peer's shape as the crawl's peer: the floor XState sets. */
const FLOORS = process.env.BENCH_CRAWL_FLOORS !== '0';
type CrawlKind = 'peer' | 'minimal-chart';

async function startHosts(ctx: BenchContext, fd: FdLimitPlan, topology: Topology): Promise<{ hosts: LimitedChild; port: number }> {
  const hosts = LimitedChild.start('crawl-hosts', path.join(here, 'workers/scale-hosts.ts'), { execArgv: TSX, fd });
  try {
    for (let port = FIRST_PORT; port < FIRST_PORT + PORT_TRIES; port++) {
      const r = await hosts.request<HostsListenResult>({ op: 'listen', second: SECOND_OCTET, port, first: 0, count: HOSTS, topology });
      if (r.ok) {
        ctx.log(`${HOSTS} hosts listening on 127.${SECOND_OCTET}.x.y:${port} (fd limit ${r.limits.soft}), ${r.ms.toFixed(0)} ms`);
        return { hosts, port };
      }
      if (r.code !== 'EADDRINUSE') throw new Error(`hosts could not listen: ${r.message}`);
      ctx.log(`port ${port} is taken on some 127.${SECOND_OCTET}.x.y address, trying ${port + 1}`);
    }
    throw new Error(`no free port in ${FIRST_PORT}–${FIRST_PORT + PORT_TRIES - 1}`);
  } catch (error) {
    await hosts.close();
    throw error;
  }
}

interface Sample {
  readonly result: CrawlRunResult;
  /** 1-minute load average when the crawl ended. */
  readonly load: number;
  readonly hostCpuMs: number;
  readonly getaddrs: number;
}

/** Throws unless the crawl reached every host exactly once, and nothing else. */
function check(r: CrawlRunResult, getaddrs: number): void {
  const unreachable = Object.entries(r.summary.unreachable).map(([k, v]) => `${v} ${k}`);
  const problems = [
    r.summary.reachable !== HOSTS && `summary.reachable = ${r.summary.reachable}`,
    r.distinctReachable !== HOSTS && `${r.distinctReachable} distinct reachable records`,
    r.records !== HOSTS && `${r.records} node records`,
    r.summary.heard !== HOSTS && `heard of ${r.summary.heard}`,
    unreachable.length > 0 && `unreachable: ${unreachable.join(', ')}`,
    r.summary.interrupted && 'interrupted',
    getaddrs !== HOSTS && `the hosts answered ${getaddrs} getaddr`,
  ].filter(Boolean);
  if (problems.length)
    throw new Error(
      `crawl at concurrency ${r.concurrency} did not reach exactly the ${HOSTS} hosts (${problems.join('; ')}): the figure is invalid`,
    );
}

async function crawlOnce(
  fd: FdLimitPlan,
  hosts: LimitedChild,
  port: number,
  concurrency: number,
  rep: number,
  kind: CrawlKind,
): Promise<Sample> {
  const client = LimitedChild.start(`crawl-client-c${concurrency}-r${rep}${kind === 'peer' ? '' : `-${kind}`}`, path.join(here, 'workers/crawl-client.ts'), {
    execArgv: [...TSX, '--expose-gc'],
    fd,
  });
  try {
    const before = await hosts.request<HostsStats>({ op: 'stats' });
    const result = await client.request<CrawlRunResult>(
      { op: 'run', second: SECOND_OCTET, port, concurrency, seed: 0, kind },
      RUN_TIMEOUT_MS,
    );
    // Let the hosts see the last connections close before reading their counters.
    let after = await hosts.request<HostsStats>({ op: 'stats' });
    for (let i = 0; i < 30 && after.open > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await hosts.request<HostsStats>({ op: 'stats' });
    }
    const getaddrs = after.getaddrs - before.getaddrs;
    check(result, getaddrs);
    return { result, load: os.loadavg()[0]!, hostCpuMs: after.cpuMs - before.cpuMs, getaddrs };
  } finally {
    await client.close();
  }
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const fd = planFdLimit();
  const topology: Topology = { kind: 'ring-chords', size: HOSTS, k: K, seed: TOPOLOGY_SEED };
  const { hosts, port } = await startHosts(ctx, fd, topology);
  const kinds: CrawlKind[] = FLOORS ? ['peer', 'minimal-chart'] : ['peer'];
  const runs = kinds.flatMap((kind) => CONCURRENCY.map((c) => ({ kind, c, key: `${kind}:${c}` })));
  const samples = new Map<string, Sample[]>(runs.map((r) => [r.key, []]));
  try {
    // Interleaved: rep 1 of every concurrency, then rep 2, … so that machine noise falls on all alike.
    for (let rep = 0; rep < REPS; rep++) {
      for (let k = 0; k < runs.length; k++) {
        const { kind, c, key } = runs[(rep + k) % runs.length]!;
        const s = await crawlOnce(fd, hosts, port, c, rep, kind);
        samples.get(key)!.push(s);
        ctx.log(
          `${kind === 'peer' ? '' : `${kind}, `}concurrency ${c}, rep ${rep + 1}/${REPS}: ${s.result.summary.reachable}/${HOSTS} reachable in ${(s.result.ms / 1e3).toFixed(2)} s, peak RSS ${mib(s.result.peak.rss)} MiB, peak heap ${mib(s.result.peak.heapUsed)} MiB`,
        );
      }
    }
  } finally {
    await hosts.close();
  }

  const columns = [
    'concurrency',
    'wall time s',
    'noise¹',
    'nodes/s',
    'peak RSS MiB',
    'peak RSS − before',
    'peak heap MiB',
    'peak heap − before',
    'maxRSS MiB²',
    'client CPU',
    'CPU ms/node⁴',
    'host CPU',
    'peak fds',
    'peak active³',
    'reachable',
    'load avg⁵',
  ];
  const rows = runs.map(({ kind, c, key }) => {
    const list = samples.get(key)!;
    const times = list.map((s) => s.result.ms);
    const ms = median(times);
    const pick = (f: (s: Sample) => number): number => median(list.map(f));
    return [
      kind === 'peer' ? String(c) : `${c} (${kind})`,
      (ms / 1e3).toFixed(2),
      fmtPct(spread(times)),
      (HOSTS / (ms / 1e3)).toFixed(0),
      mib(pick((s) => s.result.peak.rss)),
      mib(pick((s) => s.result.peak.rss - s.result.baseline.rss)),
      mib(pick((s) => s.result.peak.heapUsed)),
      mib(pick((s) => s.result.peak.heapUsed - s.result.baseline.heapUsed)),
      mib(pick((s) => s.result.maxRss)),
      fmtPct(pick((s) => s.result.cpuMs / s.result.ms)),
      (pick((s) => s.result.cpuMs) / HOSTS).toFixed(2),
      fmtPct(pick((s) => s.hostCpuMs / s.result.ms)),
      pick((s) => s.result.peakFds).toFixed(0),
      pick((s) => s.result.peakActive).toFixed(0),
      `${Math.min(...list.map((s) => s.result.summary.reachable))}/${HOSTS} ${mark(true)}`,
      pick((s) => s.load).toFixed(1),
    ];
  });
  const table: Table = {
    title: `Crawling ${HOSTS.toLocaleString('en')} local hosts from one seed — createCrawl, median of ${REPS} runs per concurrency`,
    columns,
    numeric: columns.map((_, i) => i).filter((i) => i !== 0 && i !== 14),
    rows,
    notes: [
      '¹ (max − min) / median of the wall times.',
      '² process.resourceUsage().maxRSS of the crawl process: the true peak, module loading included; peak RSS and heap are sampled every 10 ms during the crawl, "− before" subtracts the same process after a full GC just before it.',
      'CPU: process.cpuUsage over the crawl ÷ its wall time (100% = one core); host CPU: the host process over the same span.',
      '³ the most peers the crawl had connecting or connected at once (its progress events): below the concurrency when the queue of discovered hosts ran dry.',
      '⁴ crawl-process CPU time ÷ hosts: what one node costs (connect, handshake, ping, getaddr/addr, stop, record), GC included. The crawl is CPU-bound on one core, so its wall time follows this figure and whatever else the machine runs; this figure hardly depends on that.',
      '⁵ median 1-minute load average when the runs ended: above 2 (the cores here), other work competed for the CPU and the wall times are longer than on an idle machine.',
    ],
  };

  const fastest = Math.min(...rows.filter((_, i) => runs[i]!.kind === 'peer').map((r) => Number(r[1])));
  // The cheapest concurrency's median: CPU per node hardly depends on the concurrency.
  const cpuPerNodeOf = (kind: CrawlKind): number =>
    Math.min(...CONCURRENCY.map((c) => median(samples.get(`${kind}:${c}`)!.map((s) => s.result.cpuMs)) / HOSTS));
  const cpuPerNode = cpuPerNodeOf('peer');
  const targets: Target[] = [
    {
      name: 'crawl CPU per node',
      goal: `≤ ${CPU_PER_NODE_MS} ms`,
      actual: `${cpuPerNode.toFixed(2)} ms${FLOORS ? `; floor: the minimal chart ${cpuPerNodeOf('minimal-chart').toFixed(2)} ms` : ''}`,
      met: cpuPerNode <= CPU_PER_NODE_MS,
    },
    {
      name: `crawl ${HOSTS.toLocaleString('en')} local hosts`,
      goal: `every host reached at concurrency ${CONCURRENCY.join(', ')}`,
      actual: `${HOSTS}/${HOSTS} in all ${REPS * runs.length} runs; fastest median ${fastest.toFixed(2)} s`,
      met: true,
    },
  ];

  return {
    tables: [table],
    targets,
    notes: [
      `Network: ${HOSTS.toLocaleString('en')} lean hosts in one process (workers/scale-hosts.ts) on 127.${SECOND_OCTET}.0.0/16, all on port ${port}; each completes the version/verack handshake, answers ping, and answers getaddr with an addr of ${K} other hosts: the next on a ring (so host 0 reaches everybody) and ${K - 1} chosen at random with a fixed seed (0x${TOPOLOGY_SEED.toString(16)}). A pure ring would make the crawl discover one new host per visit, and concurrency would not matter.`,
      `Crawl: createCrawl({ network: 'regtest', start: [host 0], concurrency, followLocal: true, addrTimeoutMs: 10000 }) with the real peer machine over TCP (src/crawl.ts), timed from start() to its final state in a fresh \`node --import tsx --expose-gc\` process per run; runs interleaved by concurrency.`,
      ...(FLOORS
        ? [
            "minimal chart: the same crawl with the least XState v5 chart of the peer's shape as its peer actor (bench/workers/scale-minimal.ts through createCrawl's peerMachine: a root actor invoking a socket and a codec callback actor, a parallel session, connecting → handshaking → connected on delays; version/verack, getaddr, ping; it emits the handshake, rtt and addresses the crawl listens to). What XState costs for a crawl of this shape, the crawl machine included; a goal below it cannot be met by work on the peer. BENCH_CRAWL_FLOORS=0 leaves it out.",
          ]
        : []),
      `Checked on every run, or the module fails: summary.reachable, the distinct reachable node records and all node records equal ${HOSTS.toLocaleString('en')}, nothing unreachable, not interrupted, and the hosts answered exactly ${HOSTS.toLocaleString('en')} getaddr.`,
      `Open files: children spawned as \`/bin/sh -c '${fd.prelude}; exec node …'\`, limit ${fd.effective.toLocaleString('en')} (hard limit ${fd.hardBefore.toLocaleString('en')}).`,
    ],
  };
}

export const crawlBench: BenchModule = {
  name: 'crawl',
  title: 'Crawling a local network (wall time, memory)',
  run,
};
