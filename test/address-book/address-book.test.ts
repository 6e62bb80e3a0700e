// The address book in memory: Core's rules on what it takes, its bound and eviction order, the
// retry schedule, bans, selection across network groups, getaddr samples and the JSON form.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeardAddress } from '../../machines/peer/types.js';
import { AddressBook, type AddressBookOptions, addressKey, networkGroup } from '../../src/address-book.js';
import { type AddrNetwork, formatAddress } from '../../src/protocol/messages/addrv2.js';

const T0 = 1_700_000_000_000; // ms
const T0s = T0 / 1000;
const DAY = 24 * 3600;

/** A book on a hand-driven clock and a seeded random source. */
function makeBook(options: AddressBookOptions = {}) {
  const clock = { now: T0 };
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const book = new AddressBook({ now: () => clock.now, random, ...options });
  return { book, clock, advance: (ms: number) => void (clock.now += ms) };
}

const v4 = (host: string, extra: Partial<HeardAddress> = {}): HeardAddress => ({
  network: 'ipv4',
  host,
  port: 8333,
  services: 1n,
  time: T0s - 60,
  ...extra,
});

/** `n` distinct public IPv4 addresses, 250 per /16 group starting at a.b. */
const many = (n: number, a = 11, time = T0s - 60): HeardAddress[] =>
  Array.from({ length: n }, (_, i) => v4(`${a + Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${i % 250}.1`, { time }));

describe('add', () => {
  it('deduplicates spellings of one address, ORs services, keeps the newest lastSeen and the first source', () => {
    const { book } = makeBook();
    expect(book.add([v4('1.2.3.4', { services: 1n, time: T0s - 500 })], 'peer-a:8333')).toBe(1);
    expect(
      book.add(
        [
          { network: 'ipv6', host: '::ffff:1.2.3.4', port: 8333, services: 8n, time: T0s - 100 },
          v4('1.2.3.4', { services: 1024n, time: T0s - 900 }),
        ],
        'peer-b:8333',
      ),
    ).toBe(0);
    expect(book.size).toBe(1);
    expect(book.get('::ffff:1.2.3.4', 8333)).toEqual({
      network: 'ipv4',
      host: '1.2.3.4',
      port: 8333,
      services: 1n | 8n | 1024n,
      lastSeen: T0s - 100,
      attempts: 0,
      lastAttempt: null,
      lastSuccess: null,
      source: 'peer-a:8333',
      bannedUntil: null,
    });
    // Another port is another address.
    expect(book.add([v4('1.2.3.4', { port: 8334 })], null)).toBe(1);
    expect(book.size).toBe(2);
  });

  it('keeps one record for every IPv6 spelling, stored in RFC 5952 form', () => {
    const { book } = makeBook();
    const spellings = ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1', '2001:0db8:0000:0000:0001:0000:0000:0001', '[2001:db8::1:0:0:1]'];
    const added = book.add(
      spellings.map((host) => ({ network: 'ipv6', host, port: 8333, services: 0n, time: T0s })),
      null,
    );
    expect(added).toBe(1);
    expect(book.all().map((r) => r.host)).toEqual(['2001:db8::1:0:0:1']);
    expect(book.get('2001:db8:0::1:0:0:1', 8333)?.host).toBe('2001:db8::1:0:0:1');
  });

  it("replaces timestamps at or before 100000000 with now − 5 days (Core's rule)", () => {
    const { book } = makeBook();
    book.add([v4('1.1.1.1', { time: 100_000_000 }), v4('1.1.1.2', { time: 0 }), v4('1.1.1.3', { time: 100_000_001 })], null);
    expect(book.get('1.1.1.1', 8333)?.lastSeen).toBe(T0s - 5 * DAY);
    expect(book.get('1.1.1.2', 8333)?.lastSeen).toBe(T0s - 5 * DAY);
    expect(book.get('1.1.1.3', 8333)?.lastSeen).toBe(100_000_001);
  });

  it('replaces timestamps more than 10 minutes in the future with now − 5 days', () => {
    const { book } = makeBook();
    book.add([v4('1.1.1.1', { time: T0s + 600 }), v4('1.1.1.2', { time: T0s + 601 }), v4('1.1.1.3', { time: 0xffff_ffff })], null);
    expect(book.get('1.1.1.1', 8333)?.lastSeen).toBe(T0s + 600);
    expect(book.get('1.1.1.2', 8333)?.lastSeen).toBe(T0s - 5 * DAY);
    expect(book.get('1.1.1.3', 8333)?.lastSeen).toBe(T0s - 5 * DAY);
  });

  it('takes only the first 1000 entries of one call', () => {
    const { book } = makeBook();
    const heard = many(1500);
    expect(book.add(heard, 'flooder:8333')).toBe(1000);
    expect(book.size).toBe(1000);
    expect(book.get(heard[999]!.host, 8333)).toBeDefined();
    expect(book.get(heard[1000]!.host, 8333)).toBeUndefined();
    // The rest arrives in a second message: taken.
    expect(book.add(heard.slice(1000), 'flooder:8333')).toBe(500);
    expect(book.size).toBe(1500);
  });

  it('keeps TorV3, I2P and CJDNS records with their network, but never as connectable', () => {
    const { book } = makeBook();
    const onion = formatAddress('torv3', Buffer.alloc(32, 1));
    const garlic = formatAddress('i2p', Buffer.alloc(32, 2));
    const heard: HeardAddress[] = [
      { network: 'torv3', host: onion.toUpperCase(), port: 8333, services: 1n, time: T0s },
      { network: 'i2p', host: garlic, port: 0 + 1, services: 1n, time: T0s },
      { network: 'cjdns', host: 'FC00:0:0::1', port: 8333, services: 1n, time: T0s },
    ];
    expect(book.add(heard, null)).toBe(3);
    expect(book.all().map((r) => [r.network, r.host])).toEqual([
      ['torv3', onion],
      ['i2p', garlic],
      ['cjdns', 'fc00::1'],
    ]);
    for (const r of book.all()) expect(book.isConnectable(r)).toBe(false);
    expect(book.select(10)).toEqual([]);
    // They are shared in getaddr answers all the same.
    expect(makeBookWith(heard).sample(1000).length).toBe(1);
  });

  it('ignores unknown networks, Tor v2, malformed hosts and invalid ports', () => {
    const { book } = makeBook();
    const heard: HeardAddress[] = [
      { network: 'unknown', host: 'deadbeef', port: 8333, services: 1n, time: T0s },
      { network: 'torv2', host: 'aaaaaaaaaaaaaaaa.onion', port: 8333, services: 1n, time: T0s },
      { network: 'ipv4', host: '1.2.3', port: 8333, services: 1n, time: T0s },
      { network: 'cjdns', host: 'fd00::1', port: 8333, services: 1n, time: T0s },
      { network: 'torv3', host: 'nope.onion', port: 8333, services: 1n, time: T0s },
      v4('1.2.3.4', { port: 0 }),
      v4('1.2.3.5', { port: 65_536 }),
      v4('1.2.3.6'),
    ];
    expect(book.add(heard, null)).toBe(1);
    expect(book.all().map((r) => r.host)).toEqual(['1.2.3.6']);
  });
});

function makeBookWith(heard: HeardAddress[]): AddressBook {
  const { book } = makeBook();
  book.add(heard, null);
  return book;
}

describe('bounded size and eviction', () => {
  it('never holds more than maxSize records', () => {
    const { book } = makeBook({ maxSize: 300 });
    for (let i = 0; i < 5; i++) book.add(many(1000, 11 + i), null);
    expect(book.size).toBe(300);
  });

  it('evicts banned records first, then the most failed, then the oldest lastSeen; a recent success last', () => {
    const { book, advance } = makeBook({ maxSize: 5 });
    book.add(
      [
        v4('1.0.0.1', { time: T0s - 10 * DAY }), // old, but it worked recently
        v4('1.0.0.2', { time: T0s - 60 }), // banned
        v4('1.0.0.3', { time: T0s - 60 }), // failed twice
        v4('1.0.0.4', { time: T0s - 3 * DAY }), // seen a while ago
        v4('1.0.0.5', { time: T0s - 60 }), // fresh
      ],
      null,
    );
    book.markSuccess('1.0.0.1', 8333);
    book.ban('1.0.0.2', 8333, 3600_000);
    book.markFailure('1.0.0.3', 8333);
    book.markFailure('1.0.0.3', 8333);
    advance(1000);
    const hosts = () => book.all().map((r) => r.host);

    expect(book.add([v4('2.0.0.1')], null)).toBe(1);
    expect(hosts()).not.toContain('1.0.0.2');
    expect(book.add([v4('2.0.0.2')], null)).toBe(1);
    expect(hosts()).not.toContain('1.0.0.3');
    // A fresh address beats one seen three days ago.
    expect(book.add([v4('2.0.0.3')], null)).toBe(1);
    expect(hosts()).not.toContain('1.0.0.4');
    // One older than everything left loses against all of them: the book keeps what it had.
    expect(book.add([v4('2.0.0.4', { time: T0s - 20 * DAY })], null)).toBe(0);
    expect(hosts()).toEqual(['1.0.0.1', '1.0.0.5', '2.0.0.1', '2.0.0.2', '2.0.0.3']);
    // Two days later, fresher addresses push out everything but the recent success, although it
    // was seen longer ago than all of them.
    advance(2 * DAY * 1000);
    const later = T0s + 2 * DAY;
    const fresh = ['3.0.0.1', '3.0.0.2', '3.0.0.3', '3.0.0.4'];
    expect(book.add(fresh.map((h) => v4(h, { time: later - 10 })), null)).toBe(4);
    expect(hosts()).toEqual(['1.0.0.1', ...fresh]);
    expect(book.add([v4('3.0.0.5', { time: later - 5 })], null)).toBe(1);
    expect(hosts()).toContain('1.0.0.1');
    expect(book.size).toBe(5);
  });

  it('evicts a record with a success only when the success is old (30 days)', () => {
    const { book, advance } = makeBook({ maxSize: 2 });
    book.add([v4('1.0.0.1', { time: T0s - 2 * DAY }), v4('1.0.0.2', { time: T0s - 3 * DAY })], null);
    book.markSuccess('1.0.0.1', 8333);
    advance(31 * DAY * 1000);
    book.add([v4('1.0.0.2', { time: T0s + 31 * DAY })], null); // 1.0.0.2 heard again now
    expect(book.add([v4('1.0.0.3', { time: T0s + 31 * DAY - 10 })], null)).toBe(1);
    expect(book.all().map((r) => r.host)).toEqual(['1.0.0.2', '1.0.0.3']);
  });

  it('evicts in bulk when a large message arrives in a full book', () => {
    const { book } = makeBook({ maxSize: 1000 });
    book.add(many(1000, 11, T0s - DAY), null);
    const fresh = many(600, 50, T0s - 60);
    expect(book.add(fresh, null)).toBe(600);
    expect(book.size).toBe(1000);
    for (const a of fresh) expect(book.get(a.host, a.port)).toBeDefined();
  });
});

describe('retry schedule and bans', () => {
  it('waits retryBase × 2^(attempts−1) after each failure, capped at retryMax', () => {
    const { book, advance } = makeBook({ retryBaseMs: 1000, retryMaxMs: 5000 });
    book.add([v4('1.2.3.4')], null);
    const record = () => book.get('1.2.3.4', 8333)!;
    expect(book.isConnectable(record())).toBe(true);

    const waits: number[] = [];
    for (let failures = 1; failures <= 5; failures++) {
      book.markAttempt('1.2.3.4', 8333);
      book.markFailure('1.2.3.4', 8333);
      expect(record().attempts).toBe(failures);
      let waited = 0;
      while (!book.isConnectable(record())) {
        advance(100);
        waited += 100;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('is not connectable one ms before the window ends, and is at its end', () => {
    const { book, advance } = makeBook({ retryBaseMs: 60_000 });
    book.add([v4('1.2.3.4')], null);
    book.markAttempt('1.2.3.4', 8333);
    book.markFailure('1.2.3.4', 8333);
    book.markFailure('1.2.3.4', 8333);
    advance(120_000 - 1);
    expect(book.isConnectable(book.get('1.2.3.4', 8333)!)).toBe(false);
    advance(1);
    expect(book.isConnectable(book.get('1.2.3.4', 8333)!)).toBe(true);
    expect(book.select(5).map((r) => r.host)).toEqual(['1.2.3.4']);
  });

  it('a success resets the failures and records the services', () => {
    const { book, clock } = makeBook();
    book.add([v4('1.2.3.4', { services: 1n })], null);
    book.markAttempt('1.2.3.4', 8333);
    book.markFailure('1.2.3.4', 8333);
    book.markSuccess('1.2.3.4', 8333, 0x409n);
    const r = book.get('1.2.3.4', 8333)!;
    expect(r).toMatchObject({ attempts: 0, lastSuccess: clock.now, lastAttempt: clock.now, services: 0x409n });
    expect(book.isConnectable(r)).toBe(true);
  });

  it('does not offer a banned address until the ban ends', () => {
    const { book, advance } = makeBook();
    book.add([v4('1.2.3.4'), v4('5.6.7.8')], null);
    book.ban('1.2.3.4', 8333, 60_000);
    expect(book.isBanned('1.2.3.4', 8333)).toBe(true);
    expect(book.isBanned('::ffff:1.2.3.4', 8333)).toBe(true);
    expect(book.isBanned('5.6.7.8', 8333)).toBe(false);
    expect(book.select(10).map((r) => r.host)).toEqual(['5.6.7.8']);
    expect(book.sample(1000).map((r) => r.host)).toEqual(['5.6.7.8']);
    advance(59_999);
    expect(book.isBanned('1.2.3.4', 8333)).toBe(true);
    advance(1);
    expect(book.isBanned('1.2.3.4', 8333)).toBe(false);
    expect(book.select(10)).toHaveLength(2);
  });

  it('remembers a ban of an address it had not heard of', () => {
    const { book } = makeBook();
    book.ban('[2001:db8::7]', 8333, 60_000);
    expect(book.isBanned('2001:db8::7', 8333)).toBe(true);
    book.add([{ network: 'ipv6', host: '2001:db8:0::7', port: 8333, services: 1n, time: T0s }], null);
    expect(book.size).toBe(1);
    expect(book.select(1)).toEqual([]);
  });
});

describe('records the book did not hear of', () => {
  it('stores an address reached with success (one the user gave), but not mere attempts or failures', () => {
    const { book, clock } = makeBook();
    book.markAttempt('9.9.9.9', 8333);
    book.markFailure('9.9.9.9', 8333);
    expect(book.size).toBe(0);
    book.markSuccess('[2a01:4f8::9]', 8333, 9n);
    expect(book.all()).toEqual([
      {
        network: 'ipv6',
        host: '2a01:4f8::9',
        port: 8333,
        services: 9n,
        lastSeen: Math.floor(clock.now / 1000),
        attempts: 0,
        lastAttempt: clock.now,
        lastSuccess: clock.now,
        source: null,
        bannedUntil: null,
      },
    ]);
    expect(book.has('2a01:4f8:0::9', 8333)).toBe(true);
    expect(book.remove('2a01:4f8::9', 8333)).toBe(true);
    expect(book.size).toBe(0);
  });

  it('keeps a new ban even in a full book', () => {
    const { book } = makeBook({ maxSize: 2 });
    book.add([v4('1.0.0.1'), v4('1.0.0.2')], null);
    book.ban('6.6.6.6', 8333, 60_000);
    expect(book.size).toBe(2);
    expect(book.isBanned('6.6.6.6', 8333)).toBe(true);
  });
});

describe('select', () => {
  const tenAndOne = (): HeardAddress[] => [...Array.from({ length: 10 }, (_, i) => v4(`1.2.${i}.${i + 1}`)), v4('5.6.7.8')];

  it('prefers distinct /16 groups: 10 addresses in 1.2.x.x and 1 in 5.6.x.x give one of each', () => {
    for (let seed = 0; seed < 20; seed++) {
      const { book } = makeBook({ random: mulberry(seed) });
      book.add(tenAndOne(), null);
      const picked = book.select(2);
      expect(picked.map((r) => networkGroup(r)).sort()).toEqual(['ipv4:1.2', 'ipv4:5.6']);
    }
  });

  it('fills with repeated groups only when distinct ones run out, and never returns one address twice', () => {
    const { book } = makeBook();
    book.add(tenAndOne(), null);
    const picked = book.select(5);
    expect(picked).toHaveLength(5);
    expect(new Set(picked.map((r) => addressKey(r.host, r.port))).size).toBe(5);
    expect(picked.filter((r) => r.host === '5.6.7.8')).toHaveLength(1);
    expect(book.select(100)).toHaveLength(11);
  });

  it('honours excludeKeys, excludeGroups and filter', () => {
    const { book } = makeBook();
    book.add(tenAndOne(), null);
    expect(book.select(1, { excludeGroups: new Set(['ipv4:5.6']) })[0]!.host).toMatch(/^1\.2\./);
    for (let i = 0; i < 10; i++) {
      expect(book.select(1, { excludeGroups: new Set(['ipv4:1.2']) })[0]!.host).toBe('5.6.7.8');
    }
    const picked = book.select(20, { excludeKeys: new Set(['5.6.7.8:8333', '1.2.0.1:8333']) });
    expect(picked).toHaveLength(9);
    expect(picked.map((r) => r.host)).not.toContain('5.6.7.8');
    expect(picked.map((r) => r.host)).not.toContain('1.2.0.1');
    expect(book.select(20, { filter: (r) => r.host.endsWith('.3') }).map((r) => r.host)).toEqual(['1.2.2.3']);
  });

  it('returns different choices for different random draws (random among equals)', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 30; seed++) {
      const { book } = makeBook({ random: mulberry(seed) });
      book.add(tenAndOne(), null);
      seen.add(book.select(1, { excludeGroups: new Set(['ipv4:5.6']) })[0]!.host);
    }
    expect(seen.size).toBeGreaterThan(3);
  });
});

describe('sample (getaddr answers)', () => {
  it('gives at most 23 % of the book and at most max, without duplicates', () => {
    const { book } = makeBook({ maxSize: 20_000 });
    for (let i = 0; i < 6; i++) book.add(many(1000, 11 + i), null);
    expect(book.size).toBe(6000);
    const s = book.sample();
    expect(s).toHaveLength(1000);
    expect(new Set(s.map((r) => r.host)).size).toBe(1000);
    expect(book.sample(10)).toHaveLength(10);

    const small = makeBookWith(many(40));
    expect(small.sample()).toHaveLength(Math.ceil(40 * 0.23));
    expect(makeBookWith(many(100)).sample()).toHaveLength(23);
    expect(makeBookWith([]).sample()).toEqual([]);
  });

  it('is random', () => {
    const book = makeBookWith(many(100));
    const first = book.sample().map((r) => r.host);
    const second = book.sample().map((r) => r.host);
    expect(first).not.toEqual(second);
  });
});

describe('JSON', () => {
  const arbHeard: fc.Arbitrary<HeardAddress> = fc.oneof(
    fc.record({
      network: fc.constant<AddrNetwork>('ipv4'),
      host: fc.ipV4(),
      port: fc.integer({ min: 1, max: 65535 }),
      services: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      time: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
    fc.record({
      network: fc.constant<AddrNetwork>('ipv6'),
      host: fc.ipV6(),
      port: fc.integer({ min: 1, max: 65535 }),
      services: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      time: fc.integer({ min: 0, max: 0xffff_ffff }),
    }),
    fc.record({
      network: fc.constantFrom<AddrNetwork>('torv3', 'i2p'),
      host: fc.uint8Array({ minLength: 32, maxLength: 32 }),
      port: fc.integer({ min: 1, max: 65535 }),
      services: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      time: fc.integer({ min: 0, max: 0xffff_ffff }),
    }).map((r) => ({ ...r, host: formatAddress(r.network, Buffer.from(r.host)) })),
  );
  type Op =
    | { op: 'attempt' | 'failure' | 'success'; i: number }
    | { op: 'ban'; i: number; ms: number }
    | { op: 'tick'; ms: number };
  const arbOp: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constantFrom('attempt' as const, 'failure' as const, 'success' as const), i: fc.nat() }),
    fc.record({ op: fc.constant('ban' as const), i: fc.nat(), ms: fc.integer({ min: 0, max: 1e9 }) }),
    fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 1e9 }) }),
  );

  it('round-trips through JSON text (property)', () => {
    fc.assert(
      fc.property(fc.array(arbHeard, { maxLength: 40 }), fc.array(arbOp, { maxLength: 30 }), fc.option(fc.string()), (heard, ops, source) => {
        const { book, advance } = makeBook();
        book.add(heard, source);
        const records = book.all();
        for (const o of ops) {
          if (o.op === 'tick') {
            advance(o.ms);
            continue;
          }
          const r = records[o.i % Math.max(1, records.length)];
          if (!r) continue;
          if (o.op === 'attempt') book.markAttempt(r.host, r.port);
          if (o.op === 'failure') book.markFailure(r.host, r.port);
          if (o.op === 'success') book.markSuccess(r.host, r.port);
          if (o.op === 'ban') book.ban(r.host, r.port, o.ms);
        }
        const text = JSON.stringify(book.toJSON());
        const again = AddressBook.fromJSON(JSON.parse(text));
        expect(again.all()).toEqual(book.all());
        expect(JSON.stringify(again.toJSON())).toBe(text);
      }),
      { numRuns: 150 },
    );
  });

  it('writes bigints as decimal strings', () => {
    const book = makeBookWith([v4('1.2.3.4', { services: (1n << 64n) - 1n })]);
    expect(book.toJSON()).toMatchObject({ version: 1, records: [{ services: '18446744073709551615' }] });
  });

  it.each([
    [null, /expected an object, got null/],
    [[], /expected an object, got an array/],
    [{ version: 2, records: [] }, /unsupported version 2/],
    [{ version: 1 }, /"records" must be an array/],
    [{ version: 1, records: [5] }, /record 0: expected an object, got 5/],
    [{ version: 1, records: [{ network: 'ipv4', host: '1.2.3.999' }] }, /record 0: "1\.2\.3\.999" is not a valid ipv4 address/],
    [{ version: 1, records: [{ network: 'ipv4', host: '1.2.3.4', port: 70_000 }] }, /record 0: "port" must be an integer/],
    [{ version: 1, records: [{ network: 'ipv4', host: '1.2.3.4', port: 1, services: 7 }] }, /"services" must be a decimal string/],
  ])('fromJSON(%j) throws a clear error', (data, message) => {
    expect(() => AddressBook.fromJSON(data)).toThrow(message);
  });

  it('trims a book larger than maxSize on load and merges duplicate spellings', () => {
    const book = makeBookWith(many(50));
    const data = book.toJSON() as { records: { host: string }[] };
    data.records.push({ ...data.records[0]!, host: '::ffff:' + data.records[0]!.host });
    expect(AddressBook.fromJSON(data).size).toBe(50);
    expect(AddressBook.fromJSON(data, { maxSize: 10 }).size).toBe(10);
  });
});

/** A small seeded generator, so that each seed gives its own draws. */
function mulberry(seed: number): () => number {
  let a = seed + 0x6d2b79f5;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
