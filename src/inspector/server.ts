// The local statechart inspector: a node:http server on 127.0.0.1 that serves the page, the
// machines' definitions, and a Server-Sent Events stream of inspection records.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InspectionEvent, Observer } from 'xstate';
import { formatHost } from '../host-port.js';
import { logger } from '../log.js';
import { type Asset, pageAssets } from './assets.js';
import { hostCheck } from './host-check.js';
import { createGuardedServer, HTTP_LIMITS, type HttpLimits, isRefusal, refuse, vetRequest } from './http-guard.js';
import { type HubLimits, InspectionHub } from './hub.js';

const log = logger('inspector');

/** Where the inspector listens unless told otherwise: loopback only. */
export const DEFAULT_INSPECTOR_HOST = '127.0.0.1';
/** The inspector's port unless told otherwise. */
export const DEFAULT_INSPECTOR_PORT = 4848;
const HEARTBEAT_MS = 15_000;

/** Where the local inspector listens, and how much it keeps. */
export interface InspectorOptions {
  /** Address to listen on; default 127.0.0.1. Another one only when the user names it. */
  host?: string;
  /** Default 4848; 0 picks a free port (see `url` for the one chosen). */
  port?: number;
  limits?: Partial<HubLimits>;
  /** Limits of the HTTP server (request head size and time, connections); see HTTP_LIMITS. */
  http?: Partial<HttpLimits>;
}

/** A running local inspector: pass `inspect` to actors, open `url`, `close()` when done. */
export interface Inspector {
  /** Pass as `createPeer(input, { inspect: inspector.inspect })` (XState's `inspect` option). */
  readonly inspect: Observer<InspectionEvent>;
  /** The page, e.g. `http://127.0.0.1:4848/`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly hub: InspectionHub;
  /** Ends every event stream and releases the port. Idempotent. */
  close(): Promise<void>;
}

// The page may load only what this server serves: a browser enforces that it stays offline.
const SECURITY_HEADERS = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};


/** Starts the inspector server; resolves once it listens. */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const host = options.host ?? DEFAULT_INSPECTOR_HOST;
  const limits = { ...HTTP_LIMITS, ...options.http };
  const hub = new InspectionHub(options.limits);
  const assets = pageAssets();
  const streams = new Set<ServerResponse>();
  let port = options.port ?? DEFAULT_INSPECTOR_PORT;
  const hosts = hostCheck(host, () => port);

  const server: Server = createGuardedServer(limits, (req, res) => {
    const vetted = vetRequest(req, hosts, limits);
    if (isRefusal(vetted)) return refuse(res, vetted, SECURITY_HEADERS);
    const { path } = vetted;
    if (path === '/events') return openStream(req, res);
    if (path === '/actors.json') return respond(res, 200, 'application/json', JSON.stringify(hub.actorList()));
    const machine = /^\/machines\/([^/]+)\.json$/.exec(path);
    if (machine) {
      const definition = hub.definition(machine[1]!);
      if (!definition) return respond(res, 404, 'text/plain; charset=utf-8', 'no such machine\n');
      return respond(res, 200, 'application/json', JSON.stringify(definition));
    }
    const asset = assets.get(path);
    if (asset) return sendAsset(req, res, asset);
    respond(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 2000\n\n');
    streams.add(res);
    const detach = hub.attach({
      write: (message) => res.write(message),
      onDrain: (listener) => res.on('drain', listener),
    });
    log('page connected (%d open)', streams.size);
    req.on('close', () => {
      detach();
      streams.delete(res);
      log('page left (%d open)', streams.size);
    });
  }

  // SSE comments keep proxies and the browser from timing the stream out; unref'd, so an idle
  // inspector never keeps the process alive.
  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    clearInterval(heartbeat);
    throw error;
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${formatHost(host)}:${port}/`;
  log('listening on %s', url);

  let closing: Promise<void> | null = null;
  return {
    inspect: hub.inspect,
    url,
    host,
    port,
    hub,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        hub.detachAll();
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        log('closed %s', url);
      });
      return closing;
    },
  };
}

function respond(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType });
  res.end(body);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.contentType });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(asset.file)
    .on('error', (error) => {
      log('cannot read %s: %s', asset.file, error.message);
      res.destroy(error);
    })
    .pipe(res);
}
