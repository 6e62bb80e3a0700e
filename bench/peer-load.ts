/**
 * Peer under load: one connected peer, flooded by a local peer over loopback TCP. The flood comes
 * from a server process (bench/workers/peer-server.ts); each client is its own process: our peer
 * through the full statechart path (createPeer: socket actor, codec actor, machine), the same
 * protocol work without the statechart (a reference), and bcoin 1.0.2's Peer class with each of
 * its hash backends. Every client gets the same server and the same bytes.
 *
 * - ping flood: pings with unique nonces, as fast as the socket takes them; counted are the pongs
 *   that come back to the server (nonces checked in order), per second.
 * - inv floods (1 and 50 entries per message): messages that only produce an event; counted in
 *   the client: our actor's 'message' events, bcoin's 'packet' events.
 */
import { fmtPct, fmtRatio, mark, median, si, spread } from './lib/stats.js';
import { NotMeasured } from './lib/not-measured.js';
import { type Session, session } from './lib/flood-session.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import { type FloodMode, INV_ENTRIES } from './workers/peer-protocol.js';
import {
  BCOIN_KEYS,
  CANDIDATE,
  type Client,
  type ClientKey,
  closeAll,
  startClients,
  startServer,
} from './workers/peer-procs.js';
import { targetsTable } from './lib/report.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
/** A measured session: this long after the handshake before counting, then a window of this long. */
const WARMUP_MS = 200;
const WINDOW_MS = 700;
/**
 * Ping frames built before the floods: enough for a session of a client answering 100,000 pings/s
 * plus the 16,384 the server keeps in flight; a faster one makes the server build more as it goes.
 */
const PREPARED_PINGS = 160 * 1024;
/** One unmeasured session per client and flood before the rounds, to warm the JIT. */
const PRIME = { warmupMs: 100, windowMs: 200 };

interface FloodSpec {
  readonly mode: FloodMode;
  readonly label: string;
  readonly counted: string;
}

const ALL_FLOODS: readonly FloodSpec[] = [
  { mode: 'ping', label: 'ping flood', counted: 'pongs/s back at the server' },
  { mode: 'inv1', label: 'inv × 1 flood', counted: 'msgs/s handled by the client' },
  { mode: 'inv50', label: 'inv × 50 flood', counted: 'msgs/s handled by the client' },
];
/** BENCH_PEER_FLOODS=ping,inv50: only these floods (while working on one; the report says which ran). */
const ONLY = process.env.BENCH_PEER_FLOODS?.split(',').map((s) => s.trim());
const FLOODS = ONLY ? ALL_FLOODS.filter((f) => ONLY.includes(f.mode)) : ALL_FLOODS;

const CLIENTS: readonly ClientKey[] = ['ours', ...(CANDIDATE ? (['candidate'] as const) : []), 'bare', ...BCOIN_KEYS];

interface FloodResult {
  readonly spec: FloodSpec;
  /** Per client key, one session per round, in round order. */
  readonly sessions: Map<ClientKey, Session[]>;
}

const rates = (r: FloodResult, key: ClientKey): number[] => r.sessions.get(key)!.map((s) => s.rate);
const rateOf = (r: FloodResult, key: ClientKey): number => median(rates(r, key));

/** The bcoin backend with the higher median rate in this flood. */
const bestBcoin = (r: FloodResult): ClientKey =>
  BCOIN_KEYS.reduce((a, b) => (rateOf(r, b) > rateOf(r, a) ? b : a));

/** Median over rounds of a's rate ÷ b's rate in the same round. */
const ratio = (r: FloodResult, a: ClientKey, b: ClientKey): number => {
  const ra = rates(r, a);
  const rb = rates(r, b);
  return median(ra.map((x, i) => x / rb[i]!));
};

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const started = performance.now();
  const server = await startServer();
  let clients: Client[] = [];
  try {
    clients = await startClients(CLIENTS);
    ctx.log(`server on 127.0.0.1:${server.port}; ${clients.map((c) => `${c.label} = ${c.backend}`).join('; ')}`);
    const results: FloodResult[] = [];
    // Every ping of a session is built before the floods, so the server only writes while measuring.
    await server.worker.request({ op: 'prepare', pings: PREPARED_PINGS });
    const unmeasured: string[] = [];
    for (const spec of FLOODS) {
      try {
        ctx.log(`${spec.label}: warm-up`);
        for (const c of clients) await session(server, c, spec.mode, PRIME, ctx.log);
        const sessions = new Map<ClientKey, Session[]>(clients.map((c) => [c.key, []]));
        for (let round = 0; round < REPS; round++) {
          for (let k = 0; k < clients.length; k++) {
            const c = clients[(round + k) % clients.length]!;
            const s = await session(server, c, spec.mode, { warmupMs: WARMUP_MS, windowMs: WINDOW_MS }, ctx.log);
            sessions.get(c.key)!.push(s);
          }
        }
        const result: FloodResult = { spec, sessions };
        ctx.log(
          `${spec.label}: ${clients.map((c) => `${c.label} ${si(rateOf(result, c.key))}/s`).join(', ')}`,
        );
        results.push(result);
      } catch (error) {
        if (!(error instanceof NotMeasured)) throw error;
        ctx.log(`${spec.label}: not measured: ${error.message}`);
        unmeasured.push(`${spec.label}: not measured: ${error.message}`);
      }
    }
    const measured = report(results, clients, (performance.now() - started) / 1e3);
    return {
      ...measured,
      targets: [
        ...measured.targets,
        ...unmeasured.map((why) => ({ name: why.split(':')[0]!, goal: VS_BCOIN_GOAL, actual: 'not measured', met: false })),
      ],
      notes: [...unmeasured, ...measured.notes],
    };
  } finally {
    await closeAll([server.worker, ...clients.map((c) => c.worker)]);
  }
}

/** Ours ÷ the faster bcoin backend, per flood. */
const VS_BCOIN = 1.5;
/** Ours ÷ the codec alone on a bare socket: the machine and its actors cost at most a third on top. */
const VS_CODEC = 0.75;
const VS_BCOIN_GOAL = `≥ ${VS_BCOIN}× bcoin`;

function report(results: readonly FloodResult[], clients: readonly Client[], seconds: number): ModuleReport {
  const vsBcoin: Target[] = results.map((r) => {
    const best = bestBcoin(r);
    const x = ratio(r, 'ours', best);
    return {
      name: `${r.spec.label}: ${r.spec.counted}`,
      goal: VS_BCOIN_GOAL,
      actual: `${fmtRatio(x)} (vs ${best.replace('-', ' ')})`,
      met: x >= VS_BCOIN,
    };
  });
  const vsCodec: Target[] = results.map((r) => {
    const x = ratio(r, 'ours', 'bare');
    return { name: `${r.spec.label}: ours ÷ codec only`, goal: `≥ ${VS_CODEC}×`, actual: fmtRatio(x), met: x >= VS_CODEC };
  });
  const targets = [...vsBcoin, ...vsCodec];

  const hasCandidate = clients.some((c) => c.key === 'candidate');
  const columns = [
    'flood',
    'counted',
    ...clients.map((c) => (c.key === 'bare' ? 'codec only¹' : c.label)),
    'ours ÷ best bcoin',
    'target',
    'ours ÷ codec only',
    ...(hasCandidate ? ['candidate ÷ ours'] : []),
    'noise²',
  ];
  const rows = results.map((r, i) => {
    const best = bestBcoin(r);
    const noise = Math.max(...(['ours', best] as const).map((k) => spread(rates(r, k))));
    return [
      r.spec.label,
      r.spec.counted,
      ...clients.map((c) => si(rateOf(r, c.key))),
      `${fmtRatio(ratio(r, 'ours', best))} (${best.slice('bcoin-'.length)})`,
      `≥ ${VS_BCOIN}× ${mark(vsBcoin[i]!.met)}`,
      `${fmtRatio(ratio(r, 'ours', 'bare'))} ${mark(vsCodec[i]!.met)}`,
      ...(hasCandidate ? [fmtRatio(ratio(r, 'candidate', 'ours'))] : []),
      fmtPct(noise),
    ];
  });
  const numeric = columns.map((_, i) => i).filter((i) => i >= 2 && columns[i] !== 'target');
  const floodTable: Table = {
    title: `One connected peer under a flood — median of ${REPS} windows of ${WINDOW_MS} ms per client`,
    columns,
    numeric,
    rows,
    notes: [
      '¹ not a contender: a bare socket with our Framer, decodePayload and encodeMessage doing the same protocol work as our peer (decode every message, answer every ping) without the statechart and its actors. ours ÷ codec only is what the machine costs.',
      '² (max − min) / median of the windows of ours or of the bcoin backend compared, whichever is larger.',
    ],
  };

  const ping = results.find((r) => r.spec.mode === 'ping');
  const serverCpu = ping
    ? clients.map((c) => c.key).map((k) => `${k === 'bare' ? 'codec only' : k.replace('-', ' ')} ${fmtPct(median(ping.sessions.get(k)!.map((s) => s.server.cpu)))}`).join(', ')
    : '';
  const contenders = clients.filter((c) => c.key !== 'bare').map((c) => c.key);
  const serverLimit = results
    .map((r) => {
      const top = Math.max(...contenders.map((k) => rateOf(r, k)));
      const bare = rateOf(r, 'bare');
      return bare > top
        ? `${r.spec.label}: the codec-only client reached ${si(bare)}/s, above every contender, so the server was not their limit.`
        : `${r.spec.label}: the codec-only client reached only ${si(bare)}/s, not above the fastest contender (${si(top)}/s): the server or the machine may have limited it.`;
    })
    .join(' ');
  const bcoinBackends = clients.filter((c) => c.key.startsWith('bcoin')).map((c) => `${c.label}: ${c.backend}`);
  const invDetail = results
    .filter((r) => r.spec.mode !== 'ping')
    .map((r) => `${r.spec.label}: ours ${si(rateOf(r, 'ours') * INV_ENTRIES[r.spec.mode as 'inv1' | 'inv50'])} entries/s`)
    .join('; ');

  return {
    tables: [
      floodTable,
      targetsTable(targets),
    ],
    targets,
    notes: [
      'Server: its own process (bench/workers/peer-server.ts), plain node:net + our encodeMessage on 127.0.0.1. It answers the client\'s `version` with `version` (70016, services NETWORK|WITNESS|NETWORK_LIMITED) + `verack`, answers pings, and once the client\'s `verack` is in, floods: write() until it returns false, then wait for \'drain\'. Writes are 16 KiB of whole frames (the pong it answers our own ping with goes between two writes). Every client gets the same bytes: ping nonces 1, 2, 3 … per connection; inv messages from a fixed pool of 256 (seeded), round and round.',
      'Ping flood: at most 16,384 pings (0.5 MB) unanswered, because loopback sockets here buffer up to ~36 MB and would otherwise hold a million pings; the server resumes when half are answered, so the client always has ≥ 8,192 pings waiting. Pongs must come back with the nonces in order (checked; the server skips their checksums, it is the load, not what is measured). Counted: pongs at the server per second of its window.',
      `Median server CPU in the ping windows (share of one core): ${serverCpu}. ${serverLimit}`,
      `inv floods: counted in the client, from its own \`connected\` moment: our actor's 'message' events (direction in, command inv), bcoin's 'packet' events (cmd inv); every entry is checked to have been decoded (${invDetail}).`,
      `Clients: each its own process, one connection per window: ours = ${clients.find((c) => c.key === 'ours')!.backend} (node --import tsx, defaults except network regtest, maxRetries 0); bcoin = Peer.fromOptions({ network: 'regtest' }), peer.connect(addr), peer.open(), under plain node (${bcoinBackends.join('; ')}). bcoin's Peer answers pings itself.`,
      `Per client and flood: one unmeasured warm-up connection (${PRIME.warmupMs + PRIME.windowMs} ms), then ${REPS} rounds, one connection each, order rotating per round; a window starts ${WARMUP_MS} ms after the handshake and lasts ${WINDOW_MS} ms (edges taken from the clock at every 32nd message and by a 25 ms ticker, since a client busy with a backlog may run no timer for a while). Ratios are medians of the per-round ratios; targets use the faster bcoin backend per flood.`,
      ...(hasCandidate
        ? [`candidate: ${clients.find((c) => c.key === 'candidate')!.backend} (BENCH_PEER_CANDIDATE), a change under review; targets are judged on src only.`]
        : []),
      `Peer-load module wall time: ${seconds.toFixed(1)} s.`,
    ],
  };
}

export const peerLoadBench: BenchModule = {
  name: 'peer-load',
  title: 'One connected peer under load (ping and inv floods)',
  run,
};
