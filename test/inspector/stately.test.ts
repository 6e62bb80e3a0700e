// The bridge to Stately's hosted inspector, over loopback only. The hosted UI itself needs the
// internet and is not tested here; what is tested is everything on this side of it: the bridge
// binds 127.0.0.1 only, serves a page that talks to Stately's origin alone and cannot be framed,
// relays @statelyai/inspect's events to pages with the bytes summarised, and relays nothing any
// WebSocket client sends. (The page's origin checks run in Chromium in browser.test.ts.)
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type StatelyInspector, startStatelyInspector } from '../../src/inspector/stately.js';
import { createPeer } from '../../src/peer.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { pollUntil } from '../../testkit/poll-until.js';
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

/**
 * A client of the bridge's WebSocket: a page (a browser sends the bridge's own Origin), a program
 * that is no browser (no Origin), or a page from elsewhere.
 */
function client(
  inspector: StatelyInspector,
  origin: string | null = inspector.url.replace(/\/$/, ''),
): Promise<{ messages: Record<string, unknown>[]; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(inspector.wsUrl, origin === null ? {} : { origin });
    const messages: Record<string, unknown>[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as Record<string, unknown>));
    socket.once('open', () => resolve({ messages, socket }));
    socket.once('error', reject);
    cleanups.push(() => socket.terminate());
  });
}

describe("the Stately inspector bridge", () => {
  it('binds 127.0.0.1 only, never every interface', async () => {
    const inspector = await bridge();
    expect(inspector.host).toBe('127.0.0.1');
    expect(inspector.url).toBe(`http://127.0.0.1:${inspector.port}/`);
    expect(await accepts('127.0.0.1', inspector.port)).toBe(true);
    expect(await accepts('127.0.0.2', inspector.port)).toBe(false);
  });

  it("serves a page that frames Stately's UI, talks to Stately's origin only, and cannot be framed itself", async () => {
    const inspector = await bridge();
    const page = await fetchText(inspector.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('src="https://stately.ai/inspect"');
    // Messages go to Stately's origin, never to '*'; only Stately's own frame is heard back.
    expect(page.body).not.toMatch(/postMessage\([^)]*['"]\*['"]\)/);
    expect(page.body).toContain('const UI_ORIGIN = "https://stately.ai"');
    expect(page.body).toContain('e.origin !== UI_ORIGIN || e.source !== frame.contentWindow');
    const policy = String(page.headers['content-security-policy']);
    const script = /<script>([\s\S]*)<\/script>/.exec(page.body)![1]!;
    const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        `script-src ${hash}`,
        'frame-src https://stately.ai',
        `connect-src 'self' ws://127.0.0.1:${inspector.port}`,
        "frame-ancestors 'none'",
      ]),
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await fetchText(inspector.url, { host: `evil.example:${inspector.port}` })).status).toBe(421);
    expect((await fetchText(`${inspector.url}other`)).status).toBe(404);
  });

  it('refuses WebSockets from pages of other origins and from other host names', async () => {
    const inspector = await bridge();
    await expect(client(inspector, 'http://evil.example')).rejects.toThrow(/401/);
    const rebound = new WebSocket(inspector.wsUrl, { headers: { host: `evil.example:${inspector.port}` } });
    cleanups.push(() => rebound.terminate());
    await expect(new Promise((resolve, reject) => rebound.once('open', resolve).once('error', reject))).rejects.toThrow(/401/);
  });

  it('relays nothing any client sends: a client without an Origin may watch, not inject', async () => {
    const inspector = await bridge();
    const page = await client(inspector);
    const watcher = await client(inspector, null);
    const fake = { type: '@xstate.snapshot', _version: '0.7.2', sessionId: 'x:9', snapshot: { value: 'hacked' } };
    watcher.socket.send(JSON.stringify(fake));
    page.socket.send(JSON.stringify(fake));
    const peer = await scripted();
    const actor = createPeer(
      { host: '127.0.0.1', port: peer.port, network: 'regtest', connectOnStart: true },
      { inspect: inspector.inspect },
    );
    actor.start();
    cleanups.push(() => actor.stop());
    await peer.waitFor('verack');
    await pollUntil('snapshots on both', () => page.messages.some((m) => m.type === '@xstate.snapshot') && watcher.messages.some((m) => m.type === '@xstate.snapshot'), 5000, 20);
    for (const { messages } of [page, watcher]) {
      expect(JSON.stringify(messages)).not.toContain('hacked');
      expect(messages.every((m) => typeof m._version === 'string')).toBe(true);
    }
  });

  it("relays @statelyai/inspect's events from a real peer to the page, bytes summarised", async () => {
    const inspector = await bridge();
    const { messages } = await client(inspector);
    const peer = await scripted();
    const actor = createPeer(
      { host: '127.0.0.1', port: peer.port, network: 'regtest', connectOnStart: true },
      { inspect: inspector.inspect },
    );
    actor.start();
    cleanups.push(() => actor.stop());
    await peer.waitFor('verack');
    await pollUntil(
      'a connected snapshot',
      () => messages.some((m) => m.type === '@xstate.snapshot' && JSON.stringify(m.snapshot).includes('"connected"')),
      5000,
      20,
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
