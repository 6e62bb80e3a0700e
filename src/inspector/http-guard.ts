// The HTTP side both inspectors share, built so that no request can take the node down or leave
// a socket behind: a node:http server with small limits (head size, time to send the head,
// connections), a clientError handler that answers and closes, a vetting step that turns every
// malformed or unwelcome request into a status before any routing, and a handler that never throws.
import { createServer, type IncomingMessage, type Server, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { logger } from '../log.js';
import type { HostCheck } from './host-check.js';

const log = logger('inspector');

/** Limits of the inspectors' HTTP servers. */
export interface HttpLimits {
  /** Time a client has to send a whole request head; then it gets 408 and the socket closes. */
  headersTimeoutMs: number;
  /** Largest request head (request line and headers), in bytes; beyond it, 431. */
  maxHeaderBytes: number;
  /** Longest request target (path and query), in characters; beyond it, 414. */
  maxTargetLength: number;
  /** Connections at once, event streams included; beyond it, new ones are closed at once. */
  maxConnections: number;
}

/** The limits unless told otherwise: generous for a browser, small for anything else. */
export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  maxHeaderBytes: 8 * 1024,
  maxTargetLength: 2048,
  maxConnections: 64,
};

/** A request that passed the checks: its method and its decoded path. */
export interface VettedRequest {
  method: 'GET' | 'HEAD';
  path: string;
}

/** A request refused, with the status and a line saying why. */
export interface Refusal {
  status: number;
  reason: string;
}

/** Whether a string holds characters that never belong in a decoded path (controls, NUL). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Checks a request before any routing, in this order: the Host names this server (else 400 when
 * absent or malformed, 421 when it names another), the target is a plain path (400; 414 when too
 * long), the method is GET or HEAD (405), there is no body (413), it is no protocol upgrade
 * (400), and the path decodes (400). Never throws.
 */
export function vetRequest(req: IncomingMessage, hosts: HostCheck, limits: HttpLimits): VettedRequest | Refusal {
  const host = req.headers.host;
  if (host === undefined || host === '') return { status: 400, reason: 'no Host header' };
  if (!hosts.allows(host)) return { status: 421, reason: 'unknown host' };
  const target = req.url ?? '';
  if (target.length > limits.maxTargetLength) return { status: 414, reason: 'request target too long' };
  // Origin form only: `/path?query`. Not `//host/path`, not `http://host/`, not `*`.
  if (!target.startsWith('/') || target.startsWith('//')) return { status: 400, reason: 'bad request target' };
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: 'only GET and HEAD' };
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
    return { status: 413, reason: 'no request body is accepted' };
  }
  if (req.headers.upgrade !== undefined) return { status: 400, reason: 'no protocol upgrade here' };
  const encoded = target.split(/[?#]/, 1)[0]!;
  let path: string;
  try {
    path = decodeURIComponent(encoded);
  } catch {
    return { status: 400, reason: 'bad percent-encoding' };
  }
  if (CONTROL.test(path)) return { status: 400, reason: 'control characters in the path' };
  return { method, path };
}

/** Whether vetRequest refused. */
export const isRefusal = (vetted: VettedRequest | Refusal): vetted is Refusal => 'status' in vetted;

/**
 * Answers with a short text body and closes the connection afterwards, so that nothing the
 * client sent after a bad request is ever parsed.
 */
export function refuse(res: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
  log('%d for %s %s: %s', refusal.status, res.req.method, (res.req.url ?? '').slice(0, 80), refusal.reason);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra = refusal.status === 405 ? { Allow: 'GET, HEAD' } : {};
  res.writeHead(refusal.status, {
    ...headers,
    ...extra,
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  res.end(`${refusal.reason}\n`);
}

/** What node:http reports for a request it could not parse, as the status a client should see. */
function clientErrorStatus(error: NodeJS.ErrnoException): number {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 431;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * A node:http server with the limits applied. `handler` runs for every parsed request; if it
 * throws, the client gets 500 (or a closed socket when the answer had begun) and the node runs on.
 * Requests node:http cannot parse (garbage, oversized heads, heads that never end) are answered
 * with 400, 431 or 408 and their sockets closed.
 */
export function createGuardedServer(
  limits: HttpLimits,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handler(req, res);
    } catch (error) {
      log('request %s failed: %O', req.url, error);
      refuse(res, { status: 500, reason: 'internal error' });
    }
  };
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs,
      // How often node:http looks for heads that take too long; its default is 30 s.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    handle,
  );
  // Without a listener, node:http answers `Expect: 100-continue` with 100 before we have looked at
  // the request; no body is ever welcome here, so the request is answered as it stands.
  server.on('checkContinue', handle);
  server.maxConnections = limits.maxConnections;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    log('bad request: %s', error.code ?? error.message);
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = clientErrorStatus(error);
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
    // The server keeps sockets half-open by default; this one is finished either way.
    socket.end(head, () => socket.destroy());
  });
  return server;
}
