// One measured flood session: arm the local peer server, let one client take the flood, read both sides' figures.
import type { FloodMode, LoadResult, PeerTransport, SessionResult } from '../workers/peer-protocol.js';
import { INV_ENTRIES } from '../workers/peer-protocol.js';
import type { Client, Server } from '../workers/peer-procs.js';
import { withRetries } from './not-measured.js';

/** The client keeps the connection this much longer, so the server's window ends first. */
const HOLD_MS = 100;

export interface Session {
  /** The figure: pongs/s at the server (ping) or messages/s in the client (inv, bulk). */
  readonly rate: number;
  readonly client: LoadResult;
  readonly server: SessionResult;
}

/**
 * Tries a session again (at most twice) when a process was kept off the CPU so long that a window
 * was lost or counted nothing; then the figure is not measured (NotMeasured), and the others go on.
 */
export function session(
  server: Server,
  client: Client,
  mode: FloodMode,
  timing: { warmupMs: number; windowMs: number },
  log: (line: string) => void,
  transport: PeerTransport = 'v1',
): Promise<Session> {
  return withRetries(
    `${client.label} ${mode}${transport === 'v2' ? ' (v2)' : ''}`,
    3,
    () => sessionOnce(server, client, mode, timing, transport),
    (error) => /ended early|nothing counted/.test(String(error)),
    log,
  );
}

async function sessionOnce(
  server: Server,
  client: Client,
  mode: FloodMode,
  timing: { warmupMs: number; windowMs: number },
  transport: PeerTransport,
): Promise<Session> {
  await server.worker.request({ op: 'arm', mode, ...timing });
  const [cs, ss] = await Promise.allSettled([
    client.worker.request<LoadResult>({ op: 'load', port: server.port, mode, ...timing, holdMs: HOLD_MS, transport }),
    server.worker.request<SessionResult>({ op: 'result' }),
  ]);
  // The client's own account of a failure says more than the server's "closed early".
  if (cs.status === 'rejected') throw cs.reason;
  if (ss.status === 'rejected') throw ss.reason;
  const c = cs.value;
  const s = ss.value;
  if (s.badPongs !== 0) throw new Error(`${client.label}: ${s.badPongs} pongs with an unexpected nonce`);
  if ((mode === 'inv1' || mode === 'inv50') && c.entries !== c.messages * INV_ENTRIES[mode]) {
    throw new Error(`${client.label}: ${c.messages} inv messages but ${c.entries} entries`);
  }
  const rate = mode === 'ping' ? s.pongs / (s.ms / 1e3) : c.messages / (c.ms / 1e3);
  if (!(rate > 0)) throw new Error(`${client.label}: nothing counted in the ${mode} window`);
  return { rate, client: c, server: s };
}

