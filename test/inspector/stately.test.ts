// The bridge to Stately's hosted inspector, over loopback only. The hosted UI itself needs the
// internet and is not tested here; what is tested is everything on this side of it: the bridge
// binds 127.0.0.1 only, serves its page, and relays @statelyai/inspect's events to a page's
// WebSocket with the bytes summarised.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type StatelyInspector, startStatelyInspector } from '../../src/inspector/stately.js';
import { createPeer } from '../../src/peer.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { accepts, fetchText } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bridge(): Promise<StatelyInspector> {
  const started = await startStatelyInspector({ port: 0 });
  cleanups.push(() => started.close());
  return started;
}

async function scripted(): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer();
  cleanups.push(() => peer.close());
  return peer;
}

/** A page's side of the bridge: a browser-like WebSocket client (it sends an Origin). */
function pageSocket(inspector: StatelyInspector): Promise<{ messages: Record<string, unknown>[]; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(inspector.wsUrl, { origin: inspector.url.replace(/\/$/, '') });
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    socket.once('open', () => resolve({ messages, socket }));
    socket.once('error', reject);
    cleanups.push(() => socket.terminate());
  });
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the Stately inspector bridge", () => {
  it('binds 127.0.0.1 only, never every interface', async () => {
    const inspector = await bridge();
    expect(inspector.host).toBe('127.0.0.1');
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/`);
    expect(await accepts('127.0.0.1', inspector.port)).toBe(true);
    expect(await accepts('127.0.0.2', inspector.port)).toBe(false);
  });

  it("serves a page that frames Stately's UI and reads the bridge's WebSocket", async () => {
    const inspector = await bridge();
    const page = await fetchText(inspector.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('src="https://stately.ai/inspect"');
    expect(page.body).toContain("new WebSocket('ws://' + location.host)");
    expect((await fetchText(inspector.url, { host: `evil.example:${inspector.port}` })).status).toBe(421);
  });

  it("relays @statelyai/inspect's events from a real peer to the page, bytes summarised", async () => {
    const inspector = await bridge();
    const { messages } = await pageSocket(inspector);
    const peer = await scripted();
    const actor = createPeer(
      { host: '127.0.0.1', port: peer.port, network: 'regtest', connectOnStart: true },
      { inspect: inspector.inspect },
    );
    actor.start();
    cleanups.push(() => actor.stop());
    await peer.waitFor('verack');
    await until(
      () => messages.some((m) => m.type === '@xstate.snapshot' && JSON.stringify(m.snapshot).includes('"connected"')),
      'a connected snapshot',
    );
    const registered = messages.find((m) => m.type === '@xstate.actor' && m.name === 'peer');
    expect(registered).toMatchObject({ _version: expect.any(String), sessionId: expect.any(String) });
    expect(JSON.parse(String(registered!.definition))).toMatchObject({ id: 'peer' });
    const data = messages.find((m) => m.type === '@xstate.event' && (m.event as { type: string }).type === 'socket.data');
    expect((data!.event as { chunk: unknown }).chunk).toEqual({ bytes: expect.any(Number) });
    expect(JSON.stringify(messages)).not.toMatch(/"type":"Buffer"/);
  });

  it('close() releases the port', async () => {
    const inspector = await startStatelyInspector({ port: 0 });
    await inspector.close();
    expect(await accepts('127.0.0.1', inspector.port)).toBe(false);
  });
});
