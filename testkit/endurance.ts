/**
 * Shared pieces of the endurance suite: a peer machine runner that counts instead of keeping
 * what it sees, a lean loopback peer that keeps nothing per message either, garbage collection
 * on demand, and real-time guards that never outlive a wait.
 *
 * Long runs must measure the node, not the test: `runPeer` (test/machines/harness.ts) and the
 * scripted peer keep every event and message they see, which is what a short test wants and
 * what would make a 2,000-cycle heap figure meaningless. Nothing here grows with the number of
 * messages or connections.
 */
import net from 'node:net';
import { clearTimeout, setImmediate, setTimeout } from 'node:timers';
import v8 from 'node:v8';
import vm from 'node:vm';
import { type Actor, createActor, type InspectionEvent, SimulatedClock } from 'xstate';
import type { PeerInput } from '../machines/peer/options.js';
import type { DisconnectReason, LifecycleState, PeerEmitted, PeerOutput } from '../machines/peer/types.js';
import { lifecycleState, type PeerMachine } from '../machines/peer.js';
import { messageName } from '../machines/peer/messages.js';
import { createPeerMachine } from '../src/peer.js';
import { decodePayload, encodeMessage, type OutgoingMessage } from '../src/protocol/codec.js';
import { Framer } from '../src/protocol/framer.js';
import type { Message } from '../src/protocol/messages/index.js';
import { NETWORKS } from '../src/protocol/networks.js';
import { makeVersion } from './scripted-peer/index.js';

export const MAGIC = NETWORKS.regtest.magic;

// ---------------------------------------------------------------------------------------------
// Garbage collection and memory

let collect: (() => void) | undefined;

/** `gc()` without `--expose-gc` on the command line: set the flag, then take `gc` from a new context. */
export function gc(): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === 'function') collect = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
  }
  collect();
}

export interface MemoryFigures {
  /** V8 heap in use, bytes. */
  heap: number;
  /** Memory of ArrayBuffers and Buffers (outside the V8 heap), bytes. */
  buffers: number;
}

/** Memory in use after full collections, with the event loop turned between them so that finalisers run. */
export async function memoryAfterGc(): Promise<MemoryFigures> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  gc();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

export const MB = 1024 * 1024;
export const mb = (bytes: number): string => `${(bytes / MB).toFixed(2)} MB`;

// ---------------------------------------------------------------------------------------------
// Waiting, with a real-time guard that is always cleared

export const WAIT_MS = 10_000;

/**
 * Resolves once `condition()` holds, checked on every turn of the event loop; rejects when it
 * throws, or after `timeoutMs` of real time.
 */
export function waitUntil(condition: () => boolean, what: string | (() => string), timeoutMs = WAIT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const holds = (): boolean | Error => {
      try {
        return condition();
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    };
    const first = holds();
    if (first instanceof Error) return reject(first);
    if (first) return resolve();
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      if (error) reject(error);
      else resolve();
    };
    const describe = (): string => (typeof what === 'string' ? what : what());
    const guard = setTimeout(() => finish(new Error(`not met within ${timeoutMs} ms: ${describe()}`)), timeoutMs);
    const poll = (): void => {
      if (done) return;
      const now = holds();
      if (now instanceof Error) finish(now);
      else if (now) finish();
      else setImmediate(poll);
    };
    setImmediate(poll);
  });
}

// ---------------------------------------------------------------------------------------------
// A peer machine that counts

export interface CountingRun {
  actor: Actor<PeerMachine>;
  clock: SimulatedClock;
  /** How many of each emitted event type. */
  emitted: Record<PeerEmitted['type'], number>;
  /** How many times each lifecycle state was entered. */
  entered: Record<LifecycleState, number>;
  /** How many disconnects of each reason. */
  disconnects: Partial<Record<DisconnectReason, number>>;
  /** Incoming messages per command (from the machine's `message` events). */
  incoming: Map<string, number>;
  /** Outgoing messages per command. */
  outgoing: Map<string, number>;
  /** Bytes the socket actor handed to the machine. */
  bytesIn: number;
  /** Errors reported to the actor's error observer, and statuses 'error' seen. */
  errors: unknown[];
  state(): LifecycleState;
  status(): string;
  /** Timers the machine still has on the simulated clock. */
  pendingTimers(): number;
  /** Resolves with the output once the machine is done; rejects if it errors. */
  done: Promise<PeerOutput>;
  until(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

const zero = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

const EMITTED_TYPES = ['state', 'handshake', 'message', 'addresses', 'rtt', 'dropped', 'disconnect', 'send-rejected'] as const;
const STATES = ['disconnected', 'connecting', 'handshaking', 'connected', 'backoff', 'stopped'] as const;

export interface CountingOptions {
  machine?: PeerMachine;
  /** Called for every emitted event, after it is counted (keep nothing you do not need). */
  onEmitted?: (event: PeerEmitted, run: CountingRun) => void;
}

/** Starts the real peer machine (real TCP and codec unless `machine` says otherwise) on a simulated clock. */
export function startCounting(input: Omit<PeerInput, 'host'> & { host?: string }, options: CountingOptions = {}): CountingRun {
  const clock = new SimulatedClock();
  const run = {} as CountingRun;
  const inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.event' || event.actorRef !== run.actor) return;
    const e = event.event as { type: string; chunk?: Buffer };
    if (e.type === 'socket.data' && e.chunk) run.bytesIn += e.chunk.length;
  };
  const actor = createActor(options.machine ?? createPeerMachine(), {
    clock,
    inspect,
    input: {
      host: '127.0.0.1',
      network: 'regtest',
      transport: 'v1',
      now: () => clock.now(),
      ...input,
      backoff: { jitter: 0, ...input.backoff },
    },
  });
  Object.assign(run, {
    actor,
    clock,
    emitted: zero(EMITTED_TYPES),
    entered: zero(STATES),
    disconnects: {},
    incoming: new Map<string, number>(),
    outgoing: new Map<string, number>(),
    bytesIn: 0,
    errors: [],
    state: () => lifecycleState(actor.getSnapshot()),
    status: () => actor.getSnapshot().status,
    pendingTimers: () => (clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size,
    until: (condition: () => boolean, what: string, timeoutMs?: number) =>
      waitUntil(
        () => {
          if (run.errors.length > 0) throw new Error(`the machine failed: ${String(run.errors[0])}`);
          return condition();
        },
        () => `${what} (state ${run.state()}, status ${run.status()})`,
        timeoutMs,
      ),
  } satisfies Omit<CountingRun, 'done'>);
  actor.on('*', (event) => {
    const e = event as PeerEmitted;
    run.emitted[e.type]++;
    if (e.type === 'state') run.entered[e.state]++;
    else if (e.type === 'disconnect') run.disconnects[e.reason] = (run.disconnects[e.reason] ?? 0) + 1;
    else if (e.type === 'message') {
      const tally = e.direction === 'in' ? run.incoming : run.outgoing;
      const command = messageName(e);
      tally.set(command, (tally.get(command) ?? 0) + 1);
    }
    options.onEmitted?.(e, run);
  });
  run.done = new Promise<PeerOutput>((resolve, reject) => {
    actor.subscribe({
      next: (snapshot) => {
        if (snapshot.status === 'error') run.errors.push(snapshot.error);
        if (snapshot.status === 'done') resolve(snapshot.output!);
      },
      error: (error) => {
        run.errors.push(error);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    });
  });
  // A test that ends the machine another way never awaits `done`; its rejection is still seen in `errors`.
  run.done.catch(() => {});
  actor.start();
  return run;
}

/** STOP, and what the machine looks like right after it, before any turn of the event loop. */
export function stopNow(run: CountingRun): { status: string; output: PeerOutput | undefined; timers: number } {
  run.actor.send({ type: 'STOP' });
  const snapshot = run.actor.getSnapshot();
  return { status: snapshot.status, output: snapshot.output, timers: run.pendingTimers() };
}

// ---------------------------------------------------------------------------------------------
// A lean loopback peer

export interface LeanConnection {
  readonly socket: net.Socket;
  /** Messages received per command. */
  readonly counts: Map<string, number>;
  readonly bytesIn: number;
  readonly handshaken: boolean;
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** Writes bytes; false once the socket is ending or gone. */
  write(bytes: Uint8Array): boolean;
  send(message: OutgoingMessage): boolean;
}

export interface LeanPeerOptions {
  /** Answer `version` with version + verack; default true. */
  handshake?: boolean;
  /** Answer `ping` with `pong`; default true. */
  answerPings?: boolean;
  /** Called for every message decoded (after counting); keep nothing you do not need. */
  onMessage?: (conn: LeanConnection, message: Message) => void;
  /** Called once both versions and both veracks have crossed. */
  onHandshake?: (conn: LeanConnection) => void;
}

export interface LeanPeer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** The last connection accepted, if any. */
  readonly latest: LeanConnection | undefined;
  /** Waits until the `n`th connection (1-based) has been accepted, and returns the latest. */
  connection(n?: number): Promise<LeanConnection>;
  close(): Promise<void>;
}

/**
 * A v1 peer on 127.0.0.1 that handshakes, answers pings, counts what it hears, and keeps no
 * message and no closed connection: the other end of long and hostile runs.
 */
export async function startLeanPeer(options: LeanPeerOptions = {}): Promise<LeanPeer> {
  const open = new Set<net.Socket>();
  let accepted = 0;
  let latest: LeanConnection | undefined;

  const server = net.createServer({ noDelay: true }, (socket) => {
    accepted++;
    open.add(socket);
    socket.on('error', () => {});
    const framer = new Framer(MAGIC);
    let sentVerack = false;
    let gotVerack = false;
    let handshaken = false;
    let bytesIn = 0;
    let isClosed = false;
    const counts = new Map<string, number>();
    const write = (bytes: Uint8Array): boolean => {
      if (socket.destroyed || socket.writableEnded) return false;
      socket.write(bytes);
      return true;
    };
    const conn: LeanConnection = {
      socket,
      counts,
      get bytesIn() {
        return bytesIn;
      },
      get handshaken() {
        return handshaken;
      },
      get isClosed() {
        return isClosed;
      },
      closed: new Promise<void>((resolve) =>
        socket.once('close', () => {
          isClosed = true;
          open.delete(socket);
          resolve();
        }),
      ),
      write,
      send: (message) => write(encodeMessage(MAGIC, message)),
    };
    latest = conn;
    const checkHandshake = (): void => {
      if (handshaken || !sentVerack || !gotVerack) return;
      handshaken = true;
      options.onHandshake?.(conn);
    };
    socket.on('data', (chunk: Buffer) => {
      bytesIn += chunk.length;
      for (const event of framer.push(chunk)) {
        if (event.type === 'fatal') {
          socket.destroy();
          return;
        }
        if (event.type !== 'message') continue;
        let message: Message;
        try {
          message = decodePayload(event.command, event.payload);
        } catch {
          continue;
        }
        counts.set(message.command, (counts.get(message.command) ?? 0) + 1);
        if (message.command === 'version' && options.handshake !== false && !sentVerack) {
          conn.send({ command: 'version', payload: makeVersion({}, { host: socket.remoteAddress, port: socket.remotePort }) });
          conn.send({ command: 'verack', payload: {} });
          sentVerack = true;
          checkHandshake();
        } else if (message.command === 'verack') {
          gotVerack = true;
          checkHandshake();
        } else if (message.command === 'ping' && !('unknown' in message) && options.answerPings !== false) {
          conn.send({ command: 'pong', payload: { nonce: message.payload.nonce } });
        }
        options.onMessage?.(conn, message);
        if (socket.destroyed) return;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    get latest() {
      return latest;
    },
    async connection(n = accepted + 1) {
      await waitUntil(() => accepted >= n, `connection #${n} to the lean peer`);
      return latest!;
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of open) socket.destroy();
        await closed;
        for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      })();
      return closing;
    },
  };
}
