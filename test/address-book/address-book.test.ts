// The address book as the pool and the listener use it: what enters from gossip and from the user,
// the token bucket and the time penalty on the way in, the dial selection (excluded addresses and
// groups, one connection per group, the 10-minute rule, reachable networks), and getaddr samples.
import { describe, expect, it } from 'vitest';
import type { HeardAddress } from '../../machines/peer/types.js';
import { AddressBook, type AddressBookOptions } from '../../src/address-book.js';
import { BanList } from '../../src/addrman/bans.js';
import { GOSSIP_TIME_PENALTY_SECONDS } from '../../src/addrman/intake.js';
import { AddrTokenBucket } from '../../src/addrman/token-bucket.js';
import { formatAddress } from '../../src/protocol/messages/addrv2.js';
import { DAY, fixedKey, manualClock, seededRandom, T0s, v4 } from './support.js';

function makeBook(options: AddressBookOptions = {}) {
  const clock = manualClock();
  const book = new AddressBook({ now: clock.now, random: seededRandom(42), key: fixedKey(1), ...options });
  return { book, clock };
}

const gossip = (source = '8.8.8.8:8333', extra: { tokens?: AddrTokenBucket; isBanned?: BanList['isBanned'] } = {}) =>
  ({ origin: 'gossip', source, ...extra }) as const;

/** `n` public addresses, each in its own /16. */
const spread = (n: number, extra: Partial<HeardAddress> = {}): HeardAddress[] =>
  Array.from({ length: n }, (_, i) => v4(`${11 + Math.floor(i / 200)}.${i % 200}.7.1`, extra));

describe('gossip intake', () => {
  it('stores routable full nodes with the two-hour penalty, and records who told us', () => {
    const { book } = makeBook();
    const result = book.add([v4('1.2.3.4', { time: T0s - 60 })], gossip('8.8.8.8:8333'));
    expect(result).toEqual({ received: 1, rateLimited: 0, dropped: 0, added: 1 });
    expect(book.get('1.2.3.4', 8333)).toMatchObject({
      network: 'ipv4',
      services: 9n,
      lastSeen: T0s - 60 - GOSSIP_TIME_PENALTY_SECONDS,
      source: '8.8.8.8',
      tried: false,
      references: 1,
      group: 'ipv4:1.2',
    });
  });

  it('does not penalise a peer announcing itself', () => {
    const { book } = makeBook();
    book.add([v4('1.2.3.4', { time: T0s - 60 })], gossip('1.2.3.4:8333'));
    expect(book.get('1.2.3.4', 8333)!.lastSeen).toBe(T0s - 60);
  });

  it("drops what Core drops: unroutable, no NODE_NETWORK(_LIMITED), bad port, malformed, unreachable networks", () => {
    const { book } = makeBook();
    const heard: HeardAddress[] = [
      v4('10.1.2.3'),
      v4('127.0.0.1'),
      v4('203.0.113.9'),
      v4('1.1.1.1', { services: 8n }), // witness alone: not a full node
      v4('1.1.1.2', { services: 0n }),
      v4('1.1.1.3', { port: 0 }),
      v4('1.1.1.4', { host: '1.1.1' }),
      { network: 'torv3', host: formatAddress('torv3', Buffer.alloc(32, 1)), port: 8333, services: 1n, time: T0s },
      { network: 'unknown', host: 'deadbeef', port: 8333, services: 1n, time: T0s },
      v4('1.1.1.5', { services: 1024n }), // NODE_NETWORK_LIMITED passes
      v4('1.1.1.6', { services: 1n }),
    ];
    expect(book.add(heard, gossip())).toMatchObject({ received: 11, dropped: 9, added: 2 });
    expect(book.all().map((r) => r.host).sort()).toEqual(['1.1.1.5', '1.1.1.6']);
  });

  it('keeps other networks when told they are reachable', () => {
    const { book } = makeBook({ reachable: ['ipv4', 'torv3'] });
    const onion = formatAddress('torv3', Buffer.alloc(32, 1));
    book.add([{ network: 'torv3', host: onion, port: 8333, services: 1n, time: T0s }], gossip());
    expect(book.get(onion, 8333)?.network).toBe('torv3');
  });

  it('ignores a whole message of more than 1,000 addresses, as Core does', () => {
    const { book } = makeBook();
    expect(book.add(spread(1001), gossip())).toMatchObject({ received: 1001, dropped: 1001, added: 0 });
    // One source reaches at most 64 new buckets: a few of its 1,000 collide there and are lost.
    expect(book.add(spread(1000), gossip()).added).toBeGreaterThan(800);
  });

  it('corrects implausible times to five days ago before the penalty', () => {
    const { book } = makeBook();
    book.add([v4('1.1.1.1', { time: 100_000_000 }), v4('1.1.1.2', { time: T0s + 601 }), v4('1.1.1.3', { time: T0s + 600 })], gossip());
    expect(book.get('1.1.1.1', 8333)!.lastSeen).toBe(T0s - 5 * DAY - GOSSIP_TIME_PENALTY_SECONDS);
    expect(book.get('1.1.1.2', 8333)!.lastSeen).toBe(T0s - 5 * DAY - GOSSIP_TIME_PENALTY_SECONDS);
    expect(book.get('1.1.1.3', 8333)!.lastSeen).toBe(T0s + 600 - GOSSIP_TIME_PENALTY_SECONDS);
  });

  it('spends the sender\'s tokens, and drops and counts what it cannot pay for', () => {
    const { book, clock } = makeBook();
    const tokens = new AddrTokenBucket({ now: clock.now });
    expect(book.add(spread(5), gossip('8.8.8.8:8333', { tokens }))).toMatchObject({ received: 5, rateLimited: 4 });
    expect(book.size).toBe(1);
    clock.advance(100_000); // 10 more tokens
    expect(book.add(spread(30), gossip('8.8.8.8:8333', { tokens })).rateLimited).toBe(20);
    expect(tokens.rateLimited).toBe(24);
  });

  it('does not store gossip about banned addresses', () => {
    const { book } = makeBook();
    const bans = new BanList();
    bans.ban('1.1.1.0/24');
    book.add([v4('1.1.1.7'), v4('1.1.2.7')], gossip('8.8.8.8', { isBanned: bans.isBanned.bind(bans) }));
    expect(book.all().map((r) => r.host)).toEqual(['1.1.2.7']);
  });
});

describe('user intake', () => {
  it('takes any valid address, local ones too, without penalty, each its own source', () => {
    const { book } = makeBook();
    const result = book.add(
      [v4('127.0.0.1', { services: 0n }), v4('10.0.0.1'), v4('192.168.1.1', { time: 0 }), v4('0.0.0.0'), v4('1.2.3.4', { port: 0 })],
      { origin: 'user' },
    );
    expect(result).toEqual({ received: 5, rateLimited: 0, dropped: 2, added: 3 });
    expect(book.get('127.0.0.1', 8333)).toMatchObject({ lastSeen: T0s - 60, source: '127.0.0.1', group: 'unroutable:127.0.0.1' });
    // An implausible time from the user becomes now.
    expect(book.get('192.168.1.1', 8333)!.lastSeen).toBe(T0s);
  });

  it('keeps every spelling of one address as one record', () => {
    const { book } = makeBook();
    book.add(
      ['2001:DB9:0:0:1:0:0:1', '2001:db9::1:0:0:1', '[2001:db9::1:0:0:1]'].map((host) => ({ network: 'ipv6' as const, host, port: 8333, services: 1n, time: T0s })),
      { origin: 'user' },
    );
    expect(book.all().map((r) => r.host)).toEqual(['2001:db9::1:0:0:1']);
    expect(book.has('2001:db9:0::1:0:0:1', 8333)).toBe(true);
  });
});

describe('dial selection', () => {
  const local = (n: number, prefix = '127.50.0'): HeardAddress[] => Array.from({ length: n }, (_, i) => v4(`${prefix}.${i + 1}`));

  it('never offers an excluded address, an excluded group, or two from one group', () => {
    const { book } = makeBook();
    book.add([v4('1.2.0.1'), v4('1.2.0.2'), v4('1.2.0.3'), v4('5.6.7.8'), v4('9.9.9.9')], gossip());
    for (let i = 0; i < 20; i++) {
      const picked = book.select(5);
      expect(picked).toHaveLength(3);
      expect(new Set(picked.map((r) => r.group)).size).toBe(3);
    }
    expect(book.select(5, { excludeGroups: new Set(['ipv4:1.2', 'ipv4:5.6']) }).map((r) => r.host)).toEqual(['9.9.9.9']);
    expect(book.select(5, { excludeKeys: new Set(['9.9.9.9:8333', '5.6.7.8:8333']) }).map((r) => r.group)).toEqual(['ipv4:1.2']);
    expect(book.select(5, { exclude: (r) => r.host !== '5.6.7.8' }).map((r) => r.host)).toEqual(['5.6.7.8']);
  });

  it('treats each local address as a group of its own, so a local network fills every slot', () => {
    const { book } = makeBook();
    book.add(local(12), { origin: 'user' });
    expect(book.size).toBe(12);
    expect(book.select(8)).toHaveLength(8);
  });

  it('offers an address tried in the last 10 minutes only when nothing else is found', () => {
    const { book, clock } = makeBook();
    book.add([v4('1.1.1.1'), v4('2.2.2.2')], gossip());
    book.markAttempt('1.1.1.1', 8333);
    for (let i = 0; i < 20; i++) expect(book.select(1).map((r) => r.host)).toEqual(['2.2.2.2']);
    clock.advance(10 * 60_000);
    const picks = new Set(Array.from({ length: 40 }, () => book.select(1)[0]!.host));
    expect(picks).toEqual(new Set(['1.1.1.1', '2.2.2.2']));
  });

  it('still offers a recently tried address when it is all there is', () => {
    const { book } = makeBook();
    book.add([v4('1.1.1.1')], gossip());
    book.markAttempt('1.1.1.1', 8333);
    expect(book.select(1).map((r) => r.host)).toEqual(['1.1.1.1']);
  });

  it('offers only networks we can dial', () => {
    const { book } = makeBook();
    const onion = formatAddress('torv3', Buffer.alloc(32, 1));
    book.add([{ network: 'torv3', host: onion, port: 8333, services: 1n, time: T0s }, { network: 'cjdns', host: 'fc00::1', port: 8333, services: 1n, time: T0s }], { origin: 'user' });
    expect(book.size).toBe(2);
    expect(book.select(8)).toEqual([]);
    expect(book.select(8, { networks: ['torv3'] }).map((r) => r.host)).toEqual([onion]);
    expect(book.get('fc00::1', 8333)?.network).toBe('cjdns');
  });

  it('moves an address to tried on success, counts failures, and replaces services with what the peer said', () => {
    const { book, clock } = makeBook();
    book.add([v4('1.1.1.1', { services: 1n }), v4('2.2.2.2')], gossip());
    book.markFailure('1.1.1.1', 8333);
    expect(book.get('1.1.1.1', 8333)).toMatchObject({ attempts: 1, lastTry: T0s, tried: false });
    clock.advance(1000);
    book.markSuccess('1.1.1.1', 8333, 0x409n);
    expect(book.get('1.1.1.1', 8333)).toMatchObject({ attempts: 0, lastSuccess: T0s + 1, tried: true, references: 0, services: 0x409n });
    expect([book.newCount, book.triedCount]).toEqual([1, 1]);
    book.markSuccess('9.9.9.9', 8333); // unknown: nothing happens
    expect(book.size).toBe(2);
  });

  it('exposes a tried collision for the pool to test', () => {
    const { book } = makeBook({ key: Buffer.concat([Buffer.of(1), Buffer.alloc(31)]) });
    for (let n = 1; n <= 36; n++) book.add([v4(`250.1.1.${n}`, { port: 8333 })], { origin: 'user' });
    for (let n = 1; n <= 40; n++) book.markSuccess(`250.1.1.${n}`, 8333);
    expect(book.collisions).toBeGreaterThan(0);
    const occupant = book.selectTriedCollision()!;
    expect(occupant.tried).toBe(true);
    book.resolveCollisions(); // the occupants just worked: the newcomers stay in new
    expect(book.collisions).toBe(0);
  });
});

describe('getAddr', () => {
  it('answers with 23 % of the book, rounded down, without terrible entries', () => {
    const { book, clock } = makeBook();
    book.add(spread(100), gossip());
    const size = book.size;
    expect(book.getAddr()).toHaveLength(Math.floor((size * 23) / 100));
    expect(book.getAddr({ max: 3 })).toHaveLength(3);
    clock.advance(31 * DAY * 1000);
    expect(book.getAddr()).toHaveLength(0);
    expect(book.getAddr({ filtered: false })).toHaveLength(Math.floor((size * 23) / 100));
    expect(book.isTerrible(book.all()[0]!.host, 8333)).toBe(true);
  });
});
