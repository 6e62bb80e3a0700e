// The local inspector in-process: what it sends (summarised), how it streams (SSE), how much it
// keeps (bounded), and that close() gives the port back. Everything on loopback.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { peerMachine } from '../../machines/peer.js';
import { DEFAULT_INSPECT_HOST, DEFAULT_INSPECT_PORT } from '../../src/cli/options.js';
import { activeStateIds, machineDefinition } from '../../src/inspector/definition.js';
import { InspectionHub, sseMessage } from '../../src/inspector/hub.js';
import { summarise } from '../../src/inspector/serialise.js';
import { DEFAULT_INSPECTOR_HOST, DEFAULT_INSPECTOR_PORT, type Inspector, startInspector } from '../../src/inspector/server.js';
import { createPeer } from '../../src/peer.js';
import { startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { accepts, fetchText, readEvents } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function inspector(options: Parameters<typeof startInspector>[0] = {}): Promise<Inspector> {
  const started = await startInspector({ port: 0, ...options });
  cleanups.push(() => started.close());
  return started;
}

/** A small machine whose context and events carry what must never reach a page as it is. */
const chatty = setup({
  types: {
    context: {} as { count: number; nonce: bigint; last: Buffer | null; now: () => number },
    events: {} as { type: 'data'; chunk: Buffer } | { type: 'tick' },
  },
}).createMachine({
  id: 'chatty',
  context: { count: 0, nonce: 2n ** 64n - 1n, last: null, now: () => 1 },
  initial: 'idle',
  states: {
    idle: { on: { data: { target: 'busy', actions: assign({ last: ({ event }) => event.chunk }) } } },
    busy: { on: { tick: { target: 'idle', actions: assign({ count: ({ context }) => context.count + 1 }) } } },
  },
});

describe('summarise', () => {
  it('keeps JSON, turns bigints into decimal strings and bytes into their length, drops functions and sockets', () => {
    const socket = connect({ host: '127.0.0.1', port: 9 });
    socket.on('error', () => {});
    cleanups.push(() => socket.destroy());
    const summary = summarise({
      n: 1,
      big: 2n ** 70n,
      chunk: Buffer.from('secret bytes'),
      view: new Uint8Array(5),
      fn: () => 1,
      accepted: socket,
      nested: { list: [1n, Buffer.alloc(3)], error: Object.assign(new Error('bad'), { code: 'bad-checksum' }) },
    });
    expect(summary).toEqual({
      n: 1,
      big: '1180591620717411303424',
      chunk: { bytes: 12 },
      view: { bytes: 5 },
      nested: { list: ['1', { bytes: 3 }], error: { name: 'Error', message: 'bad', code: 'bad-checksum' } },
    });
    expect(JSON.stringify(summary)).not.toContain('secret');
  });

  it('cuts long lists, long strings, deep nesting and cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const summary = summarise({ list: Array.from({ length: 120 }, (_, i) => i), text: 'x'.repeat(5000), cyclic }) as Record<string, unknown>;
    expect((summary.list as unknown[]).length).toBe(51);
    expect((summary.list as unknown[]).at(-1)).toBe('… 70 more');
    expect(String(summary.text).length).toBeLessThan(2100);
    expect(summary.cyclic).toEqual({ name: 'loop', self: '[circular]' });
  });
});

describe('machine definition', () => {
  it('has every state of the peer chart with its type, and every transition from listTransitions', () => {
    const definition = machineDefinition(peerMachine);
    const ids: string[] = [];
    const visit = (s: typeof definition.root): void => {
      ids.push(s.id);
      s.states.forEach(visit);
    };
    visit(definition.root);
    for (const key of ['disconnected', 'session.link.connecting', 'session.link.handshaking', 'session.link.connected', 'backoff', 'stopped'])
      expect(ids).toContain(`peer.${key}`);
    expect(definition.root.states.find((s) => s.key === 'session')?.type).toBe('parallel');
    expect(definition.root.states.find((s) => s.key === 'stopped')?.type).toBe('final');
    expect(definition.transitions.some((t) => t.event === 'after backoffDelay')).toBe(true);
    expect(definition.transitions.some((t) => t.guard === 'canRetry')).toBe(true);
    expect(activeStateIds(peerMachine, { session: { traffic: {}, link: { connected: 'idle' } } })).toEqual([
      'peer',
      'peer.session',
      'peer.session.traffic',
      'peer.session.link',
      'peer.session.link.connected',
      'peer.session.link.connected.idle',
    ]);
  });
});

describe('the inspector server', () => {
  it('listens on 127.0.0.1, 4848 by default, as the CLI says', () => {
    expect([DEFAULT_INSPECTOR_HOST, DEFAULT_INSPECTOR_PORT]).toEqual([DEFAULT_INSPECT_HOST, DEFAULT_INSPECT_PORT]);
  });

  it('serves the page, its scripts, elkjs and the definition, all from itself', async () => {
    const server = await inspector();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetchText(server.url);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.filter((s) => /^[a-z]+:\/\//i.test(s) || s.startsWith('//'))).toEqual([]);
    for (const path of ['inspector.js', 'chart.js', 'panels.js', 'inspector.css', 'vendor/elk.bundled.js']) {
      const asset = await fetchText(`${server.url}${path}`);
      expect(asset.status, path).toBe(200);
    }
    createActor(peerMachine, { input: { host: '127.0.0.1', port: 1 }, inspect: server.inspect }).start();
    const definition = await fetchText(`${server.url}machines/peer.json`);
    expect(JSON.parse(definition.body)).toMatchObject({ id: 'peer', root: { id: 'peer', type: 'compound' } });
    expect((await fetchText(`${server.url}machines/nope.json`)).status).toBe(404);
  });

  it('refuses requests for other host names (DNS rebinding)', async () => {
    const server = await inspector();
    expect((await fetchText(server.url, { host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await fetchText(server.url, { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('checks the Host for a bind not spelled as loopback too (::ffff:127.0.0.1)', async () => {
    const server = await inspector({ host: '::ffff:127.0.0.1' });
    expect(server.url).toBe(`http://[::ffff:127.0.0.1]:${server.port}/`);
    expect((await fetchText(server.url)).status).toBe(200);
    expect((await fetchText(server.url, { host: `evil.example:${server.port}` })).status).toBe(421);
  });

  it('keeps the page offline and unframed: its policy allows only itself and no frame ancestors', async () => {
    const server = await inspector();
    const page = await fetchText(server.url);
    const policy = String(page.headers['content-security-policy']).split('; ');
    expect(policy).toEqual(expect.arrayContaining(["default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]));
    expect(page.headers['x-frame-options']).toBe('DENY');
  });

  it('sends what machines emit (messages in and out, lifecycle changes) and what they wait for', async () => {
    const server = await inspector();
    const peer = await startScriptedPeer();
    cleanups.push(() => peer.close());
    const reader = await readEvents(`${server.url}events`);
    cleanups.push(() => reader.close());
    const actor = createPeer({ host: '127.0.0.1', port: peer.port, network: 'regtest', connectOnStart: true }, { inspect: server.inspect });
    actor.start();
    cleanups.push(() => actor.stop());
    const emitted = (type: string, match: Record<string, unknown>) =>
      reader.waitFor((m) => m.kind === 'emitted' && m.eventType === type && Object.entries(match).every(([k, v]) => (m.event as Record<string, unknown>)[k] === v));
    await emitted('message', { direction: 'out', command: 'version' });
    await emitted('message', { direction: 'in', command: 'verack' });
    const connected = await emitted('state', { state: 'connected' });
    expect(connected.sessionId).toBe(actor.sessionId);
    const pinging = await reader.waitFor(
      (m) => m.kind === 'snapshot' && (m.active as string[]).includes('peer.session.link.connected.pinging'),
    );
    expect(pinging.timers).toEqual([
      expect.objectContaining({ delay: 'pingTimeout', stateId: 'peer.session.link.connected.pinging', ms: 1_200_000 }),
    ]);
    expect(pinging.headline).toEqual({
      state: 'connected',
      detail: 'waiting for their pong, timeout in',
      dueAt: (pinging.timers as { dueAt: number }[])[0]!.dueAt,
    });
    // Bytes never leave as they are, in emitted events either.
    expect(reader.messages.filter((m) => m.kind === 'emitted').every((m) => !JSON.stringify(m).includes('"type":"Buffer"'))).toBe(true);
  });

  it('streams summarised inspection events over SSE, to pages that join before and after', async () => {
    const server = await inspector();
    const early = await readEvents(`${server.url}events`);
    cleanups.push(() => early.close());
    const actor = createActor(chatty, { inspect: server.inspect }).start();
    actor.send({ type: 'data', chunk: Buffer.from('0123456789') });
    actor.send({ type: 'tick' });

    const hello = await early.waitFor((m) => m.kind === 'hello');
    expect(hello.actors).toEqual([]);
    const data = await early.waitFor((m) => m.kind === 'event' && m.eventType === 'data');
    expect(data.event).toEqual({ type: 'data', chunk: { bytes: 10 } });
    const snapshot = await early.waitFor((m) => m.kind === 'snapshot' && m.eventType === 'tick');
    expect(snapshot).toMatchObject({ value: 'idle', active: ['chatty', 'chatty.idle'], status: 'active' });
    expect(snapshot.context).toEqual({ count: 1, nonce: '18446744073709551615', last: { bytes: 10 } });
    expect(snapshot.transitions).toEqual(['chatty.busy tick → chatty.idle']);

    const late = await readEvents(`${server.url}events`);
    cleanups.push(() => late.close());
    const lateHello = await late.waitFor((m) => m.kind === 'hello');
    expect(lateHello.actors).toEqual([expect.objectContaining({ machine: 'chatty', snapshot: expect.objectContaining({ value: 'idle' }) })]);
    await late.waitFor((m) => m.kind === 'event' && m.eventType === 'data');
    expect(JSON.stringify(late.messages)).not.toContain('0123456789');
  });

  it('keeps a bounded history for late pages', async () => {
    const server = await inspector({ limits: { history: 50 } });
    const actor = createActor(chatty, { inspect: server.inspect }).start();
    for (let i = 0; i < 500; i++) actor.send({ type: i % 2 ? 'tick' : 'data', chunk: Buffer.alloc(1) } as never);
    expect(server.hub.historySize).toBe(50);
    const reader = await readEvents(`${server.url}events`);
    cleanups.push(() => reader.close());
    await reader.waitFor((m) => m.kind === 'hello');
    await new Promise((r) => setTimeout(r, 100));
    expect(reader.messages.filter((m) => m.kind !== 'hello')).toHaveLength(50);
  });

  it('close() ends the event streams and releases the port', async () => {
    const server = await startInspector({ port: 0 });
    const reader = await readEvents(`${server.url}events`);
    await reader.waitFor((m) => m.kind === 'hello');
    await server.close();
    await reader.ended;
    expect(await accepts('127.0.0.1', server.port)).toBe(false);
    await server.close(); // idempotent
  });
});

describe('the hub', () => {
  it('queues a bounded number of messages for a page that cannot keep up, then says how many it dropped', () => {
    const hub = new InspectionHub({ clientQueue: 20 });
    const written: string[] = [];
    let full = true;
    let drain = (): void => {};
    hub.attach({
      write: (message) => {
        written.push(message);
        return !full;
      },
      onDrain: (listener) => (drain = listener),
    });
    expect(written).toHaveLength(1); // hello, after which the transport reports itself full
    const actor = createActor(chatty, { inspect: hub.inspect }).start();
    for (let i = 0; i < 1000; i++) actor.send({ type: 'tick' });
    expect(written).toHaveLength(1);
    full = false;
    drain();
    const gap = JSON.parse(written[1]!.slice('data: '.length)) as { kind: string; dropped: number };
    expect(gap.kind).toBe('gap');
    expect(gap.dropped).toBeGreaterThan(900);
    expect(written).toHaveLength(2 + 20);
    expect(written.at(-1)).toBe(sseMessage(JSON.parse(written.at(-1)!.slice(6))));
  });
});
