/**
 * The local peer for bench/peer-load.ts and bench/handshake.ts, in its own process so that its
 * work never shares an event loop with a client being measured. Plain node:net and our codec
 * (Framer in, encodeMessage out), listening on 127.0.0.1 only.
 *
 * Every connection gets the handshake Core and bcoin give: the client's `version` is answered with
 * `version` + `verack`; pings are answered with pongs; everything else is read and ignored; the
 * connection stays until the client closes it. A connection that was armed for a flood (`arm`)
 * then gets, from the moment the client's `verack` arrives, messages as fast as the socket takes
 * them: write() until it returns false, wait for 'drain', again. Every frame is well formed.
 *
 * The first bytes of a connection say whether it speaks v1 or BIP324 v2 (as Core's listener
 * decides): v1 floods are built once and only written; v2 packets are encrypted as they are sent,
 * each in its turn, since every packet's key stream follows the one before.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { decodePayload, encodeMessage, encodePayload } from '../../src/protocol/codec.js';
import { PROTOCOL_VERSION, Services } from '../../src/protocol/limits.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { Wire } from '../../src/protocol/wire.js';
import { Prng } from '../lib/stats.js';
import {
  BULK_PAYLOAD_BYTES,
  type FloodMode,
  INV_ENTRIES,
  type ListenResult,
  type ServerRequest,
  type ServerStats,
  type SessionResult,
} from './peer-protocol.js';
import { serveRequests } from './worker.js';

const HOST = '127.0.0.1';
const MAGIC = NETWORKS.regtest.magic;
/** Bytes handed to write() at a time. */
const BATCH_BYTES = 16 * 1024;
/** Batches written before yielding to the event loop while the socket keeps taking them. */
const BATCHES_PER_TURN = 16;
const PING_FRAME = 24 + 8;
const PINGS_PER_BATCH = BATCH_BYTES / PING_FRAME;
/**
 * Pings written but not yet answered, at most. Loopback sockets here buffer up to ~36 MB
 * (tcp_rmem max 32 MB): without a bound the server would queue a million pings ahead.
 * With 16,384 (0.5 MB) and resuming at half, a client always has ≥ 8,192 pings waiting: a tenth
 * of a second of work even at 80,000 pongs/s.
 */
const MAX_PINGS_IN_FLIGHT = 32 * PINGS_PER_BATCH;
/** Distinct inv messages per flood, sent round and round (seeded: the same bytes every run). */
const INV_POOL = 256;
const SEED = 0x1f100d;

interface Armed {
  readonly mode: FloodMode;
  readonly warmupMs: number;
  readonly windowMs: number;
  taken: boolean;
  readonly result: Promise<SessionResult>;
  resolve(r: SessionResult): void;
  reject(e: Error): void;
}

let server: net.Server | null = null;
let armed: Armed | null = null;
const stats = { accepted: 0, handshakes: 0 };

/** The inv messages of a flood, as one buffer of whole frames. */
const invCycles = new Map<number, { bytes: Buffer; frame: number }>();
function invCycle(entries: number): { bytes: Buffer; frame: number } {
  let cycle = invCycles.get(entries);
  if (!cycle) {
    const prng = new Prng(SEED + entries);
    const frames: Buffer[] = [];
    for (let i = 0; i < INV_POOL; i++) {
      const items = Array.from({ length: entries }, () => ({ type: InvType.TX as number, hash: prng.bytes(32) }));
      frames.push(encodeMessage(MAGIC, { command: 'inv', payload: { items } }));
    }
    cycle = { bytes: Buffer.concat(frames), frame: frames[0]!.length };
    invCycles.set(entries, cycle);
  }
  return cycle;
}

/** The 1 MB payload of the bulk flood (an unknown command, `bulk`), and its v1 frame. */
const BULK_PAYLOAD = new Prng(SEED).bytes(BULK_PAYLOAD_BYTES);
const BULK_FRAME = encodeMessage(MAGIC, { command: 'bulk', payload: BULK_PAYLOAD, unknown: true });

function versionPayloadFor(socket: net.Socket): Buffer {
  return encodePayload({
    command: 'version',
    payload: {
      version: PROTOCOL_VERSION,
      services: Services.NETWORK | Services.WITNESS | Services.NETWORK_LIMITED,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
      receiver: { services: 0n, host: socket.remoteAddress ?? HOST, port: socket.remotePort ?? 0 },
      sender: { services: 0n, host: '0.0.0.0', port: 0 },
      nonce: randomBytes(8).readBigUInt64LE(0),
      userAgent: '/bench-peer:1.0/',
      startHeight: 0,
      relay: true,
    },
  });
}

const EMPTY = Buffer.alloc(0);

/**
 * Ping batches, built once and kept: batch k holds the nonces 512k + 1 … 512k + 512, so every
 * session sends the same bytes, every nonce in a session is unique, and after the first session
 * the server does no hashing at all while it floods.
 */
const pingBatches: Buffer[] = [];
function pingBatch(k: number): Buffer {
  while (pingBatches.length <= k) {
    const first = BigInt(pingBatches.length * PINGS_PER_BATCH) + 1n;
    const frames = new Array<Buffer>(PINGS_PER_BATCH);
    for (let i = 0; i < PINGS_PER_BATCH; i++) {
      frames[i] = encodeMessage(MAGIC, { command: 'ping', payload: { nonce: first + BigInt(i) } });
    }
    pingBatches.push(Buffer.concat(frames, PINGS_PER_BATCH * PING_FRAME));
  }
  return pingBatches[k]!;
}

/** The flood on one connection and its counters. */
class Flood {
  private expectedPong = 1n;
  private pongsTotal = 0;
  private badPongs = 0;
  private messages = 0;
  private drains = 0;
  private caps = 0;
  private running = true;
  private waitingForPongs = false;
  /** Next batch: a ping batch index, or a byte offset into the inv cycle. */
  private at = 0;
  private mark: { t: number; pongs: number; messages: number; drains: number; caps: number; cpu: NodeJS.CpuUsage } | null =
    null;
  private readonly perBatch: number;
  private readonly cycle: Buffer | null;
  private frame = PING_FRAME;
  /** v2: the nonce of the next ping encrypted (v1 pings come from the prepared batches). */
  private nextNonce = 1n;
  private readonly nonceBytes = Buffer.alloc(8);
  private readonly started: number;
  private ticker: NodeJS.Timeout | null;

  constructor(
    private readonly socket: net.Socket,
    private readonly session: Armed,
    private readonly wire: Wire,
  ) {
    if (wire.transport === 'v2' && session.mode !== 'ping' && session.mode !== 'bulk') {
      throw new Error(`the ${session.mode} flood is v1 only`);
    }
    if (session.mode === 'ping') {
      this.perBatch = PINGS_PER_BATCH;
      this.cycle = null;
    } else if (session.mode === 'bulk') {
      this.perBatch = 1;
      this.cycle = null;
      this.frame = BULK_FRAME.length;
    } else {
      const c = invCycle(INV_ENTRIES[session.mode]);
      this.perBatch = Math.max(1, Math.floor(BATCH_BYTES / c.frame));
      this.cycle = c.bytes;
      this.frame = c.frame;
    }
    this.started = performance.now();
    this.ticker = setInterval(() => this.tick(), 25);
    this.pump();
  }

  private snapshot() {
    return {
      t: performance.now(),
      pongs: this.pongsTotal,
      messages: this.messages,
      drains: this.drains,
      caps: this.caps,
      cpu: process.cpuUsage(),
    };
  }

  /**
   * The window's edges come from the clock, checked by a 25 ms ticker, at every 32nd pong and at
   * every batch written: a server busy writing may run a timer late, not miss the clock.
   */
  tick(closing = false): void {
    if (!this.ticker) return;
    const now = performance.now();
    if (!this.mark) {
      if (now >= this.started + this.session.warmupMs) this.mark = this.snapshot();
      return;
    }
    // A client closes on its own clock; if this process was kept off the CPU and its window began
    // late, what was measured still counts when it is at least half a window.
    const enough = closing ? this.session.windowMs / 2 : this.session.windowMs;
    if (now < this.mark.t + enough) return;
    clearInterval(this.ticker);
    this.ticker = null;
    const end = this.snapshot();
    const start = this.mark;
    const cpu = process.cpuUsage(start.cpu);
    const ms = end.t - start.t;
    this.session.resolve({
      mode: this.session.mode,
      pongs: end.pongs - start.pongs,
      badPongs: this.badPongs,
      sent: end.messages - start.messages,
      drains: end.drains - start.drains,
      caps: end.caps - start.caps,
      cpu: (cpu.user + cpu.system) / 1e3 / ms,
      ms,
    });
  }

  stop(): void {
    this.tick(true);
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    this.running = false;
  }

  pong(nonce: bigint): void {
    if (nonce === this.expectedPong) {
      this.expectedPong++;
      if ((++this.pongsTotal & 31) === 0) this.tick();
    } else {
      this.badPongs++;
    }
    if (this.waitingForPongs && this.messages - this.pongsTotal <= MAX_PINGS_IN_FLIGHT / 2) {
      this.waitingForPongs = false;
      this.pump();
    }
  }

  /** Whole messages only: a pong we answer with may go out between two batches. */
  private nextBatch(): { bytes: Buffer; messages: number } {
    if (this.wire.transport === 'v2') {
      if (this.session.mode === 'bulk') return { bytes: this.wire.frame('bulk', BULK_PAYLOAD), messages: 1 };
      const packets = new Array<Buffer>(this.perBatch);
      for (let i = 0; i < this.perBatch; i++) {
        this.nonceBytes.writeBigUInt64LE(this.nextNonce++);
        packets[i] = this.wire.frame('ping', this.nonceBytes);
      }
      return { bytes: Buffer.concat(packets), messages: this.perBatch };
    }
    if (this.session.mode === 'bulk') return { bytes: BULK_FRAME, messages: 1 };
    if (this.cycle) {
      const end = Math.min(this.cycle.length, this.at + this.perBatch * this.frame);
      const bytes = this.cycle.subarray(this.at, end);
      this.at = end === this.cycle.length ? 0 : end;
      return { bytes, messages: bytes.length / this.frame };
    }
    return { bytes: pingBatch(this.at++), messages: PINGS_PER_BATCH };
  }

  private readonly pump = (): void => {
    for (let i = 0; i < BATCHES_PER_TURN; i++) {
      if (!this.running || this.socket.destroyed) return;
      if (this.session.mode === 'ping' && this.messages - this.pongsTotal >= MAX_PINGS_IN_FLIGHT) {
        // Enough pings queued for the client; resume as its pongs come back.
        this.caps++;
        this.waitingForPongs = true;
        return;
      }
      const batch = this.nextBatch();
      this.messages += batch.messages;
      this.tick();
      if (!this.socket.write(batch.bytes)) {
        this.drains++;
        this.socket.once('drain', this.pump);
        return;
      }
    }
    setImmediate(this.pump);
  };
}

function onConnection(socket: net.Socket): void {
  stats.accepted++;
  socket.setNoDelay(true);
  const wire = new Wire({ magic: MAGIC, mode: 'detect' });
  const send = (command: string, payload: Uint8Array): boolean => socket.write(wire.frame(command, payload));
  let sentVersion = false;
  let gotVerack = false;
  let flood: Flood | null = null;
  let session: Armed | null = null;

  const end = (why: string): void => {
    flood?.stop();
    socket.destroy();
    // A client that leaves before the window is over fails its session.
    if (session) session.reject(new Error(`flood connection ended early: ${why}`));
  };

  socket.on('data', (chunk: Buffer) => {
    for (const event of wire.push(chunk)) {
      if (event.type === 'send') {
        socket.write(event.bytes);
        continue;
      }
      if (event.type === 'detected' || event.type === 'established' || event.type === 'peer-responded') continue;
      if (event.type !== 'message') {
        end(`bad frame from the client: ${event.error.message}`);
        return;
      }
      switch (event.command) {
        case 'pong':
          flood?.pong(event.payload.readBigUInt64LE(0));
          break;
        case 'ping': {
          const { nonce } = (decodePayload('ping', event.payload) as { payload: { nonce: bigint } }).payload;
          send('pong', encodePayload({ command: 'pong', payload: { nonce } }));
          break;
        }
        case 'version':
          if (!sentVersion) {
            sentVersion = true;
            send('version', versionPayloadFor(socket));
            send('verack', EMPTY);
          }
          break;
        case 'verack':
          if (gotVerack || !sentVersion) break;
          gotVerack = true;
          stats.handshakes++;
          if (armed && !armed.taken) {
            armed.taken = true;
            // Settles once: a close after the window was measured rejects nothing.
            session = armed;
            flood = new Flood(socket, armed, wire);
          }
          break;
        default:
          break;
      }
    }
  });
  socket.on('error', () => {});
  socket.on('close', () => end('closed by the client'));
}

function handle(request: ServerRequest): ListenResult | SessionResult | ServerStats | Promise<unknown> | object {
  switch (request.op) {
    case 'listen':
      return new Promise<ListenResult>((resolve, reject) => {
        const s = net.createServer(onConnection);
        s.once('error', reject);
        s.listen({ host: HOST, port: 0, backlog: 511 }, () => {
          server = s;
          resolve({ port: (s.address() as net.AddressInfo).port });
        });
      });
    case 'prepare': {
      const started = performance.now();
      pingBatch(Math.ceil(request.pings / PINGS_PER_BATCH) - 1);
      return { pings: pingBatches.length * PINGS_PER_BATCH, ms: performance.now() - started };
    }
    case 'arm': {
      if (!server) throw new Error('not listening');
      let resolve!: (r: SessionResult) => void;
      let reject!: (e: Error) => void;
      const result = new Promise<SessionResult>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Settled exactly once; a later reject (the close after the window) is a no-op.
      result.catch(() => {});
      armed = { mode: request.mode, warmupMs: request.warmupMs, windowMs: request.windowMs, taken: false, result, resolve, reject };
      return { armed: true };
    }
    case 'result': {
      const current = armed;
      if (!current) throw new Error('nothing armed');
      return current.result.finally(() => {
        if (armed === current) armed = null;
      });
    }
    case 'stats':
      return { ...stats };
  }
}

serveRequests((request) => handle(request as ServerRequest));
