// One line a person reads first: the lifecycle state in a word and what the machine is doing or
// waiting for (`connected — idle, next ping in 1:52`). Written here, next to the node's snapshot,
// from the machine's context and the timers it really scheduled; the page only writes the time left.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { crawlMachine } from '../../machines/crawl.js';
import { lifecycleState, type PeerSnapshot, peerMachine } from '../../machines/peer.js';
import { poolMachine } from '../../machines/pool.js';
import { syncMachine } from '../../machines/sync.js';
import type { SyncContext } from '../../machines/sync/types.js';
import { formatHostPort } from '../host-port.js';
import type { TimerRecord } from './timers.js';

/** A snapshot's headline. */
export interface Headline {
  /** The state as a person names it: `connected`, `backoff`, `crawling`. */
  state: string;
  /**
   * What the machine is doing, in words. With a `dueAt`, it ends where the time left goes
   * (`idle, next ping in`), and the page appends that time (`1:52`), counting down.
   */
  detail: string;
  /** When the timer the detail speaks of fires (ms since the epoch); null when none. */
  dueAt: number | null;
}

type Narrator = (snapshot: AnyMachineSnapshot, timers: TimerRecord[]) => Headline;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `detail` followed by the time left until `timer` fires; `otherwise` when there is no timer. */
function counting(state: string, detail: string, timer: TimerRecord | undefined, otherwise: string): Headline {
  return timer ? { state, detail, dueAt: timer.dueAt } : { state, detail: otherwise, dueAt: null };
}

function peerHeadline(raw: AnyMachineSnapshot, timers: TimerRecord[]): Headline {
  const snapshot = raw as unknown as PeerSnapshot;
  const { context } = snapshot;
  const state = lifecycleState(snapshot);
  const timer = (delay: string): TimerRecord | undefined => timers.find((t) => t.delay === delay);
  switch (state) {
    case 'connecting': {
      const { host, port, role } = context.options;
      const what = `${role === 'inbound' ? 'accepting' : 'dialling'} ${formatHostPort(host, port)}`;
      return counting(state, `${what}, timeout in`, timer('connectTimeout'), what);
    }
    case 'handshaking': {
      if (snapshot.matches({ session: { link: { handshaking: 'detecting' } } })) {
        return { state, detail: 'reading their first bytes: v1 or v2?', dueAt: null };
      }
      if (snapshot.matches({ session: { link: { handshaking: 'keyExchange' } } })) {
        return { state, detail: 'BIP324 v2 key exchange', dueAt: null };
      }
      const awaiting = (region: 'theirVersion' | 'theirVerack'): boolean =>
        snapshot.matches({ session: { link: { handshaking: { versions: { [region]: 'awaiting' } } } } } as never);
      const missing = [awaiting('theirVersion') ? 'version' : null, awaiting('theirVerack') ? 'verack' : null].filter(Boolean);
      const over = context.transport === 'v2' ? ` (v2, session ${context.sessionId?.slice(0, 16) ?? ''}…)` : '';
      return { state, detail: missing.length ? `waiting for their ${missing.join(' and ')}${over}` : 'done', dueAt: null };
    }
    case 'connected':
      if (snapshot.matches({ session: { link: { connected: 'idle' } } }))
        return counting(state, 'idle, next ping in', timer('pingInterval'), 'idle');
      return counting(state, 'waiting for their pong, timeout in', timer('pingTimeout'), 'waiting for their pong');
    case 'backoff': {
      const retry = `retry ${context.retries} of ${context.maxRetries}`;
      return counting(state, `${retry} in`, timer('backoffDelay'), retry);
    }
    case 'stopped': {
      const reason = context.stopReason ?? 'user-stop';
      const cause = context.lastDisconnect?.reason ?? null;
      return { state, detail: cause && cause !== reason ? `${reason} after ${cause}` : reason, dueAt: null };
    }
    case 'disconnected': {
      const cause = context.lastDisconnect?.reason;
      return { state, detail: cause ? `after ${cause}, waiting for CONNECT` : 'waiting for CONNECT', dueAt: null };
    }
  }
}

function poolHeadline(raw: AnyMachineSnapshot): Headline {
  const snapshot = raw as unknown as { value: string; context: { peers: Record<string, { state: string }>; options: { targetOutbound: number }; connections: number } };
  const peers = Object.values(snapshot.context.peers);
  const connected = peers.filter((p) => p.state === 'connected').length;
  const state = String(snapshot.value);
  if (state === 'running') {
    const pending = peers.length - connected;
    const extra = pending > 0 ? `, ${pending} connecting` : '';
    return { state, detail: `${connected} of ${snapshot.context.options.targetOutbound} peers connected${extra}`, dueAt: null };
  }
  if (state === 'stopping') return { state, detail: `waiting for ${plural(peers.length, 'peer')} to stop`, dueAt: null };
  return { state, detail: `${plural(snapshot.context.connections, 'connection')} made`, dueAt: null };
}

function crawlHeadline(raw: AnyMachineSnapshot): Headline {
  const snapshot = raw as unknown as { value: string; context: { active: Map<string, unknown>; queue: unknown[]; finished: number; seen: Set<string>; summary: { reachable: number } } };
  const { context } = snapshot;
  const active = context.active.size;
  const state = String(snapshot.value);
  if (state === 'crawling')
    return { state, detail: `${active} dialling, ${context.queue.length} queued, ${context.finished} done`, dueAt: null };
  if (state === 'stopping') return { state, detail: `waiting for ${plural(active, 'peer')} to stop`, dueAt: null };
  return { state, detail: `${context.seen.size} heard of, ${context.summary.reachable} reachable`, dueAt: null };
}

function syncHeadline(raw: AnyMachineSnapshot): Headline {
  const { value, context } = raw as unknown as { value: unknown; context: SyncContext };
  const height = context.tip?.height ?? 0;
  if (value === 'failed') return { state: 'failed', detail: context.failure?.message ?? 'the header store failed', dueAt: null };
  if (value === 'stopped') return { state: 'stopped', detail: `at height ${height}`, dueAt: null };
  const running = (value as { running?: unknown }).running;
  const state = typeof running === 'string' ? running : 'syncing';
  const peers = plural(Object.keys(context.peers).length, 'peer');
  switch (state) {
    case 'loading':
      return { state, detail: 'reading the header store back', dueAt: null };
    case 'syncing': {
      const validating = (running as { syncing?: unknown }).syncing === 'validating';
      const best = Math.max(height, context.bestPeerHeight);
      return { state, detail: `height ${height} of ${best}, ${validating ? 'validating headers from' : 'waiting for headers from'} ${context.syncPeer ?? '?'}`, dueAt: null };
    }
    case 'following':
      return { state, detail: `the tip at height ${height}, ${peers}`, dueAt: null };
    default:
      return { state, detail: `height ${height}, ${peers}`, dueAt: null };
  }
}

// By the chart's own config: machines made with provide() share it, and a foreign machine that
// happens to be called `peer` does not.
const NARRATORS = new Map<unknown, Narrator>([
  [peerMachine.config, peerHeadline],
  [poolMachine.config, poolHeadline],
  [crawlMachine.config, crawlHeadline],
  [syncMachine.config, syncHeadline],
]);

/**
 * The headline of a snapshot of `machine`: our machines (peer, pool, crawl, sync) speak their
 * lifecycle; any other machine gets its innermost active states, without a detail.
 */
export function headlineFor(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, timers: TimerRecord[]): Headline {
  const narrator = NARRATORS.get(machine.config);
  if (narrator) {
    try {
      return narrator(snapshot, timers);
    } catch {
      // A snapshot restored from elsewhere may lack what the narrator reads: say less, not fail.
    }
  }
  return { state: innermost(snapshot.value), detail: '', dueAt: null };
}

/** The innermost active states of a state value, as `link.connected.idle`, comma-separated. */
function innermost(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return '';
  const parts: string[] = [];
  for (const [key, sub] of Object.entries(value)) {
    const inner = innermost(sub);
    parts.push(inner ? inner.split(', ').map((p) => `${key}.${p}`).join(', ') : key);
  }
  return parts.join(', ');
}
