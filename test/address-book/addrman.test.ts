// The tables (Core's AddrMan): bucket placement checked against Core's own test vectors, the
// new/tried life of an address, collisions and their resolution, selection and GetAddr.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type AddrEntryIn, AddrMan, type AddrManOptions } from '../../src/addrman/addrman.js';
import { NEW_BUCKET_COUNT, newBucket, triedBucket } from '../../src/addrman/buckets.js';
import { formatService, NET, type NetAddr, type Service, serviceKeyBytes } from '../../src/addrman/netaddr.js';
import { netGroup } from '../../src/addrman/netgroup.js';
import { addr, DAY, HOUR, hashWriterKey, KEY_ONE, manualClock, seededRandom, service, T0s } from './support.js';

const vectors = JSON.parse(readFileSync(new URL('../vectors/addrman/core-addrman.json', import.meta.url), 'utf8')) as {
  triedBucket: { address: string; port: number; bucket: number }[];
  newBucket: { address: string; port: number; source: string; bucket: number }[];
  newCollisions: { source: string; withoutCollision: number; sizeAfter24: number };
  triedCollisions: {
    source: string;
    withoutCollision: number;
    first: { address: string; collidesWith: string };
    afterAdding37To58: { address: string; collidesWith: string };
  };
};

const tried = (s: Service): number => triedBucket(hashWriterKey(1), serviceKeyBytes(s), netGroup(s));
const fresh = (bucketOf: (a: Service, src: NetAddr) => number, a: Service, src: NetAddr): number => bucketOf(a, src);
const newOf = (key: Buffer) => (a: Service, src: NetAddr): number => newBucket(key, netGroup(a), netGroup(src));

/** Core's deterministic AddrMan: key uint256{1}, a fixed clock, seeded randomness. */
function deterministic(options: AddrManOptions = {}) {
  const clock = manualClock();
  const table = new AddrMan({ key: KEY_ONE, now: clock.now, random: seededRandom(7), ...options });
  const heardNow = (text: string, port = 0): AddrEntryIn => ({ addr: service(text, port), services: 0n, time: clock.seconds() });
  return { table, clock, heardNow };
}

describe("bucket placement (Core's vectors)", () => {
  it('puts addresses in the buckets Core does', () => {
    for (const v of vectors.triedBucket) expect(tried(service(v.address, v.port))).toBe(v.bucket);
    for (const v of vectors.newBucket) expect(fresh(newOf(hashWriterKey(1)), service(v.address, v.port), addr(v.source))).toBe(v.bucket);
  });

  it('changes with the key, and with the port in tried but not in new', () => {
    const a = service('250.1.1.1', 8333);
    expect(triedBucket(hashWriterKey(2), serviceKeyBytes(a), netGroup(a))).not.toBe(tried(a));
    expect(tried(service('250.1.1.1', 9999))).not.toBe(tried(a));
    const b = service('250.1.2.1', 8333);
    const src = addr('250.1.2.1');
    expect(newOf(hashWriterKey(2))(b, src)).not.toBe(newOf(hashWriterKey(1))(b, src));
    expect(newOf(hashWriterKey(1))(service('250.1.2.1', 9999), src)).toBe(newOf(hashWriterKey(1))(b, src));
  });

  it('spreads one group over at most 8 tried buckets, many groups over many (8 and 160, as Core)', () => {
    const oneGroup = new Set(Array.from({ length: 255 }, (_, i) => tried(service(`250.1.1.${i}`))));
    const manyGroups = new Set(Array.from({ length: 255 }, (_, j) => tried(service(`250.${j}.1.1`))));
    expect(oneGroup.size).toBe(8);
    expect(manyGroups.size).toBe(160);
  });

  it('keeps one source group within 64 new buckets; one group from one source is one bucket', () => {
    const bucketOf = newOf(hashWriterKey(1));
    const sameGroup = new Set(Array.from({ length: 255 }, (_, i) => bucketOf(service(`250.1.1.${i}`), addr(`250.1.1.${i}`))));
    expect(sameGroup.size).toBe(1);
    const oneSource = new Set(Array.from({ length: 4 * 255 }, (_, j) => bucketOf(service(`${250 + Math.floor(j / 255)}.${j % 256}.1.1`), addr('251.4.1.1'))));
    expect(oneSource.size).toBeLessThanOrEqual(64);
    expect(oneSource.size).toBeGreaterThan(32);
    const manySources = new Set(Array.from({ length: 255 }, (_, p) => bucketOf(service('250.1.1.1'), addr(`250.${p}.1.1`))));
    expect(manySources.size).toBeGreaterThan(64);
  });
});

describe('add', () => {
  it('fills the new table until the first collision where Core meets it', () => {
    const { table, heardNow } = deterministic();
    const source = addr(vectors.newCollisions.source);
    for (let n = 1; n <= vectors.newCollisions.withoutCollision; n++) {
      expect(table.add([heardNow(`250.1.1.${n}`)], source)).toBe(1);
      expect(table.size()).toBe(n);
    }
    table.add([heardNow('250.1.1.23'), heardNow('250.1.1.24')], source);
    expect(table.size()).toBe(vectors.newCollisions.sizeAfter24);
  });

  it('refuses invalid and unroutable addresses unless told to allow the unroutable', () => {
    const { table, heardNow } = deterministic();
    const source = addr('252.2.2.2');
    expect(table.add([heardNow('0.0.0.0'), heardNow('10.1.1.1'), heardNow('127.0.0.1')], source)).toBe(0);
    expect(table.add([heardNow('10.1.1.1'), heardNow('127.0.0.1'), heardNow('0.0.0.0')], source, 0, true)).toBe(2);
  });

  it('penalises the time by the given penalty, except for a source announcing itself', () => {
    const { table, clock } = deterministic();
    const entry = (text: string): AddrEntryIn => ({ addr: service(text, 8333), services: 1n, time: clock.seconds() - 100 });
    table.add([entry('250.1.1.1')], addr('252.2.2.2'), 2 * HOUR);
    table.add([entry('250.9.9.9')], addr('250.9.9.9'), 2 * HOUR);
    expect(table.find(service('250.1.1.1', 8333))!.time).toBe(clock.seconds() - 100 - 2 * HOUR);
    expect(table.find(service('250.9.9.9', 8333))!.time).toBe(clock.seconds() - 100);
  });

  it('ORs services, and refreshes the time of a known address only when the news is an update interval fresher', () => {
    const { table, clock } = deterministic();
    const source = addr('252.2.2.2');
    const a = service('250.1.1.1', 8333);
    const start = clock.seconds() - 10_000;
    table.add([{ addr: a, services: 1n, time: start }], source);
    table.add([{ addr: a, services: 1024n, time: start + 3000 }], source); // within the hour of an online node
    expect(table.find(a)).toMatchObject({ services: 1025n, time: start });
    table.add([{ addr: a, services: 0n, time: start + 3601 + 1 }], source);
    expect(table.find(a)!.time).toBe(start + 3602);
  });

  it('gives an address more new buckets only with fresher news, at most 8, ever harder', () => {
    const { table, clock } = deterministic({ random: seededRandom(3) });
    const a = service('253.3.3.3', 8333);
    const start = clock.seconds();
    for (let i = 1; i < 20; i++) table.add([{ addr: a, services: 0n, time: start }], addr(`${i}.${i}.1.1`));
    expect(table.position(a)!.multiplicity).toBe(1);
    const seen: number[] = [];
    for (let i = 1; i < 3000; i++) {
      table.add([{ addr: a, services: 0n, time: start + i }], addr(`${i % 256}.${(i >> 8) % 256}.1.1`));
      seen.push(table.position(a)!.multiplicity);
    }
    expect(Math.max(...seen)).toBe(8);
    expect(seen).toEqual([...seen].sort((x, y) => x - y)); // never drops
    expect(table.size()).toBe(1);
    expect(table.find(a)!.buckets).toHaveLength(8);
  });

  it('overwrites a terrible occupant of a new slot, but never a good one', () => {
    const { table, clock } = deterministic();
    const source = addr('252.2.2.2');
    const old = (text: string): AddrEntryIn => ({ addr: service(text), services: 0n, time: clock.seconds() - 31 * DAY });
    // 250.1.1.23 lands where an earlier one of .1–.22 sits; that one is 31 days old, hence terrible.
    for (let n = 1; n <= 22; n++) table.add([old(`250.1.1.${n}`)], source);
    expect(table.add([{ addr: service('250.1.1.23'), services: 0n, time: clock.seconds() }], source)).toBe(1);
    expect(table.size()).toBe(22);
  });
});

describe('good, attempts and collisions', () => {
  function triedOf35() {
    const t = deterministic();
    const source = addr(vectors.triedCollisions.source);
    for (let n = 1; n <= vectors.triedCollisions.withoutCollision; n++) {
      t.table.add([t.heardNow(`250.1.1.${n}`)], source);
      expect(t.table.good(service(`250.1.1.${n}`))).toBe(true);
    }
    return { ...t, source };
  }

  it('moves addresses to tried until the first collision, which waits for a test', () => {
    const { table, heardNow, source } = triedOf35();
    expect(table.size(undefined, false)).toBe(35);
    table.add([heardNow('250.1.1.36')], source);
    expect(table.good(service('250.1.1.36'))).toBe(false);
    expect(formatService(table.selectTriedCollision()!.addr)).toBe(vectors.triedCollisions.first.collidesWith);
    expect(table.find(service('250.1.1.36'))).toMatchObject({ inTried: false, attempts: 0 });
    // A duplicate is no collision.
    expect(table.good(service('250.1.1.5'))).toBe(false);
    expect(table.collisions).toBe(1);
  });

  it('keeps an occupant that worked in the last 4 hours (Core: addrman_noevict)', () => {
    const { table, heardNow, source } = triedOf35();
    table.add([heardNow('250.1.1.36')], source);
    table.good(service('250.1.1.36'));
    table.resolveCollisions();
    expect(table.selectTriedCollision()).toBeNull();
    expect(table.find(service('250.1.1.19'))!.inTried).toBe(true);
    expect(table.find(service('250.1.1.36'))!.inTried).toBe(false);
    for (let n = 37; n <= 58; n++) {
      table.add([heardNow(`250.1.1.${n}`)], source);
      expect(table.good(service(`250.1.1.${n}`))).toBe(true);
    }
    table.add([heardNow('250.1.1.59')], source);
    expect(table.good(service('250.1.1.59'))).toBe(false);
    expect(formatService(table.selectTriedCollision()!.addr)).toBe(vectors.triedCollisions.afterAdding37To58.collidesWith);
    expect(table.good(service('250.1.1.36'))).toBe(false); // 36 still collides with 19
    table.resolveCollisions();
    expect(table.collisions).toBe(0);
  });

  it('replaces an occupant that failed its test, and one whose test is overdue (Core: addrman_evictionworks)', () => {
    const { table, heardNow, source, clock } = triedOf35();
    const a36 = service('250.1.1.36');
    const a19 = service('250.1.1.19');
    table.add([heardNow('250.1.1.36')], source);
    table.good(a36);
    // The test of 19: its last success long ago, a try 61 s ago that did not succeed.
    table.good(a19, 1);
    table.attempt(a19, false, clock.seconds() - 61);
    table.resolveCollisions();
    expect(table.collisions).toBe(0);
    expect(table.position(a36)!.tried).toBe(true);
    expect(table.position(a19)!.tried).toBe(false);
    expect(table.good(a36)).toBe(false);
    // 19 now collides with 36; nobody tests 36 and 4 hours pass: 19 moves in anyway.
    expect(table.good(a19)).toBe(false);
    expect(formatService(table.selectTriedCollision()!.addr)).toBe('250.1.1.36:0');
    clock.advance(4 * HOUR * 1000);
    table.resolveCollisions();
    expect(table.collisions).toBe(0);
    expect(table.position(a19)!.tried).toBe(true);
    expect(table.position(a36)!.tried).toBe(false);
  });

  it('waits while a test is under way (tried within the last minute)', () => {
    const { table, heardNow, source, clock } = triedOf35();
    table.add([heardNow('250.1.1.36')], source);
    table.good(service('250.1.1.36'));
    table.good(service('250.1.1.19'), 1);
    table.attempt(service('250.1.1.19'), false, clock.seconds() - 30);
    table.resolveCollisions();
    expect(table.collisions).toBe(1);
  });

  it('keeps at most 10 collisions waiting', () => {
    const t = deterministic();
    const source = addr('252.2.2.2');
    let waiting = 0;
    for (let n = 1; n < 2000 && waiting < 15; n++) {
      const text = `250.${(n >> 8) & 255}.${n & 255}.7`;
      if (t.table.add([t.heardNow(text)], source) === 0) continue; // lost to a new-table collision
      if (!t.table.good(service(text)) && !t.table.find(service(text))!.inTried) waiting++;
    }
    expect(waiting).toBe(15);
    expect(t.table.collisions).toBe(10);
  });

  it('counts one failure per address between two successes anywhere in the book', () => {
    const { table, heardNow, clock } = deterministic();
    const source = addr('252.2.2.2');
    table.add([heardNow('250.1.1.1'), heardNow('250.7.1.1')], source);
    const a = service('250.1.1.1');
    table.attempt(a, true);
    table.attempt(a, true);
    expect(table.find(a)!.attempts).toBe(1);
    clock.advance(1000);
    table.good(service('250.7.1.1'));
    table.attempt(a, true);
    expect(table.find(a)!.attempts).toBe(2);
    table.attempt(a, false);
    expect(table.find(a)).toMatchObject({ attempts: 2, lastTry: clock.seconds() });
  });

  it('updates the time of a connected address after 20 minutes, and services from the peer itself', () => {
    const { table, clock } = deterministic();
    const a = service('250.1.1.1', 8333);
    table.add([{ addr: a, services: 1n, time: clock.seconds() - 10_000 }], addr('252.2.2.2'));
    table.connected(service('250.1.1.1', 8334));
    expect(table.find(a)!.time).toBe(clock.seconds() - 10_000);
    table.connected(a);
    table.setServices(a, 1024n);
    expect(table.find(a)).toMatchObject({ time: clock.seconds(), services: 1024n });
  });
});

describe('select', () => {
  it('returns nothing from an empty book, and only new entries with newOnly', () => {
    const { table, heardNow } = deterministic();
    expect(table.select()).toBeNull();
    table.add([heardNow('250.1.1.1', 8333), heardNow('250.1.1.1', 8334)], addr('252.2.2.2'));
    table.good(service('250.1.1.1', 8334));
    for (let i = 0; i < 20; i++) expect(formatService(table.select(true)!.addr)).toBe('250.1.1.1:8333');
  });

  it('picks tried and new with even odds when both have entries', () => {
    const { table, heardNow } = deterministic({ random: seededRandom(11) });
    const source = addr('252.2.2.2');
    for (let n = 1; n <= 20; n++) table.add([heardNow(`250.${n}.1.1`)], source);
    for (let n = 1; n <= 10; n++) table.good(service(`250.${n}.1.1`));
    let fromTried = 0;
    for (let i = 0; i < 2000; i++) if (table.select()!.inTried) fromTried++;
    expect(fromTried).toBeGreaterThan(850);
    expect(fromTried).toBeLessThan(1150);
  });

  it('searches only the given networks, in tried when new has none of them', () => {
    const { table, heardNow } = deterministic();
    const i2p = { net: NET.i2p, bytes: Buffer.alloc(32, 5), port: 0 } as Service;
    table.add([heardNow('250.1.1.1'), { addr: i2p, services: 0n, time: T0s }], addr('252.2.2.2'));
    expect(table.select(false, new Set([NET.ipv6]))).toBeNull();
    expect(table.select(false, new Set([NET.i2p]))!.addr.net).toBe(NET.i2p);
    table.good(i2p);
    expect(table.select(true, new Set([NET.i2p]))).toBeNull();
    for (let i = 0; i < 10; i++) expect(table.select(false, new Set([NET.i2p]))!.addr.net).toBe(NET.i2p);
  });

  it('rarely picks an address tried in the last 10 minutes or failing, as GetChance weighs them', () => {
    const { table, heardNow } = deterministic({ random: seededRandom(5) });
    const source = addr('252.2.2.2');
    table.add([heardNow('250.1.1.1'), heardNow('250.2.1.1')], source);
    table.attempt(service('250.1.1.1'), false);
    let recent = 0;
    for (let i = 0; i < 1000; i++) if (table.select()!.addr.bytes[1] === 1) recent++;
    expect(recent).toBeLessThan(100);
  });

  it('keeps going with a random source that always says the same', () => {
    const { table, heardNow } = deterministic({ random: () => 0.999999 });
    table.add([heardNow('250.1.1.1')], addr('252.2.2.2'));
    table.attempt(service('250.1.1.1'), true);
    expect(table.select()).not.toBeNull();
  });
});

describe('getAddr', () => {
  it('gives 23 % of the book rounded down, at most the maximum, and no terrible entry unless unfiltered', () => {
    const { table, clock } = deterministic();
    const source = addr('252.2.2.2');
    const entries = Array.from({ length: 100 }, (_, i): AddrEntryIn => ({ addr: service(`${1 + i}.9.1.1`, 8333), services: 1n, time: clock.seconds() }));
    table.add(entries, source);
    const size = table.size();
    expect(table.getAddr(1000, 23)).toHaveLength(Math.floor((size * 23) / 100));
    expect(table.getAddr(5, 23)).toHaveLength(5);
    expect(table.getAddr(0, 0)).toHaveLength(size);
    expect(new Set(table.getAddr(0, 0).map((a) => formatService(a.addr))).size).toBe(size);
    table.add([{ addr: service('250.1.1.1', 8333), services: 1n, time: clock.seconds() - 40 * DAY }], source);
    expect(table.getAddr(0, 0)).toHaveLength(size);
    expect(table.getAddr(0, 0, null, false)).toHaveLength(size + 1);
    expect(table.getAddr(0, 0, NET.ipv6)).toHaveLength(0);
  });
});

describe('restore', () => {
  it('puts every entry back where it was, and re-buckets on request', () => {
    const { table, heardNow, clock } = deterministic({ random: seededRandom(9) });
    const source = addr('252.2.2.2');
    const text = (n: number): string => `${(n % 200) + 1}.${n % 250}.1.1`;
    for (let n = 1; n <= 300; n++) table.add([heardNow(text(n))], addr(`${(n % 7) + 1}.3.3.3`));
    for (let n = 1; n <= 300; n += 3) table.good(service(text(n)));
    clock.advance(1000);
    table.add([heardNow('250.1.1.1')], source);
    const state = table.exportState();
    const { addrman, lost } = AddrMan.restore(state, { now: clock.now });
    expect(lost).toBe(0);
    expect(addrman.exportState()).toEqual(state);
    const rebucketed = AddrMan.restore(state, { now: clock.now }, true);
    expect(rebucketed.addrman.size()).toBe(table.size() - rebucketed.lost);
    for (const info of rebucketed.addrman.entries()) expect(info.refCount <= 1).toBe(true);
  });

  it('loses invalid and duplicate entries, and keeps a tried entry whose slot is taken in new', () => {
    const { table, heardNow } = deterministic();
    const source = addr('252.2.2.2');
    table.add([heardNow('250.1.1.19'), heardNow('250.1.1.36')], source);
    const state = table.exportState();
    const [e19, e36] = state.entries;
    const bad = { ...e19!, info: { ...e19!.info, addr: service('0.0.0.0') } };
    const { addrman, lost } = AddrMan.restore({ ...state, entries: [{ ...e19!, tried: true }, { ...e36!, tried: true }, e19!, bad] });
    expect(lost).toBe(2);
    expect(addrman.size(undefined, false)).toBe(1);
    expect(addrman.size(undefined, true)).toBe(1);
    expect(NEW_BUCKET_COUNT).toBe(1024);
  });
});
