/**
 * The benchmarks' first floor: a hand-written peer (a net.Socket, our Framer and codec, and the
 * peer's timers: a deadline for connect and handshake, a ping timeout, the ping interval) doing the
 * same rounds as the peer actor — version/verack, then a ping every interval after each pong, nonce
 * checked (the peer's own nonce source), round trip measured — with no statechart, no actors, no
 * options, no logs. What the actor costs on top of this is what the machine and its actors cost.
 */
import net from 'node:net';
import { cryptoNonce } from '../../machines/peer/messages.js';
import { decodePayload, encodeMessage } from '../../src/protocol/codec.js';
import { Framer } from '../../src/protocol/framer.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { benchVersionFrame } from './version-frame.js';

const MAGIC = NETWORKS.regtest.magic;

/** What a bare peer reports, in the shapes the scale client counts for the peer actor too. */
export type BareEvent =
  | { readonly type: 'state'; readonly state: 'connected' }
  | { readonly type: 'disconnect'; readonly reason: string; readonly established: boolean }
  | { readonly type: 'rtt'; readonly lastMs: number };

const versionFrame = (): Buffer => benchVersionFrame({ userAgent: '/bench-bare:0.1/' });

const VERACK = encodeMessage(MAGIC, { command: 'verack', payload: {} });
/** The peer actor's defaults: connect and handshake within a minute here, as the scale client gives it; pong within 20 min. */
const SESSION_DEADLINE_MS = 60_000;
const PING_TIMEOUT_MS = 20 * 60_000;

/** One hand-written peer: connects on construction, pings after each pong, stops on stop(). */
export class BarePeer {
  private readonly socket: net.Socket;
  private readonly framer = new Framer(MAGIC);
  private timer: NodeJS.Timeout | null = null;
  // Until verack: the connect and handshake deadline; then the timeout of the ping that is out.
  private deadline: NodeJS.Timeout | null = null;
  private nonce = 0n;
  private sentAt = 0;
  private established = false;
  private stopped = false;
  private failed = false;
  private closed = false;

  constructor(
    host: string,
    port: number,
    private readonly intervalMs: number,
    private readonly listener: (event: BareEvent) => void,
  ) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.deadline = setTimeout(() => this.fail('handshake-timeout'), SESSION_DEADLINE_MS);
    // Inline arrows, not named fields: tsx's keepNames would give every named one a property of its own.
    this.socket.on('connect', () => this.socket.write(versionFrame()));
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.fail('socket-error'));
    this.socket.on('close', () => {
      this.closed = true;
      this.fail('socket-closed');
    });
  }

  /** Where it stands: running; stopped by stop() and its socket closed; or ended on its own. */
  get outcome(): 'running' | 'user-stop' | 'other' {
    if (this.failed) return 'other';
    return this.stopped && this.closed ? 'user-stop' : 'running';
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    this.socket.destroy();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.timer = this.deadline = null;
  }

  private onData(chunk: Buffer): void {
    this.framer.write(chunk);
    for (let event = this.framer.next(); event; event = this.framer.next()) {
      if (event.type === 'fatal') return this.fail('protocol');
      if (event.type !== 'message') continue;
      const message = decodePayload(event.command, event.payload);
      switch (message.command) {
        case 'version':
          this.socket.write(VERACK);
          break;
        case 'verack':
          if (this.deadline) clearTimeout(this.deadline);
          this.deadline = null;
          this.established = true;
          this.listener({ type: 'state', state: 'connected' });
          this.schedule();
          break;
        case 'ping':
          if (!('nonce' in message.payload)) break;
          this.socket.write(encodeMessage(MAGIC, { command: 'pong', payload: { nonce: message.payload.nonce } }));
          break;
        case 'pong':
          if (!('nonce' in message.payload) || message.payload.nonce !== this.nonce) break;
          this.nonce = 0n;
          if (this.deadline) clearTimeout(this.deadline);
          this.deadline = null;
          this.listener({ type: 'rtt', lastMs: performance.now() - this.sentAt });
          this.schedule();
          break;
      }
    }
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.ping(), this.intervalMs);
  }

  private ping(): void {
    this.timer = null;
    this.nonce = cryptoNonce();
    this.sentAt = performance.now();
    this.deadline = setTimeout(() => this.fail('ping-timeout'), PING_TIMEOUT_MS);
    this.socket.write(encodeMessage(MAGIC, { command: 'ping', payload: { nonce: this.nonce } }));
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.failed = true;
    this.clearTimers();
    this.socket.destroy();
    this.listener({ type: 'disconnect', reason, established: this.established });
  }
}
