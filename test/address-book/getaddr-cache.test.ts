// getaddr answers from a cache per requesting network and local address, living 21–27 hours:
// reconnecting does not reveal more of the book; banned and terrible entries are left out.
import { describe, expect, it } from 'vitest';
import { AddressBook } from '../../src/address-book.js';
import { BanList } from '../../src/addrman/bans.js';
import { CACHE_LIFETIME_MIN_MS, CACHE_LIFETIME_SPREAD_MS, GetaddrCache } from '../../src/addrman/getaddr-cache.js';
import { fixedKey, manualClock, seededRandom, v4 } from './support.js';

function setup(random = seededRandom(1)) {
  const clock = manualClock();
  const book = new AddressBook({ now: clock.now, random: seededRandom(2), key: fixedKey(2) });
  book.add(
    Array.from({ length: 400 }, (_, i) => v4(`${20 + (i % 150)}.${i}.1.1`.replace(/\.(\d{3,})\./, (_, n: string) => `.${Number(n) % 250}.`))),
    { origin: 'user' },
  );
  const bans = new BanList({ now: clock.now });
  const cache = new GetaddrCache(book, { bans, now: clock.now, random });
  return { clock, book, bans, cache };
}

const hosts = (answer: { host: string }[]): string[] => answer.map((a) => a.host).sort();

describe('GetaddrCache', () => {
  it('answers with 23 % of the book, rounded down, as heard addresses', () => {
    const { book, cache } = setup();
    const answer = cache.answer({ remoteAddress: '8.8.8.8', localAddress: '127.0.0.1', localPort: 8333 });
    expect(answer).toHaveLength(Math.floor((book.size * 23) / 100));
    expect(answer[0]).toMatchObject({ network: 'ipv4', port: 8333, services: 9n });
  });

  it('gives every peer of one network the same answer until it expires, so reconnecting reveals nothing more', () => {
    const { clock, cache } = setup(() => 0.5);
    const ask = () => hosts(cache.answer({ remoteAddress: '8.8.8.8', localAddress: '127.0.0.1', localPort: 8333 }));
    const first = ask();
    const seen = new Set(first);
    for (let i = 0; i < 50; i++) {
      clock.advance(60_000);
      for (const h of ask()) seen.add(h);
    }
    expect(seen.size).toBe(first.length);
    // IPv4 mapped into IPv6 is the same network.
    expect(hosts(cache.answer({ remoteAddress: '::ffff:9.9.9.9', localAddress: '127.0.0.1', localPort: 8333 }))).toEqual(first);
    // Another network or another local address has its own answer.
    expect(hosts(cache.answer({ remoteAddress: '2a01::1', localAddress: '127.0.0.1', localPort: 8333 }))).not.toEqual(first);
    expect(hosts(cache.answer({ remoteAddress: '8.8.8.8', localAddress: '127.0.0.2', localPort: 8333 }))).not.toEqual(first);
    // Half of the random spread: 21 h + 3 h.
    clock.advance(CACHE_LIFETIME_MIN_MS + CACHE_LIFETIME_SPREAD_MS / 2 - 50 * 60_000 - 1);
    expect(ask()).toEqual(first);
    clock.advance(1);
    expect(ask()).not.toEqual(first);
  });

  it('lives between 21 and 27 hours', () => {
    for (const r of [0, 0.999999]) {
      const { clock, cache } = setup(() => r);
      const ask = () => hosts(cache.answer({ remoteAddress: '8.8.8.8' }));
      const first = ask();
      clock.advance(CACHE_LIFETIME_MIN_MS - 1);
      expect(ask()).toEqual(first);
      clock.advance(CACHE_LIFETIME_SPREAD_MS + 1);
      expect(ask()).not.toEqual(first);
    }
  });

  it('leaves out banned addresses', () => {
    const { book, bans, cache } = setup();
    for (const r of book.all()) if (Number(r.host.split('.')[0]) % 2 === 0) bans.ban(r.host);
    const answer = cache.answer({ remoteAddress: '8.8.8.8' });
    expect(answer.length).toBeGreaterThan(0);
    expect(answer.every((a) => Number(a.host.split('.')[0]) % 2 === 1)).toBe(true);
  });
});
