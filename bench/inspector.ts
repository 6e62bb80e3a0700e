/**
 * What the local inspector costs the node: pings from a peer handled per second by one connected
 * peer machine (socket and codec are stand-ins, so only the machine and the inspection are
 * measured: each ping is a `payload.ping` event, a pong encoded and handed to the codec, a
 * `message` out emitted), without an inspector, and with the inspector's hub and one page that
 * takes everything (records made, summarised, framed as SSE, written nowhere).
 *
 * - alone: the peer is the only actor of its system.
 * - among N: the peer shares its system with N other peers, each with a timer running (a parent
 *   machine spawned them, as a pool does): the inspector's timer lookup must not grow with N.
 *
 * In one process, contenders taking turns round by round; the median of BENCH_REPS rounds.
 * BENCH_INSPECTOR_PINGS=20000 pings per round; BENCH_INSPECTOR_N=2000 the other peers.
 */
import { type ActorRefFrom, assign, createActor, fromCallback, setup } from 'xstate';
import type { CodecCommand, CodecInput, SocketCommand, SocketInput } from '../machines/peer/types.js';
import { type PeerMachine, peerMachine } from '../machines/peer.js';
import { InspectionHub } from '../src/inspector/hub.js';
import { makeVersion } from '../testkit/scripted-peer/index.js';
import { fmtRatio, median, si } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table } from './lib/types.js';

const PINGS = Number(process.env.BENCH_INSPECTOR_PINGS ?? 20_000);
const OTHERS = Number(process.env.BENCH_INSPECTOR_N ?? 2000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const WARMUP_PINGS = 2000;

const standIns: PeerMachine = peerMachine.provide({
  actors: {
    socket: fromCallback<SocketCommand, SocketInput>(() => {}),
    codec: fromCallback<CodecCommand, CodecInput>(() => {}),
  },
});

type PeerRef = ActorRefFrom<PeerMachine>;

/** A hub with one page attached that takes every message at once. */
function hubWithPage(): { hub: InspectionHub; bytes: () => number } {
  const hub = new InspectionHub();
  let bytes = 0;
  hub.attach({
    write: (message) => {
      bytes += message.length;
      return true;
    },
    onDrain: () => {},
  });
  return { hub, bytes: () => bytes };
}

/** Brings a peer to `connected` by playing its socket's and its remote's part. */
function connect(peer: PeerRef): void {
  peer.send({ type: 'socket.connected', localAddress: '127.0.0.1', localPort: 50_000 });
  peer.send({ type: 'payload.version', payload: makeVersion() });
  peer.send({ type: 'payload.verack', payload: {} });
  if (!peer.getSnapshot().matches({ session: { link: 'connected' } })) throw new Error('the peer did not connect');
}

// The v1 handshake: connect() below plays the remote's version and verack (a v2 dial would wait for keys).
const INPUT = { host: '127.0.0.1', port: 18444, network: 'regtest' as const, connectOnStart: true, connectTimeoutMs: 3_600_000, transport: 'v1' as const };

/** A peer alone in its system. */
function alone(inspect: InspectionHub['inspect'] | undefined): { peer: PeerRef; stop(): void } {
  const actor = createActor(standIns, { input: INPUT, ...(inspect ? { inspect } : {}) });
  actor.start();
  connect(actor);
  return { peer: actor, stop: () => actor.stop() };
}

/** A peer spawned by a parent next to `others` peers that are still connecting (a timer each). */
function among(others: number, inspect: InspectionHub['inspect'] | undefined): { peer: PeerRef; stop(): void } {
  const parent = setup({ actors: { peer: standIns } }).createMachine({
    entry: assign(({ spawn }) => {
      for (let i = 0; i <= others; i++) spawn('peer', { id: `peer-${i}`, input: INPUT });
      return {};
    }),
  });
  const actor = createActor(parent, inspect ? { inspect } : {});
  actor.start();
  const peer = actor.getSnapshot().children['peer-0'] as PeerRef;
  connect(peer);
  return { peer, stop: () => actor.stop() };
}

/** Pings handled per second by `peer`, over `count` pings. */
function pingsPerSecond(peer: PeerRef, count: number, from: number): number {
  const started = performance.now();
  for (let i = 0; i < count; i++) peer.send({ type: 'payload.ping', payload: { nonce: BigInt(from + i) } });
  return count / ((performance.now() - started) / 1e3);
}

interface Contender {
  key: string;
  label: string;
  start(): { peer: PeerRef; stop(): void; bytes?: () => number };
}

const CONTENDERS: readonly Contender[] = [
  { key: 'alone-none', label: 'alone, no inspector', start: () => alone(undefined) },
  {
    key: 'alone-hub',
    label: 'alone, inspector hub + one page',
    start: () => {
      const { hub, bytes } = hubWithPage();
      return { ...alone(hub.inspect), bytes };
    },
  },
  { key: 'among-none', label: `among ${OTHERS} peers, no inspector`, start: () => among(OTHERS, undefined) },
  {
    key: 'among-hub',
    label: `among ${OTHERS} peers, inspector hub + one page`,
    start: () => {
      const { hub, bytes } = hubWithPage();
      return { ...among(OTHERS, hub.inspect), bytes };
    },
  },
];

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const rates = new Map<string, number[]>(CONTENDERS.map((c) => [c.key, []]));
  const bytesPerPing = new Map<string, number>();
  const running = CONTENDERS.map((c) => ({ contender: c, ...c.start() }));
  try {
    for (const r of running) pingsPerSecond(r.peer, WARMUP_PINGS, 0);
    let nonce = WARMUP_PINGS;
    for (let round = 0; round < REPS; round++) {
      for (let k = 0; k < running.length; k++) {
        const r = running[(round + k) % running.length]!;
        const before = r.bytes?.() ?? 0;
        rates.get(r.contender.key)!.push(pingsPerSecond(r.peer, PINGS, nonce));
        if (r.bytes) bytesPerPing.set(r.contender.key, (r.bytes() - before) / PINGS);
        nonce += PINGS;
        // Let the event loop turn between samples (the stand-ins' and XState's deferred work).
        await new Promise((resolve) => setImmediate(resolve));
      }
      ctx.log(`round ${round + 1} of ${REPS}`);
    }
  } finally {
    for (const r of running) r.stop();
  }
  const rate = (key: string): number => median(rates.get(key)!);
  const table: Table = {
    title: 'Pings handled per second by one connected peer machine',
    columns: ['peer', 'pings/s', 'vs no inspector', 'SSE bytes per ping'],
    numeric: [1, 2, 3],
    rows: CONTENDERS.map((c) => {
      const base = c.key.startsWith('alone') ? 'alone-none' : 'among-none';
      const bytes = bytesPerPing.get(c.key);
      return [c.label, si(rate(c.key)), fmtRatio(rate(c.key) / rate(base)), bytes === undefined ? '–' : String(Math.round(bytes))];
    }),
  };
  return {
    tables: [table],
    targets: [],
    notes: [
      `${PINGS} pings per sample, median of ${REPS} rounds, contenders taking turns; socket and codec are stand-ins, so only the machine and the inspection are measured.`,
      'The hub builds every record a page would get (actor, event, emitted message, snapshot with its context summarised, its timers and headline) and frames it as Server-Sent Events; the page takes it at once.',
    ],
  };
}

/** The inspector's cost per event, alone and among many peers. */
export const inspectorBench: BenchModule = { name: 'inspector', title: 'Inspector overhead', run };
