// The page's words, without a browser: how it writes the time left, the headline, an actor's name,
// and which records of a real exchange are what a person follows and which are plumbing. The
// records come from the real node (a peer against a scripted peer), not from hand-made fixtures.
import { afterEach, describe, expect, it } from 'vitest';
import { InspectionHub } from '../../src/inspector/hub.js';
import type { InspectorRecord } from '../../src/inspector/serialise.js';
import { createPeer } from '../../src/peer.js';
import { startScriptedPeer } from '../../testkit/scripted-peer/index.js';

// The page's modules are plain browser JavaScript served as they are; these parts never touch the DOM.
interface Row {
  route: string;
  plumbing: boolean;
  what: string;
  detail: string;
}
const page = (name: string): string => new URL(`../../src/inspector/page/${name}`, import.meta.url).href;
const { formatLeft, headlineText } = (await import(page('headline.js'))) as {
  formatLeft: (ms: number) => string;
  headlineText: (headline: unknown, now: number) => string;
};
const { describeRecord } = (await import(page('event-log.js'))) as {
  describeRecord: (record: InspectorRecord, name: (id: string | null) => string, isMachine: (id: string) => boolean) => Row;
};
const { actorLabel, pickerOrder } = (await import(page('actors.js'))) as {
  actorLabel: (actor: unknown) => string;
  pickerOrder: (actors: Map<string, unknown>) => { actor: { sessionId: string }; depth: number }[];
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the headline in the page', () => {
  it('writes the time left as a person reads it', () => {
    expect([0, 999, 4000, 59_001, 60_000, 112_000, 3_723_000].map(formatLeft)).toEqual(['0 s', '1 s', '4 s', '1:00', '1:00', '1:52', '1:02:03']);
  });

  it('appends the time left to the detail, and leaves it out when there is no timer', () => {
    const now = 1_000_000;
    expect(headlineText({ state: 'connected', detail: 'idle, next ping in', dueAt: now + 112_000 }, now)).toBe('connected — idle, next ping in 1:52');
    expect(headlineText({ state: 'backoff', detail: 'retry 2 of 3 in', dueAt: now + 3_200 }, now)).toBe('backoff — retry 2 of 3 in 4 s');
    expect(headlineText({ state: 'stopped', detail: 'max-retries after connection-refused', dueAt: null }, now)).toBe('stopped — max-retries after connection-refused');
    expect(headlineText({ state: 'idle', detail: '', dueAt: null }, now)).toBe('idle');
  });
});

describe('actor names', () => {
  it('names peers by address and role, the rest by machine, and lists children after their parent', () => {
    const peer = (sessionId: string, parentId: string | null, host: string, role: string) => ({
      sessionId,
      parentId,
      id: sessionId,
      machine: 'peer',
      snapshot: { status: 'active', context: { options: { host, port: 18444, role } } },
    });
    const actors = new Map<string, unknown>([
      ['x:0', { sessionId: 'x:0', parentId: null, id: 'x:0', machine: 'pool', snapshot: { status: 'active', context: {} } }],
      ['x:1', { sessionId: 'x:1', parentId: null, id: 'x:1', machine: 'peer', snapshot: { status: 'done', context: { options: { host: '::1', port: 18444, role: 'inbound' } } } }],
      ['x:2', peer('x:2', 'x:0', '127.0.0.1', 'outbound')],
      ['x:3', { sessionId: 'x:3', parentId: 'x:2', id: 'socket', machine: null, snapshot: null }],
    ]);
    expect(actorLabel(actors.get('x:2'))).toBe('peer 127.0.0.1:18444 (outbound)');
    expect(actorLabel(actors.get('x:1'))).toBe('peer [::1]:18444 (inbound) — finished');
    expect(actorLabel(actors.get('x:0'))).toBe('pool');
    expect(pickerOrder(actors).map(({ actor, depth }) => `${actor.sessionId}@${depth}`)).toEqual(['x:0@0', 'x:2@1', 'x:1@0']);
  });
});

describe('the event log’s default view', () => {
  it('shows a ping from the peer as two rows (← ping, → pong); the plumbing is a toggle away', async () => {
    const scripted = await startScriptedPeer();
    cleanups.push(() => scripted.close());
    const hub = new InspectionHub();
    const records: InspectorRecord[] = [];
    hub.attach({
      write: (message) => {
        const record = JSON.parse(message.slice('data: '.length)) as InspectorRecord | { kind: string };
        if (record.kind === 'event' || record.kind === 'emitted') records.push(record as InspectorRecord);
        return true;
      },
      onDrain: () => {},
    });
    const actor = createPeer({ host: '127.0.0.1', port: scripted.port, network: 'regtest', connectOnStart: true, transport: 'v1' }, { inspect: hub.inspect });
    actor.start();
    cleanups.push(() => actor.stop());
    const conn = await scripted.waitForConnection();
    await scripted.waitFor('ping');
    await new Promise((r) => setTimeout(r, 50));
    const before = records.length;
    conn.send({ command: 'ping', payload: { nonce: 77n } });
    await conn.waitFor('pong', (m) => m.payload.nonce === 77n);
    await new Promise((r) => setTimeout(r, 50));

    const machines = new Set(hub.actorList().filter((a) => a.machine).map((a) => a.sessionId));
    const rows = records.slice(before).map((r) => describeRecord(r, (id) => id ?? 'outside', (id) => machines.has(id)));
    const followed = rows.filter((r) => !r.plumbing);
    expect(followed.map((r) => r.what)).toEqual(['← ping', '→ pong']);
    expect(rows.filter((r) => r.plumbing).map((r) => r.what)).toEqual(expect.arrayContaining(['socket.data', 'bytes', 'payload.ping', 'send', 'write']));
  });
});
