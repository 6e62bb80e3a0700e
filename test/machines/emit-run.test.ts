// A run of batched messages reaches the embedder through the actor's own emitter in one step: that
// path must exist in the installed XState, deliver every message in order, and stay visible to the
// inspector, one record per message.
import { afterEach, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor, setup } from 'xstate';
import { canEmitRun, emitRun } from '../../machines/peer/emit-run.js';
import type { PeerEmitted, PeerMessageEvent } from '../../machines/peer/types.js';
import { InspectionHub } from '../../src/inspector/hub.js';
import { encodeMessage, type OutgoingMessage } from '../../src/protocol/codec.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { MemoryNetwork, memoryPeerMachine } from '../../testkit/memory-transport/index.js';
import { pollUntil } from '../../testkit/poll-until.js';
import { startMemoryPeer } from '../../testkit/scripted-peer/index.js';

const MAGIC = NETWORKS.regtest.magic;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const inv = (n: number): OutgoingMessage => ({ command: 'inv', payload: { items: [{ type: 1, hash: Buffer.alloc(32, n) }] } });

describe('the run emitter', () => {
  it('is there in the installed XState (an upgrade that moves it fails here, not silently slower)', () => {
    const actor = createActor(setup({}).createMachine({})).start();
    cleanups.push(() => actor.stop());
    expect(canEmitRun(actor)).toBe(true);
  });

  it('is refused for anything that is not a running actor, with a clear error', () => {
    const stranger = { id: 'x' } as unknown as AnyActorRef;
    expect(canEmitRun(stranger)).toBe(false);
    expect(() => emitRun(stranger, [])).toThrow(/no emitter/);
  });

  it('delivers after the macrostep, in order, to listeners of the type and to wildcard listeners', () => {
    const machine = setup({
      types: { events: {} as { type: 'go'; events: PeerMessageEvent[] }, emitted: {} as PeerMessageEvent },
      actions: { deliver: ({ event, self }) => emitRun(self, event.events) },
    }).createMachine({ initial: 'a', states: { a: { on: { go: { target: 'b', actions: 'deliver' } } }, b: {} } });
    const actor = createActor(machine).start();
    cleanups.push(() => actor.stop());
    const heard: string[] = [];
    // Each listener also notes the state it sees: `b`, the macrostep's result, not `a`.
    actor.on('message', (e) => heard.push(`message ${e.command} in ${String(actor.getSnapshot().value)}`));
    actor.on('*', (e) => heard.push(`* ${e.type} in ${String(actor.getSnapshot().value)}`));
    const events: PeerMessageEvent[] = [
      { type: 'message', direction: 'in', command: 'verack', payload: {} },
      { type: 'message', direction: 'in', command: 'sendheaders', payload: {} },
    ];
    actor.send({ type: 'go', events });
    expect(heard).toEqual(['message verack in b', '* message in b', 'message sendheaders in b', '* message in b']);
    // Delivered, the run is let go: nothing the action kept may hold the events any longer.
    expect(events).toEqual([]);
  });
});

describe('a peer lets go of what it handled', () => {
  it("empties a run's array and the events it became once handled; the messages the embedder heard stay whole", async () => {
    const network = new MemoryNetwork();
    const peer = await startMemoryPeer(network, {});
    cleanups.push(() => peer.close());
    const runs: (readonly unknown[])[] = [];
    const delivered: unknown[][] = [];
    const actor = createActor(memoryPeerMachine(network), {
      inspect: (e) => {
        if (e.type === '@xstate.event' && e.event.type === 'payload.batch') runs.push(e.event.messages);
        if (e.type === '@xstate.action' && e.action.type === 'emitRun') delivered.push((e.action.params as { events: unknown[] }).events);
      },
      input: { host: '127.0.0.1', port: peer.port, network: 'regtest', transport: 'v1', connectOnStart: true, maxRetries: 0 },
    });
    const heard: PeerMessageEvent[] = [];
    actor.on('message', (e) => heard.push(e));
    actor.start();
    cleanups.push(() => actor.stop());
    const conn = await peer.waitForConnection();
    await pollUntil('the peer connected', () => actor.getSnapshot().matches({ session: { link: 'connected' } }), 5000);
    conn.sendRaw(Buffer.concat([1, 2, 3].map((n) => encodeMessage(MAGIC, inv(n)))));
    await pollUntil('three inv heard', () => heard.filter((e) => e.command === 'inv').length === 3, 5000);
    // One run of three, handled: its array and the events it became hold nothing any more.
    expect(runs).toHaveLength(1);
    expect(delivered).toHaveLength(1);
    await pollUntil('the run emptied', () => runs[0]!.length === 0, 5000);
    expect(delivered[0]).toEqual([]);
    conn.sendRaw(encodeMessage(MAGIC, inv(4)));
    await pollUntil('four inv heard', () => heard.filter((e) => e.command === 'inv').length === 4, 5000);
    const hashes = heard.filter((e) => e.command === 'inv').map((e) => (e.command === 'inv' ? e.payload.items[0]!.hash[0] : -1));
    expect(hashes).toEqual([1, 2, 3, 4]);
  });
});

describe('a peer under inspection', () => {
  it('shows every message of a batched run as its own emitted record, in the order they came', async () => {
    const network = new MemoryNetwork();
    const peer = await startMemoryPeer(network, {});
    cleanups.push(() => peer.close());
    const hub = new InspectionHub();
    const records: { kind: string; eventType?: string; event?: Record<string, unknown> }[] = [];
    hub.attach({
      write: (message) => {
        records.push(JSON.parse(message.slice('data: '.length)));
        return true;
      },
      onDrain: () => {},
    });
    const actor = createActor(memoryPeerMachine(network), {
      inspect: hub.inspect,
      input: { host: '127.0.0.1', port: peer.port, network: 'regtest', transport: 'v1', connectOnStart: true, maxRetries: 0 },
    });
    const emitted: PeerEmitted[] = [];
    actor.on('*', (e) => emitted.push(e as PeerEmitted));
    actor.start();
    cleanups.push(() => actor.stop());
    const conn = await peer.waitForConnection();
    await pollUntil('the peer connected', () => emitted.some((e) => e.type === 'state' && e.state === 'connected'), 5000);
    // One write: the codec reads all five together and hands them over as one run.
    conn.sendRaw(Buffer.concat([1, 2, 3, 4, 5].map((n) => encodeMessage(MAGIC, inv(n)))));
    const shownInv = () =>
      records.filter((r) => r.kind === 'emitted' && r.eventType === 'message' && r.event?.command === 'inv');
    await pollUntil('five inv shown', () => shownInv().length === 5, 5000);
    const heardInv = emitted.filter((e): e is PeerMessageEvent => e.type === 'message' && e.command === 'inv');
    expect(heardInv.map((e) => (e.command === 'inv' ? e.payload.items[0]!.hash[0] : -1))).toEqual([1, 2, 3, 4, 5]);
    expect(shownInv()).toHaveLength(5);
    // They came as one run: a single batch event, not five.
    const batches = records.filter((r) => r.kind === 'event' && r.eventType === 'payload.batch');
    expect(batches).toHaveLength(1);
  });
});
