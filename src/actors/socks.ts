// Dialling through a SOCKS5 proxy: our own TCP socket to the proxy, the negotiation run over it by
// the `socks` package, and the proxy's answers read by readSocksReplies so that every failure gets
// its typed reason. Used by the TCP socket actor; it starts no timer of its own.
import { randomBytes } from 'node:crypto';
import { connect, isIP, type LookupFunction, type Socket } from 'node:net';
import { domainToASCII } from 'node:url';
import { SocksClient, type SocksClientError } from 'socks';
import type { DisconnectReason } from '../../machines/peer/disconnect.js';
import { formatHostPort } from '../host-port.js';
import { logger } from '../log.js';
import type { ProxyEndpoint } from '../proxy/config.js';
import { readSocksReplies } from '../proxy/socks-reply.js';

const log = logger('socks');

/** SOCKS5 username and password (RFC 1929). */
export interface ProxyCredentials {
  username: string;
  password: string;
}

/** One connection to make through a proxy. */
export interface ProxyDial {
  proxy: ProxyEndpoint;
  /** Where the proxy connects us: an IP literal, or a name the proxy resolves (a SOCKS5 domain address). */
  destination: { host: string; port: number };
  /** Credentials to offer (each connection its own, for Tor's stream isolation), or none. */
  credentials: ProxyCredentials | null;
  /** How the proxy's own host name is resolved, when it is one; default: the system resolver. */
  lookup?: LookupFunction | undefined;
}

/** What the dial reports, exactly one of them, once. */
export interface ProxyDialHandlers {
  /** The proxy connected us: from now on the socket carries the peer's bytes, and is the caller's. */
  connected(socket: Socket): void;
  /** The proxy could not be reached, refused, or answered something that is not SOCKS5. */
  failed(reason: DisconnectReason, message: string): void;
}

/** A dial under way; `cancel` lets go of everything it holds (socket, the library's timer). */
export interface PendingProxyDial {
  cancel(): void;
}

/**
 * Fresh random credentials: Tor isolates streams by SOCKS username and password (IsolateSOCKSAuth),
 * so each connection gets its own circuit. Core numbers them from a counter; random ones also keep
 * two processes sharing one Tor from landing on each other's circuits.
 */
export const randomCredentials = (): ProxyCredentials => ({
  username: randomBytes(8).toString('hex'),
  password: randomBytes(8).toString('hex'),
});

/**
 * The library's own bound on the negotiation. The machine's connectTimeout is the real one and
 * ends the dial first; this is only a backstop should the library's timer ever escape us.
 */
export const SOCKS_LIBRARY_TIMEOUT_MS = 10 * 60_000;
// Everything the proxy may send before the peer's bytes: 2 + 2 + 4 + 1 + 255 + 2.
const MAX_NEGOTIATION_BYTES = 266;

const noop = (): void => {};

/**
 * Runs `start` and returns the timers it created. SocksClient.connect starts a timeout and keeps no
 * handle to it, so a finished dial would leave a timer behind for as long as the timeout; catching
 * it here lets us clear it when the dial ends. `start` is synchronous, so nothing else can create a
 * timer while the hook is in place.
 */
function catchingTimers(start: () => void): ReturnType<typeof setTimeout>[] {
  const original = globalThis.setTimeout;
  const caught: ReturnType<typeof setTimeout>[] = [];
  const hook = (...args: Parameters<typeof setTimeout>): ReturnType<typeof setTimeout> => {
    const timer = original(...args);
    caught.push(timer);
    return timer;
  };
  globalThis.setTimeout = Object.assign(hook, original) as typeof setTimeout;
  try {
    start();
  } finally {
    globalThis.setTimeout = original;
  }
  return caught;
}

/** What the proxy had said when it went quiet or away, for the message. */
function stageOf(received: number): string {
  return received === 0 ? 'before answering' : 'in the middle of its answer';
}

/** Dials `dial.destination` through `dial.proxy`; reports through `handlers` exactly once. */
export function dialThroughProxy(dial: ProxyDial, handlers: ProxyDialHandlers): PendingProxyDial {
  const proxyName = formatHostPort(dial.proxy.host, dial.proxy.port);
  const bare = dial.destination.host.replace(/^\[|\]$/g, '');
  // A name goes to the proxy as ASCII (an internationalised name in its punycode form); '' if invalid.
  const destination = { host: isIP(bare) ? bare : domainToASCII(bare), port: dial.destination.port };
  const offeredUserPass = dial.credentials !== null;
  let settled = false;
  let client: SocksClient | null = null;
  let libraryTimers: ReturnType<typeof setTimeout>[] = [];
  let received = Buffer.alloc(0);

  const socket = connect({ host: dial.proxy.host, port: dial.proxy.port, lookup: dial.lookup });
  socket.setNoDelay(true);

  const releaseLibrary = (): void => {
    for (const timer of libraryTimers) clearTimeout(timer);
    libraryTimers = [];
    if (client) {
      client.removeAllListeners();
      // The library reports a socket we destroy as an 'error' of its own: it must find a listener.
      client.on('error', noop);
    }
  };
  const abandon = (): boolean => {
    if (settled) return false;
    settled = true;
    releaseLibrary();
    socket.removeAllListeners();
    socket.on('error', noop);
    socket.destroy();
    return true;
  };
  const fail = (reason: DisconnectReason, message: string): void => {
    if (!abandon()) return;
    log('%s via %s: %s (%s)', formatHostPort(destination.host, destination.port), proxyName, reason, message);
    handlers.failed(reason, message);
  };

  // Every byte of the proxy's answers is read here too: the library names failures in prose (and
  // not at all for codes it does not know), so the reasons come from the bytes themselves.
  const tap = (chunk: Buffer): void => {
    if (received.length < MAX_NEGOTIATION_BYTES) {
      received = Buffer.concat([received, chunk]).subarray(0, MAX_NEGOTIATION_BYTES);
    }
    const reading = readSocksReplies(received, offeredUserPass);
    if (reading.state === 'refused') fail(reading.reason, reading.message);
  };

  const onEstablished = ({ socket: established }: { socket: Socket }): void => {
    if (settled) return;
    const reading = readSocksReplies(received, offeredUserPass);
    if (reading.state !== 'granted') {
      fail('proxy-bad-reply', `the proxy's reply to our request was incomplete or malformed`);
      return;
    }
    settled = true;
    releaseLibrary();
    socket.removeListener('data', tap);
    log('%s via %s: connected', formatHostPort(destination.host, destination.port), proxyName);
    // Bytes that came with the reply are passed on by the library on the next turn of the loop.
    handlers.connected(established);
  };

  const onLibraryError = (error: SocksClientError): void => {
    const reading = readSocksReplies(received, offeredUserPass);
    if (reading.state === 'refused') fail(reading.reason, reading.message);
    else if (/timed out/i.test(error.message)) fail('connect-timeout', `the proxy did not answer in time (${proxyName})`);
    else if (reading.state === 'incomplete') {
      fail('proxy-closed', `the proxy ${proxyName} closed the connection ${stageOf(received.length)}: ${error.message}`);
    } else fail('proxy-bad-reply', `the proxy ${proxyName}: ${error.message}`);
  };

  const onProxyUnreachable = (error: NodeJS.ErrnoException): void =>
    fail('proxy-unreachable', `the proxy ${proxyName} could not be reached: ${error.message}`);
  socket.once('error', onProxyUnreachable);
  socket.once('connect', () => {
    socket.removeListener('error', onProxyUnreachable);
    socket.on('data', tap);
    if (destination.host === '') {
      fail('proxy-not-supported', `cannot ask the proxy for ${JSON.stringify(bare)}: not a valid host name`);
      return;
    }
    try {
      client = new SocksClient({
        proxy: {
          host: dial.proxy.host,
          port: dial.proxy.port,
          type: 5,
          ...(dial.credentials ? { userId: dial.credentials.username, password: dial.credentials.password } : {}),
        },
        command: 'connect',
        destination,
        existing_socket: socket,
        timeout: SOCKS_LIBRARY_TIMEOUT_MS,
      });
    } catch (error) {
      // The library refuses a destination it cannot encode: a name of 256 bytes or more.
      fail('proxy-not-supported', `cannot ask the proxy for ${destination.host}: ${(error as Error).message}`);
      return;
    }
    client.once('established', onEstablished);
    client.once('error', onLibraryError);
    const started = client;
    libraryTimers = catchingTimers(() => started.connect(socket));
  });

  return {
    cancel(): void {
      abandon();
    },
  };
}
