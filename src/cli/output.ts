import { styleText } from 'node:util';
import type { PeerEmitted, PeerOutput } from '../../machines/peer/types.js';
import { messageName } from '../../machines/peer/messages.js';
import { sanitise } from './sanitise.js';

/** Where a command's lines go: JSON Lines for programs, aligned coloured lines for people. */
export interface Reporter {
  event(peer: string, event: PeerEmitted): void;
  stopped(peer: string, output: PeerOutput): void;
  /** A sentence for a person; with --json it goes to stderr so stdout stays pure JSON Lines. */
  note(text: string): void;
}

type Style = Parameters<typeof styleText>[0];

export interface ReporterStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function jsonReporter({ stdout, stderr }: ReporterStreams): Reporter {
  const line = (peer: string, fields: Record<string, unknown>): void => {
    stdout.write(
      `${JSON.stringify({ type: fields.type, time: new Date().toISOString(), peer, ...fields })}\n`,
    );
  };
  return {
    event(peer, e) {
      switch (e.type) {
        case 'state':
          line(peer, {
            type: 'state',
            state: e.state,
            retries: e.retries,
            ...(e.state === 'backoff' || e.state === 'stopped' ? { reason: e.reason } : {}),
          });
          return;
        case 'handshake':
          line(peer, {
            type: 'handshake',
            version: e.remote.version,
            services: e.remote.services.toString(),
            userAgent: e.remote.userAgent,
            startHeight: e.remote.startHeight,
            relay: e.remote.relay,
            transport: e.remote.transport,
            ...(e.remote.sessionId ? { sessionId: e.remote.sessionId } : {}),
          });
          return;
        case 'message':
          line(peer, { type: 'message', direction: e.direction, command: messageName(e) });
          return;
        case 'addresses':
          line(peer, { type: 'addresses', count: e.addresses.length });
          return;
        default:
          return;
      }
    },
    stopped(peer, output) {
      line(peer, { type: 'stopped', reason: output.reason, cause: output.cause, retries: output.retries });
    },
    note(text) {
      stderr.write(`${text}\n`);
    },
  };
}

// Our own pings show up as RTT lines; the peer's pings and our pongs are shown as messages.
const isQuiet = (direction: 'in' | 'out', command: string): boolean =>
  (direction === 'out' && command === 'ping') || (direction === 'in' && command === 'pong');

export function humanReporter({ stdout, env }: ReporterStreams): Reporter {
  const colour = Boolean(stdout.isTTY) && !env.NO_COLOR;
  const paint = (style: Style, text: string): string => (colour ? styleText(style, text) : text);
  const stateStyle: Record<string, Style> = {
    connected: 'green',
    backoff: 'yellow',
    stopped: 'red',
    handshaking: 'cyan',
    connecting: 'cyan',
    disconnected: 'gray',
  };
  const line = (peer: string, what: string, detail = ''): void => {
    const time = new Date().toISOString().slice(11, 23);
    stdout.write(`${paint('gray', time)}  ${peer.padEnd(21)}  ${what}${detail ? `  ${detail}` : ''}\n`);
  };
  return {
    event(peer, e) {
      switch (e.type) {
        case 'state':
          // The stopped line comes with the machine's output, which says more.
          if (e.state === 'stopped') return;
          line(
            peer,
            paint(stateStyle[e.state] ?? 'white', e.state.padEnd(12)),
            [e.retries ? `retries ${e.retries}` : '', e.reason ? `after ${e.reason}` : '']
              .filter(Boolean)
              .join(', '),
          );
          return;
        case 'handshake':
          line(
            peer,
            paint('bold', 'peer'.padEnd(12)),
            `${sanitise(e.remote.userAgent)} version ${e.remote.version}, services 0x${e.remote.services.toString(16)}, height ${e.remote.startHeight}, ${e.remote.transport === 'v2' ? `v2 session ${e.remote.sessionId}` : 'v1'}`,
          );
          return;
        case 'message':
          if (!isQuiet(e.direction, e.command))
            line(peer, `${e.direction === 'in' ? '← ' : '→ '}${sanitise(messageName(e))}`.padEnd(12));
          return;
        case 'addresses':
          line(peer, 'addresses'.padEnd(12), `${e.addresses.length} from ${e.command}`);
          return;
        case 'rtt':
          line(peer, 'ping'.padEnd(12), `rtt ${e.lastMs.toFixed(1)} ms (min ${e.minMs.toFixed(1)} ms)`);
          return;
        // Messages may quote what the peer sent (its user agent, a command name).
        case 'disconnect':
          line(peer, paint('yellow', 'disconnect'.padEnd(12)), `${e.reason}: ${sanitise(e.message)}`);
          return;
        case 'dropped':
          line(peer, paint('yellow', 'dropped'.padEnd(12)), sanitise(e.error.message));
          return;
        default:
          return;
      }
    },
    stopped(peer, output) {
      line(
        peer,
        paint('red', 'stopped'.padEnd(12)),
        `${output.reason}${output.cause ? ` (last: ${output.cause})` : ''}, retries ${output.retries}`,
      );
    },
    note(text) {
      stdout.write(`${text}\n`);
    },
  };
}
