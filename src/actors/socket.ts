// The TCP socket actor the peer machine invokes: dials directly or through a SOCKS5 proxy, or adopts an accepted socket.
import type { LookupAddress } from 'node:dns';
import { connect, isIP, type LookupFunction, type Socket } from 'node:net';
import { fromCallback } from 'xstate';
import type { DisconnectReason, SocketCommand, SocketEvent, SocketInput } from '../../machines/peer/types.js';
import { type HostResolver, pickOne } from '../dns.js';
import { logger } from '../log.js';
import { type ProxySettings, routeFor } from '../proxy/config.js';
import { dialThroughProxy, type PendingProxyDial, randomCredentials } from './socks.js';
import { WriteGather } from './write-gather.js';

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
export interface TcpSocketOptions extends ProxySettings {
  /** How host names are turned into addresses; default: the system resolver. Never asked for a name that goes to a proxy. */
  resolve?: HostResolver;
}

/**
 * TCP over node:net. Dials (outbound: directly, or through a SOCKS5 proxy) or adopts an accepted
 * socket (inbound), forwards bytes to the machine, writes what it is told, and reports the first
 * of error/close exactly once. The proxies are the input's (the peer's options) or else the
 * actor's own. No timers: the connect timeout is the machine's `connectTimeout` delay, which also
 * bounds name resolution and the proxy's answer.
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

    let socket: Socket | null = null;
    let pendingProxy: PendingProxyDial | null = null;
    const announce = (): void => {
      log('%s:%d connected', input.host, input.port);
      report({
        type: 'socket.connected',
        localAddress: socket?.localAddress ?? '',
        localPort: socket?.localPort ?? 0,
      });
    };

    // What the machine writes while it handles one chunk (a pong per ping, the answers to a
    // version) is gathered and leaves in one write: one syscall per chunk, not one per message.
    const gathered = new WriteGather();
    // The codec's reader, called once the machine has the chunk (from this I/O callback, never
    // inside a step: see SocketCommand): the messages it holds are decoded and handled one by one
    // while the answers still gather.
    let read: (() => void) | null = null;
    const write = (bytes: Buffer): void => {
      if (!socket) return;
      socket.write(bytes);
      // A peer that stops reading must not make our memory grow with what it refuses to take.
      if (socket.writableLength > input.maxSendBufferBytes) {
        finish({ type: 'socket.overflow', buffered: socket.writableLength });
      }
    };
    const flush = (): void => {
      const out = gathered.take();
      if (out && socket && !socket.destroyed) write(out);
    };
    const adopt = (adopted: Socket): void => {
      socket = adopted;
      adopted.setNoDelay(true);
      adopted.on('data', (chunk: Buffer) => {
        gathered.begin();
        report({ type: 'socket.data', chunk });
        if (!ended) read?.();
        if (!ended) flush();
        else gathered.take();
      });
      adopted.on('error', (error: NodeJS.ErrnoException) => {
        log('%s:%d error %s', input.host, input.port, error.message);
        finish({ type: 'socket.error', reason: reasonForSocketError(error), message: error.message });
      });
      adopted.on('close', () => finish({ type: 'socket.closed' }));
    };

    if (input.role === 'inbound') {
      adopt(input.accepted as Socket);
      queueMicrotask(announce);
    } else {
      const settings: ProxySettings = {
        proxy: input.proxy ?? options.proxy,
        onionProxy: input.onionProxy ?? options.onionProxy,
      };
      const route = routeFor(input.host, settings);
      const lookup = options.resolve && lookupWith(options.resolve);
      if (route.via === 'none') {
        const message = `${input.host}: ${route.network === 'torv3' ? 'onion peers need --onion-proxy or --proxy' : 'I2P is not supported'}`;
        queueMicrotask(() => finish({ type: 'socket.error', reason: 'unsupported-network', message }));
      } else if (route.via === 'proxy') {
        const randomize = input.proxyRandomize ?? options.proxyRandomize ?? true;
        pendingProxy = dialThroughProxy(
          {
            proxy: route.proxy,
            destination: { host: input.host, port: input.port },
            credentials: randomize ? randomCredentials() : null,
            lookup,
          },
          {
            connected: (established) => {
              pendingProxy = null;
              if (ended) {
                established.destroy();
                return;
              }
              adopt(established);
              announce();
            },
            failed: (reason, message) => {
              pendingProxy = null;
              finish({ type: 'socket.error', reason, message });
            },
          },
        );
      } else {
        const dialled = connect({ host: input.host, port: input.port, lookup });
        adopt(dialled);
        dialled.once('connect', announce);
      }
    }

    receive((command) => {
      if (command.type === 'reader') {
        read = command.read;
        return;
      }
      if (ended || !socket || socket.destroyed) return;
      if (!gathered.active) return write(command.bytes);
      const now = gathered.add(command.bytes);
      if (now) for (const bytes of now) write(bytes);
    });

    return () => {
      pendingProxy?.cancel();
      // What was answered before the session ended still leaves (a pong before a broken frame).
      if (!ended) flush();
      ended = true;
      read = null;
      if (!socket) return;
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
