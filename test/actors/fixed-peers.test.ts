// The pool's address source for named peers: it offers those and nothing else, never a banned one,
// and a peer again only after its retry delay.
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, type AnyActorRef } from 'xstate';
import type { AddressBookCommand, PoolEvent } from '../../machines/pool/types.js';
import { createFixedPeersActor } from '../../src/actors/fixed-peers.js';
import { BanList } from '../../src/addrman/bans.js';

/** The actor under a parent that records what it answers. */
function source(peers: { host: string; port: number }[], bans = new BanList(), clock = { ms: 0 }) {
  const answers: PoolEvent[] = [];
  const parent = createActor(
    createMachine({
      invoke: { id: 'book', src: createFixedPeersActor({ peers, bans, retryMs: 5000, now: () => clock.ms }) },
      on: { '*': { actions: ({ event }) => answers.push(event as PoolEvent) } },
    }),
  ).start();
  const book = parent.getSnapshot().children.book as AnyActorRef;
  const ask = (command: AddressBookCommand): PoolEvent | undefined => {
    const before = answers.length;
    book.send(command);
    return answers[before];
  };
  return { ask, bans, clock, stop: () => parent.stop() };
}

const select = (count = 8, excludeKeys: string[] = []): AddressBookCommand => ({ type: 'select', count, excludeKeys, excludeGroups: [] });

describe('the fixed peers actor', () => {
  it('offers every named peer, each a group of its own, and no address a peer gossips', () => {
    const s = source([
      { host: '127.0.0.1', port: 1001 },
      { host: '127.0.0.1', port: 1002 },
    ]);
    expect(s.ask({ type: 'add', addresses: [{ network: 'ipv4', host: '203.0.113.9', port: 8333, services: 1n, time: 0 }], source: '127.0.0.1:1001', origin: 'gossip' })).toEqual({
      type: 'book.size',
      size: 2,
    });
    expect(s.ask(select())).toEqual({
      type: 'book.selected',
      size: 2,
      candidates: [
        { host: '127.0.0.1', port: 1001, group: '127.0.0.1:1001' },
        { host: '127.0.0.1', port: 1002, group: '127.0.0.1:1002' },
      ],
    });
    s.stop();
  });

  it('offers a peer again only after the retry delay, never a banned one, and takes the user’s additions', () => {
    const s = source([{ host: '127.0.0.1', port: 1001 }]);
    expect(s.ask(select())).toMatchObject({ candidates: [{ port: 1001 }] });
    s.clock.ms = 4999;
    expect(s.ask(select())).toMatchObject({ candidates: [] });
    s.clock.ms = 5000;
    expect(s.ask(select(8, ['127.0.0.1:1001']))).toMatchObject({ candidates: [] }); // connected: excluded
    expect(s.ask(select())).toMatchObject({ candidates: [{ port: 1001 }] });
    s.ask({ type: 'ban', host: '127.0.0.1', port: 1001, durationMs: 60_000 });
    s.clock.ms = 20_000;
    expect(s.ask(select())).toMatchObject({ candidates: [] });
    expect(s.bans.isBanned('127.0.0.1')).toBe(true);
    s.ask({ type: 'add', addresses: [{ network: 'ipv4', host: '127.0.0.2', port: 1003, services: 1n, time: 0 }], source: null, origin: 'user' });
    expect(s.ask(select())).toMatchObject({ candidates: [{ host: '127.0.0.2', port: 1003 }], size: 2 });
    s.stop();
  });
});
