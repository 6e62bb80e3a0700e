import type { LookupAddress } from 'node:dns';
import { connect, isIP, type LookupFunction, type Socket } from 'node:net';
import { fromCallback } from 'xstate';
import type { DisconnectReason, SocketCommand, SocketEvent, SocketInput } from '../../machines/peer/types.js';
import { type HostResolver, pickOne } from '../dns.js';
import { logger } from '../log.js';

const log = logger('socket');

const REASON_BY_CODE: Record<string, DisconnectReason> = {
  ECONNREFUSED: 'connection-refused',
  ENOTFOUND: 'dns-failure',
  EAI_AGAIN: 'dns-failure',
  EAI_FAIL: 'dns-failure',
  EAI_NONAME: 'dns-failure',
};

export const reasonForSocketError = (error: NodeJS.ErrnoException): DisconnectReason =>
  REASON_BY_CODE[error.code ?? ''] ?? 'socket-error';

/** Options of the TCP socket actor. */
export interface TcpSocketOptions {
  /** How host names are turned into addresses; default: the system resolver. */
  resolve?: HostResolver;
}

/**
 * TCP over node:net. Dials (outbound) or adopts an accepted socket (inbound), forwards bytes to
 * the machine, writes what it is told, and reports the first of error/close exactly once.
 * No timers: the connect timeout is the machine's `connectTimeout` delay, which also bounds
 * name resolution.
 */
export const createTcpSocket = (options: TcpSocketOptions = {}) =>
  fromCallback<SocketCommand, SocketInput>(({ input, sendBack, receive }) => {
    let ended = false;
    const report = (event: SocketEvent): void => {
      if (!ended) sendBack(event);
    };
    const finish = (event: SocketEvent): void => {
      if (ended) return;
      report(event);
      ended = true;
    };

    const socket: Socket =
      input.role === 'inbound'
        ? (input.accepted as Socket)
        : connect({
            host: input.host,
            port: input.port,
            lookup: options.resolve && lookupWith(options.resolve),
          });
    socket.setNoDelay(true);
    const announce = (): void => {
      log('%s:%d connected', input.host, input.port);
      report({
        type: 'socket.connected',
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
      });
    };
    if (input.role === 'inbound') queueMicrotask(announce);
    else socket.once('connect', announce);

    // What the machine writes while it handles one chunk (a pong per ping, the answers to a
    // version) is gathered and leaves in one write: one syscall per chunk, not one per message.
    let gathered: Buffer[] | null = null;
    const write = (bytes: Buffer): void => {
      socket.write(bytes);
      // A peer that stops reading must not make our memory grow with what it refuses to take.
      if (socket.writableLength > input.maxSendBufferBytes) {
        finish({ type: 'socket.overflow', buffered: socket.writableLength });
      }
    };
    const flush = (): void => {
      const out = gathered;
      gathered = null;
      if (out && out.length > 0 && !socket.destroyed) write(out.length === 1 ? out[0]! : Buffer.concat(out));
    };
    socket.on('data', (chunk: Buffer) => {
      gathered = [];
      report({ type: 'socket.data', chunk });
      if (!ended) flush();
      else gathered = null;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      log('%s:%d error %s', input.host, input.port, error.message);
      finish({ type: 'socket.error', reason: reasonForSocketError(error), message: error.message });
    });
    socket.on('close', () => finish({ type: 'socket.closed' }));

    receive((command) => {
      if (ended || socket.destroyed) return;
      if (gathered) gathered.push(command.bytes);
      else write(command.bytes);
    });

    return () => {
      // What was answered before the session ended still leaves (a pong before a broken frame).
      if (!ended) flush();
      ended = true;
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      // Errors after we let go (a late RST) must not become unhandled 'error' events.
      socket.on('error', () => {});
      socket.destroy();
    };
  });

/** The TCP socket actor with the system resolver. */
export const tcpSocket = createTcpSocket();

/** Adapts a HostResolver to the `lookup` hook of net.connect, choosing one address at random. */
function lookupWith(resolve: HostResolver): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    const reply = callback as (
      error: Error | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    resolve(hostname).then(
      (addresses) => {
        const address = pickOne(addresses);
        const family = isIP(address) || 4;
        // With autoSelectFamily (Node's default) net asks for every address; we give the one we chose.
        if (lookupOptions.all) reply(null, [{ address, family }]);
        else reply(null, address, family);
      },
      (error: NodeJS.ErrnoException) => {
        error.code ??= 'ENOTFOUND';
        reply(error, '', 4);
      },
    );
  };
}
