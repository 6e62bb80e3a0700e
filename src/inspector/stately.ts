// Stately's hosted inspector, for a user who is online. @statelyai/inspect's own server
// (createInspectorServer) listens on every interface and opens a browser, with no option for
// either; this is a small bridge of our own: @statelyai/inspect's converter runs in-process with
// an adapter that hands each event to the bridge, and the bridge's page (which frames Stately's
// UI) reads them over a WebSocket on the same port. Nothing any WebSocket client sends is relayed.
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent, Observer } from 'xstate';
import { formatHost } from '../host-port.js';
import { logger } from '../log.js';
import { hostCheck } from './host-check.js';
import { createGuardedServer, HTTP_LIMITS, type HttpLimits, isRefusal, refuse, vetRequest } from './http-guard.js';
import { DEFAULT_INSPECTOR_HOST, DEFAULT_INSPECTOR_PORT } from './server.js';
import { type Json, summarise } from './serialise.js';

const log = logger('inspector');

/** Stately's hosted inspector, which the bridge page frames. */
export const STATELY_INSPECT_URL = 'https://stately.ai/inspect';
/** Messages kept for pages that open later (as @statelyai/inspect's server keeps). */
const REPLAY = 200;
/** A page that falls this far behind loses messages instead of growing our memory. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Pages only listen; anything larger than this from a client closes its socket. */
const MAX_CLIENT_MESSAGE_BYTES = 1024;

/** Where the bridge listens. */
export interface StatelyInspectorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4848; 0 picks a free port. */
  port?: number;
  /** The hosted UI the bridge page frames; default https://stately.ai/inspect. Must be http(s). */
  uiUrl?: string;
  /** Limits of the HTTP server (request head size and time, connections); see HTTP_LIMITS. */
  http?: Partial<HttpLimits>;
}

/** A running bridge to Stately's hosted inspector. */
export interface StatelyInspector {
  /** Pass as `createPeer(input, { inspect: bridge.inspect })` (XState's `inspect` option). */
  readonly inspect: Observer<InspectionEvent>;
  /** The local bridge page to open, e.g. `http://127.0.0.1:4848/`. */
  readonly url: string;
  /** The bridge page's WebSocket, e.g. `ws://127.0.0.1:4848/`: it only sends, to pages and watchers. */
  readonly wsUrl: string;
  /** The address the bridge listens on. */
  readonly host: string;
  /** The port the bridge listens on (the one chosen when 0 was asked). */
  readonly port: number;
  /** Closes every WebSocket and releases the port. Idempotent. */
  close(): Promise<void>;
}

/**
 * Pre-summarised before @statelyai/inspect sees them: its converter stringifies snapshots itself,
 * and would otherwise walk an inbound peer's socket and copy whole chunks of bytes.
 */
function withSummaries(event: InspectionEvent): InspectionEvent {
  if (event.type === '@xstate.snapshot')
    return { ...event, snapshot: summarise(event.snapshot) as never, event: summarise(event.event) as never };
  if (event.type === '@xstate.event') return { ...event, event: summarise(event.event) as never };
  return event;
}

/** Everything but the machine definition (already a string) summarised: no bytes, no handles. */
function serialiseForStately(event: StatelyInspectionEvent): StatelyInspectionEvent {
  const { definition, ...rest } = event as StatelyInspectionEvent & { definition?: string };
  const summary = summarise(rest) as { [key: string]: Json };
  return (definition === undefined ? summary : { ...summary, definition }) as unknown as StatelyInspectionEvent;
}

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The bridge page: its HTML and the Content-Security-Policy that lets it run and nothing more. */
interface BridgePage {
  html: string;
  /** The policy for a request that reached us as `host` (already checked against the allow list). */
  policy(host: string): string;
}

function bridgePage(uiUrl: URL): BridgePage {
  const uiOrigin = uiUrl.origin;
  const style = 'html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%;display:block}';
  // Messages go to the framed UI's origin only, and only its own window is heard back: another
  // frame or window cannot pose as Stately to learn what the node is doing.
  const script = `
const UI_ORIGIN = ${JSON.stringify(uiOrigin)};
const REPLAY = ${REPLAY};
const frame = document.getElementById('ui');
const pending = [];
let ready = false;
const deliver = (event) => frame.contentWindow.postMessage(event, UI_ORIGIN);
addEventListener('message', (e) => {
  if (e.origin !== UI_ORIGIN || e.source !== frame.contentWindow) return;
  if (e.data && e.data.type === '@statelyai.connected') {
    ready = true;
    for (const event of pending.splice(0)) deliver(event);
  }
});
const socket = new WebSocket('ws://' + location.host + '/');
socket.onmessage = (e) => {
  let event;
  try { event = JSON.parse(e.data); } catch { return; }
  if (ready) deliver(event);
  else { pending.push(event); if (pending.length > REPLAY) pending.shift(); }
};
`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stately inspector (btc-statechart)</title>
<link rel="icon" href="data:,">
<style>${style}</style></head>
<body><iframe id="ui" src="${escapeHtml(uiUrl.href)}" referrerpolicy="no-referrer"></iframe>
<script>${script}</script></body></html>`;
  const scriptHash = sha256(script);
  const styleHash = sha256(style);
  return {
    html,
    policy: (host) =>
      [
        "default-src 'none'",
        `script-src ${scriptHash}`,
        `style-src ${styleHash}`,
        `frame-src ${uiOrigin}`,
        `connect-src 'self' ws://${host}`,
        'img-src data:',
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
  };
}

const PAGE_HEADERS = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** Starts the bridge to Stately's hosted inspector on loopback: its page frames Stately's UI and relays the node's inspection events to it. */
export async function startStatelyInspector(options: StatelyInspectorOptions = {}): Promise<StatelyInspector> {
  const host = options.host ?? DEFAULT_INSPECTOR_HOST;
  const limits = { ...HTTP_LIMITS, ...options.http };
  const uiUrl = new URL(options.uiUrl ?? STATELY_INSPECT_URL);
  if (uiUrl.protocol !== 'https:' && uiUrl.protocol !== 'http:') throw new TypeError(`uiUrl must be http(s), got ${uiUrl.href}`);
  const page = bridgePage(uiUrl);
  let port = options.port ?? DEFAULT_INSPECTOR_PORT;
  const hosts = hostCheck(host, () => port);

  const server: Server = createGuardedServer(limits, (req, res) => {
    const vetted = vetRequest(req, hosts, limits);
    if (isRefusal(vetted)) return refuse(res, vetted, PAGE_HEADERS);
    if (vetted.path !== '/') return refuse(res, { status: 404, reason: 'not found' }, PAGE_HEADERS);
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'Content-Security-Policy': page.policy(req.headers.host!),
      'Content-Type': 'text/html; charset=utf-8',
    });
    res.end(page.html);
  });
  const wss = new WebSocketServer({
    server,
    path: '/',
    maxPayload: MAX_CLIENT_MESSAGE_BYTES,
    // The bridge page served from here, or a program that is no browser (no Origin): both only
    // watch. A page from anywhere else is refused.
    verifyClient: ({ req, origin }: { req: IncomingMessage; origin?: string }) =>
      hosts.allows(req.headers.host) && (!origin || origin === `http://${req.headers.host}`),
  });
  const replay: string[] = [];

  wss.on('connection', (ws) => {
    for (const message of replay) ws.send(message);
    ws.on('error', (error) => log('stately bridge socket: %s', error.message));
  });
  wss.on('error', (error) => log('stately bridge: %s', error.message));

  const broadcast = (message: string): void => {
    replay.push(message);
    if (replay.length > REPLAY) replay.shift();
    for (const client of wss.clients) {
      if (client.readyState !== WebSocket.OPEN || client.bufferedAmount > MAX_BUFFERED_BYTES) continue;
      client.send(message);
    }
  };
  const stately = createInspector(
    {
      send: (event) => {
        try {
          broadcast(JSON.stringify(event));
        } catch (error) {
          log('could not relay %s: %O', event.type, error);
        }
      },
    },
    { serialize: serialiseForStately },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const formatted = formatHost(host);
  const url = `http://${formatted}:${port}/`;
  const wsUrl = `ws://${formatted}:${port}/`;
  log('stately bridge on %s', url);

  let closing: Promise<void> | null = null;
  return {
    inspect: {
      next: (event) => {
        try {
          stately.inspect.next?.(withSummaries(event));
        } catch (error) {
          log('could not record %s: %O', event.type, error);
        }
      },
    },
    url,
    wsUrl,
    host,
    port,
    close() {
      closing ??= (async () => {
        stately.stop();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        log('stately bridge closed');
      })();
      return closing;
    },
  };
}
