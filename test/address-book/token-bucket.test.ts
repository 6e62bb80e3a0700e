// The per-peer token bucket: 0.1 address per second up to 1,000, 1,000 more per getaddr, one token
// to start, exempt peers never dropped; counts of what passed and what was dropped.
import { describe, expect, it } from 'vitest';
import { ADDR_BUCKET_CAP, AddrTokenBucket } from '../../src/addrman/token-bucket.js';
import { manualClock } from './support.js';

describe('AddrTokenBucket', () => {
  it('starts with one token, so that a peer can announce itself', () => {
    const clock = manualClock();
    const bucket = new AddrTokenBucket({ now: clock.now });
    expect(bucket.admit(3)).toBe(1);
    expect([bucket.processed, bucket.rateLimited]).toEqual([1, 2]);
    expect(bucket.admit(1)).toBe(0);
  });

  it('earns one address per 10 seconds, up to 1,000', () => {
    const clock = manualClock();
    const bucket = new AddrTokenBucket({ now: clock.now, tokens: 0 });
    clock.advance(95_000);
    expect(bucket.tokens).toBeCloseTo(9.5);
    expect(bucket.admit(20)).toBe(9);
    clock.advance(100 * 24 * 3600_000);
    expect(bucket.tokens).toBe(ADDR_BUCKET_CAP);
    expect(bucket.admit(5000)).toBe(1000);
  });

  it('grants 1,000 for each getaddr we send, above the cap, which time does not trim', () => {
    const clock = manualClock();
    const bucket = new AddrTokenBucket({ now: clock.now });
    bucket.getaddrSent();
    bucket.getaddrSent();
    expect(bucket.tokens).toBe(2001);
    clock.advance(10_000_000);
    expect(bucket.tokens).toBe(2001);
    expect(bucket.admit(1000) + bucket.admit(1000) + bucket.admit(1000)).toBe(2001);
    expect(bucket.rateLimited).toBe(999);
  });

  it('as in Core, time earned before a getaddr is only counted when a message arrives', () => {
    const clock = manualClock();
    const bucket = new AddrTokenBucket({ now: clock.now });
    clock.advance(10_000_000);
    expect(bucket.tokens).toBe(ADDR_BUCKET_CAP);
    bucket.getaddrSent();
    expect(bucket.tokens).toBe(1001);
  });

  it('a whitelisted peer is never dropped but still spends what it has', () => {
    const clock = manualClock();
    const bucket = new AddrTokenBucket({ now: clock.now, exempt: true });
    expect(bucket.admit(500)).toBe(500);
    expect(bucket.rateLimited).toBe(0);
    expect(bucket.tokens).toBe(0);
  });

  it('ignores a clock that goes backwards and nonsense counts', () => {
    const clock = manualClock();
    const bucket = new AddrTokenBucket({ now: clock.now, tokens: 5 });
    clock.advance(-1_000_000);
    expect(bucket.tokens).toBe(5);
    expect(bucket.admit(-3)).toBe(0);
    expect(bucket.admit(2.7)).toBe(2);
  });
});
