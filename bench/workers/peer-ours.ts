/**
 * Client process for bench/peer-load.ts and bench/handshake.ts: our peer, through the full
 * statechart path (createPeer from src/peer.ts: the real TCP socket actor, the codec actor and the
 * machine), counting what the actor emits, as an application embedding it would.
 *
 * With BENCH_PEER_CLIENT=bare it is instead a reference without the statechart: a bare socket with
 * our Framer, decodePayload and encodeMessage doing the same protocol work (handshake, decode every
 * message, answer pings), to show what the machine and its actors cost over the codec alone.
 * With BENCH_PEER_CLIENT=minimal (handshakes only) it is the least XState chart of the peer's shape
 * (scale-minimal.ts), to show what XState itself costs.
 */
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { toPromise } from 'xstate';
import { messageName } from '../../machines/peer/messages.js';
import { decodePayload, encodeMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import type { InventoryPayload } from '../../src/protocol/messages/inventory.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  assertLoopback,
  type ClientRequest,
  FLOOD_COMMAND,
  type HandshakesResult,
  type InfoResult,
  type LoadResult,
  type PeerTransport,
} from './peer-protocol.js';
import { DEFAULTS } from '../../machines/peer/options.js';
import { BarePeer } from './scale-bare.js';
import { startMinimalPeer } from './scale-minimal.js';
import { benchVersionFrame } from './version-frame.js';
import { serveRequests } from './worker.js';

const HOST = '127.0.0.1';
const MAGIC = NETWORKS.regtest.magic;
const BARE = process.env.BENCH_PEER_CLIENT === 'bare';
const MINIMAL = process.env.BENCH_PEER_CLIENT === 'minimal';
/**
 * BENCH_PEER_SRC: the src/ directory of a copy of the repository with a change to try (its own
 * machines/ beside it), measured as the contender "candidate" in the same run as src/.
 */
const SRC_DIR = process.env.BENCH_PEER_SRC;
const srcBase = SRC_DIR ? `${pathToFileURL(path.resolve(SRC_DIR)).href}/` : new URL('../../src/', import.meta.url).href;
const { createPeer } = (await import(`${srcBase}peer.js`)) as typeof import('../../src/peer.js');

type LoadRequest = Extract<ClientRequest, { op: 'load' }>;

/**
 * Counts flood messages and takes the window's edges (and the end of the hold) from the messages
 * themselves (every 32nd checks the clock) and from a 25 ms ticker: a client busy with a backlog
 * may not run a timer for a long while, but it keeps counting, so the window is where the clock
 * says it is.
 */
class Window {
  total = 0;
  entries = 0;
  private t0 = 0;
  private start: { t: number; total: number; entries: number } | null = null;
  private end: LoadResult | null = null;
  private endedAt = 0;
  private ticker: NodeJS.Timeout | null = null;
  private finish: ((r: LoadResult) => void) | null = null;

  constructor(private readonly req: LoadRequest) {}

  count(entries: number): void {
    this.total++;
    this.entries += entries;
    if ((this.total & 31) === 0 && this.ticker) this.tick();
  }

  /** From `connected` on; resolves when warm-up + window + hold are over, with the window's figures. */
  run(): Promise<LoadResult> {
    this.t0 = performance.now();
    this.ticker = setInterval(() => this.tick(), 25);
    return new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  private tick(): void {
    const now = performance.now();
    if (!this.start) {
      if (now >= this.t0 + this.req.warmupMs) this.start = { t: now, total: this.total, entries: this.entries };
    } else if (!this.end) {
      if (now < this.start.t + this.req.windowMs) return;
      this.end = {
        messages: this.total - this.start.total,
        entries: this.entries - this.start.entries,
        ms: now - this.start.t,
        total: this.total,
      };
      this.endedAt = now;
    } else if (now >= this.endedAt + this.req.holdMs) {
      // The hold is on the clock too: a timer would wait for the backlog.
      this.cancel();
      this.finish?.(this.end);
      this.finish = null;
    }
  }

  cancel(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }
}

const weight = (command: string, payload: unknown): number =>
  command === 'inv' ? (payload as InventoryPayload).items.length : 1;

function loadOurs(req: LoadRequest): Promise<LoadResult> {
  assertLoopback(HOST);
  const flood = FLOOD_COMMAND[req.mode];
  const counter = new Window(req);
  const actor = createPeer({
    host: HOST,
    port: req.port,
    network: 'regtest',
    connectOnStart: true,
    maxRetries: 0,
    transport: req.transport ?? 'v1',
  });
  actor.on('message', (e) => {
    if (e.direction === 'in' && messageName(e) === flood) counter.count(weight(e.command, e.payload));
  });
  return new Promise<LoadResult>((resolve, reject) => {
    let measuring = false;
    let stopping = false;
    let lost = 'no reason';
    actor.on('disconnect', (e) => {
      lost = `${e.reason}: ${e.message}`;
    });
    actor.on('state', (e) => {
      if (e.state === 'connected' && !measuring) {
        measuring = true;
        counter.run().then(async (result) => {
          stopping = true;
          actor.send({ type: 'STOP' });
          await toPromise(actor);
          resolve(result);
        }, reject);
      } else if (e.state === 'stopped' && !stopping) {
        counter.cancel();
        reject(new Error(`our peer stopped during the flood (${lost})`));
      }
    });
    actor.start();
  });
}

/** How one timed connection tells `timeHandshakes` it is done: connected, or failed and why. */
interface HandshakeReport {
  connected(): void;
  failed(why: string): void;
}

/**
 * `count` sequential handshakes, each timed from the call of `open` to its report of `connected`;
 * what `open` returns closes the connection (and is awaited) before the next one starts.
 */
async function timeHandshakes(count: number, open: (report: HandshakeReport) => () => unknown): Promise<HandshakesResult> {
  assertLoopback(HOST);
  const ms: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    let close: () => unknown = () => {};
    const connectedAt = await new Promise<number>((resolve, reject) => {
      close = open({
        connected: () => resolve(performance.now()),
        failed: (why) => reject(new Error(`handshake ${i} failed: ${why}`)),
      });
    });
    ms.push(connectedAt - started);
    await close();
  }
  return { ms };
}

const handshakesOurs = (port: number, count: number, transport: PeerTransport): Promise<HandshakesResult> =>
  timeHandshakes(count, (report) => {
    const actor = createPeer({ host: HOST, port, network: 'regtest', connectOnStart: true, maxRetries: 0, transport });
    actor.on('state', (e) => {
      if (e.state === 'connected') report.connected();
      else if (e.state === 'stopped' || e.state === 'backoff') report.failed(e.reason ?? e.state);
    });
    actor.start();
    return () => {
      actor.send({ type: 'STOP' });
      return toPromise(actor);
    };
  });

/** Handshakes of the hand-written peer (scale-bare.ts): socket, codec, version/verack, no XState. */
const handshakesBare = (port: number, count: number): Promise<HandshakesResult> =>
  timeHandshakes(count, (report) => {
    const peer = new BarePeer(HOST, port, 60_000, (e) => {
      if (e.type === 'state') report.connected();
      else if (e.type === 'disconnect') report.failed(e.reason);
    });
    return () => peer.stop();
  });

/** Handshakes of the least XState chart of the peer's shape (scale-minimal.ts). */
const handshakesMinimal = (port: number, count: number): Promise<HandshakesResult> =>
  timeHandshakes(count, (report) => {
    const actor = startMinimalPeer(HOST, port, DEFAULTS.pingIntervalMs, (e) => {
      if (e.type === 'state') report.connected();
      else if (e.type === 'disconnect') report.failed(e.reason);
    });
    const done = toPromise(actor);
    return () => {
      actor.send({ type: 'STOP' });
      return done;
    };
  });

/** The reference client: the same protocol work as our peer, without the statechart. */
function loadBare(req: LoadRequest): Promise<LoadResult> {
  assertLoopback(HOST);
  const flood = FLOOD_COMMAND[req.mode];
  const counter = new Window(req);
  const framer = new Framer(MAGIC);
  const socket = net.connect({ host: HOST, port: req.port });
  socket.setNoDelay(true);
  return new Promise<LoadResult>((resolve, reject) => {
    let version = false;
    let verack = false;
    let measuring = false;
    socket.on('error', (error) => reject(error));
    socket.on('close', () => reject(new Error('bare client: connection closed during the flood')));
    socket.once('connect', () => {
      socket.write(benchVersionFrame({ userAgent: '/bench-bare:1.0/', nonce: 1n, relay: false }));
    });
    socket.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.type !== 'message') {
          reject(new Error(`bare client: ${event.error.message}`));
          socket.destroy();
          return;
        }
        const message = decodePayload(event.command, event.payload);
        if ('unknown' in message) continue;
        switch (message.command) {
          case 'version':
            version = true;
            socket.write(encodeMessage(MAGIC, { command: 'verack', payload: {} }));
            break;
          case 'verack':
            verack = true;
            break;
          case 'ping':
            socket.write(encodeMessage(MAGIC, { command: 'pong', payload: { nonce: message.payload.nonce } }));
            break;
          default:
            break;
        }
        if (message.command === flood) counter.count(weight(message.command, message.payload));
        if (version && verack && !measuring) {
          measuring = true;
          counter.run().then((result) => {
            socket.removeAllListeners('close');
            socket.destroy();
            resolve(result);
          }, reject);
        }
      }
    });
  });
}

function handle(req: ClientRequest): InfoResult | Promise<LoadResult> | Promise<HandshakesResult> {
  switch (req.op) {
    case 'info':
      return {
        backend: BARE
          ? `bare net.Socket + src/protocol Framer/decodePayload/encodeMessage, Node ${process.version}`
          : MINIMAL
            ? `bench/workers/scale-minimal.ts (the least XState chart of the peer's shape), Node ${process.version}`
            : `${SRC_DIR ? path.resolve(SRC_DIR) : 'src'}/peer.ts createPeer (statechart + socket and codec actors), Node ${process.version}`,
      };
    case 'load':
      if (MINIMAL) throw new Error('the minimal chart does not take floods');
      return BARE ? loadBare(req) : loadOurs(req);
    case 'handshakes':
      if (BARE) return handshakesBare(req.port, req.count);
      if (MINIMAL) return handshakesMinimal(req.port, req.count);
      return handshakesOurs(req.port, req.count, req.transport ?? 'v1');
  }
}

serveRequests((request) => handle(request as ClientRequest));
