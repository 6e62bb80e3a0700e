// Stately's hosted inspector, for a user who is online. @statelyai/inspect's own server
// (createInspectorServer) listens on every interface and opens a browser, with no option for
// either; this is the same small bridge on 127.0.0.1: an HTTP page that frames Stately's UI and a
// WebSocket that relays what @statelyai/inspect's WebSocket inspector sends to that page.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWebSocketInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import { WebSocket, WebSocketServer } from 'ws';
import type { InspectionEvent, Observer } from 'xstate';
import { formatHost } from '../host-port.js';
import { logger } from '../log.js';
import { DEFAULT_INSPECTOR_HOST, DEFAULT_INSPECTOR_PORT } from './server.js';
import { type Json, summarise } from './serialise.js';

const log = logger('inspector');

/** Stately's hosted inspector, which the bridge page frames. */
export const STATELY_INSPECT_URL = 'https://stately.ai/inspect';
/** Messages kept for pages that open later (as @statelyai/inspect's server keeps). */
const REPLAY = 200;
/** A page that falls this far behind loses messages instead of growing our memory. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 1024 * 1024;
const CONNECT_TIMEOUT_MS = 5000;

/** Where the bridge listens. */
export interface StatelyInspectorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 4848; 0 picks a free port. */
  port?: number;
  /** The hosted UI the bridge page frames; default https://stately.ai/inspect. */
  uiUrl?: string;
}

/** A running bridge to Stately's hosted inspector. */
export interface StatelyInspector {
  readonly inspect: Observer<InspectionEvent>;
  /** The local bridge page to open, e.g. `http://127.0.0.1:4848/`. */
  readonly url: string;
  /** Where @statelyai/inspect's WebSocket inspector sends, e.g. `ws://127.0.0.1:4848`. */
  readonly wsUrl: string;
  readonly host: string;
  readonly port: number;
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

function bridgePage(uiUrl: string): string {
  // The page relays what arrives on its WebSocket to the framed UI once that UI says it is ready.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stately inspector (btc-statechart)</title>
<link rel="icon" href="data:,">
<style>html,body{margin:0;height:100%}iframe{border:0;width:100%;height:100%}</style></head>
<body><iframe id="ui" src="${uiUrl}"></iframe>
<script>
const frame = document.getElementById('ui');
const pending = [];
let ready = false;
addEventListener('message', (e) => {
  if (e.data && e.data.type === '@statelyai.connected') {
    ready = true;
    for (const event of pending.splice(0)) frame.contentWindow.postMessage(event, '*');
  }
});
const socket = new WebSocket('ws://' + location.host);
socket.onmessage = (e) => {
  const event = JSON.parse(e.data);
  if (ready) frame.contentWindow.postMessage(event, '*');
  else { pending.push(event); if (pending.length > ${REPLAY}) pending.shift(); }
};
</script></body></html>`;
}

/** Starts the bridge to Stately's hosted inspector on loopback: its page frames Stately's UI and relays the node's inspection events to it. */
export async function startStatelyInspector(options: StatelyInspectorOptions = {}): Promise<StatelyInspector> {
  const host = options.host ?? DEFAULT_INSPECTOR_HOST;
  const uiUrl = options.uiUrl ?? STATELY_INSPECT_URL;
  let port = options.port ?? DEFAULT_INSPECTOR_PORT;
  const formatted = formatHost(host);
  const sameHost = (req: IncomingMessage): boolean =>
    [formatted, '127.0.0.1', 'localhost'].some((name) => req.headers.host === `${name}:${port}`);

  const server: Server = createServer((req, res) => {
    if (!sameHost(req)) {
      res.writeHead(421).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
    res.end(bridgePage(uiUrl));
  });
  const wss = new WebSocketServer({
    server,
    maxPayload: MAX_MESSAGE_BYTES,
    // Only our own process (no Origin) and the bridge page served from here may connect.
    verifyClient: ({ req, origin }: { req: IncomingMessage; origin?: string }) =>
      sameHost(req) && (!origin || origin === `http://${req.headers.host}`),
  });
  const replay: string[] = [];
  // Our own process's inspector connects without an Origin header; browsers always send one.
  const appSockets = new Set<WebSocket>();
  let appConnected: () => void = () => {};
  const appReady = new Promise<void>((resolve) => (appConnected = resolve));

  wss.on('connection', (ws, req) => {
    if (!req.headers.origin) {
      appSockets.add(ws);
      ws.once('close', () => appSockets.delete(ws));
      appConnected();
    } else {
      for (const message of replay) ws.send(message);
    }
    ws.on('message', (data) => {
      // Pages only listen: what they send is not relayed.
      if (!appSockets.has(ws)) return;
      const message = data.toString();
      replay.push(message);
      if (replay.length > REPLAY) replay.shift();
      for (const client of wss.clients) {
        if (client === ws || client.readyState !== WebSocket.OPEN) continue;
        if (client.bufferedAmount > MAX_BUFFERED_BYTES) continue;
        client.send(message);
      }
    });
    ws.on('error', (error) => log('stately bridge socket: %s', error.message));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${formatted}:${port}/`;
  const wsUrl = `ws://${formatted}:${port}`;

  const stately = createWebSocketInspector({ url: wsUrl, serialize: serialiseForStately });
  // Returning only once it is connected means close() always meets an open socket: closing one
  // still connecting makes the adapter retry every 5 s, which would keep the process alive.
  const connected = await Promise.race([
    appReady.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(resolve, CONNECT_TIMEOUT_MS, false).unref()),
  ]);
  if (!connected) {
    stately.stop();
    server.closeAllConnections();
    server.close();
    throw new Error(`@statelyai/inspect could not connect to ${wsUrl}`);
  }
  log('stately bridge on %s', url);

  let closing: Promise<void> | null = null;
  return {
    inspect: { next: (event) => stately.inspect.next?.(withSummaries(event)) },
    url,
    wsUrl,
    host,
    port,
    close() {
      closing ??= (async () => {
        const closed = [...appSockets].map((ws) => new Promise((resolve) => ws.once('close', resolve)));
        stately.stop();
        // Let the adapter's socket finish its closing handshake before the server goes away.
        await Promise.race([
          Promise.all(closed),
          new Promise((resolve) => setTimeout(resolve, 1000).unref()),
        ]);
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
