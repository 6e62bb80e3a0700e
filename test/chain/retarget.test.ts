// Required bits on every network kind, with chains mined at easy targets: regtest, testnet3's 20-minute
// rule, testnet4's BIP94, and the mainnet retarget clamped both ways (params overridden so headers can be mined).
import { describe, expect, it } from 'vitest';
import { HeaderChain } from '../../src/chain/chain.js';
import { headerHash } from '../../src/chain/header.js';
import { type ChainParams, chainParams, CHAIN_PARAMS } from '../../src/chain/params.js';
import { encodeCompact } from '../../src/chain/target.js';
import { calculateNextWorkRequired } from '../../src/chain/validation.js';
import { genesisTip, mineChain, mineHeader, type Tip } from '../../testkit/chain/mine.js';

const T0 = 1_600_000_000;
const NOW = T0 + 10_000_000;
const B244 = encodeCompact(1n << 244n); // 1 header in 4096 nonces
const chainOn = (params: ChainParams): HeaderChain => new HeaderChain(params, { now: () => NOW });

/** A genesis at `bits` for parameter overrides whose real genesis would be too hard to build on. */
function withGenesis(network: 'mainnet' | 'testnet3' | 'testnet4', overrides: Parameters<typeof chainParams>[1], bits = B244): ChainParams {
  const genesisHeader = mineHeader({ prev: Buffer.alloc(32), time: T0, bits, version: 1 });
  return chainParams(network, { ...overrides, genesisHeader });
}

/** Adds one header to `tip` with the given time and bits; returns the header and the new tip. */
function next(tip: Tip, time: number, bits: number, tag = 0): { header: Buffer; tip: Tip } {
  const header = mineHeader({ prev: tip.hash, time, bits, tag });
  return { header, tip: { hash: headerHash(header), height: tip.height + 1, time } };
}

describe('regtest', () => {
  const params = CHAIN_PARAMS.regtest;
  it('accepts a mined chain across its 144-header interval without retargeting', () => {
    const chain = chainOn(params);
    const { headers } = mineChain(params, genesisTip(params), 300);
    const result = chain.acceptHeaders(headers);
    expect(result.error).toBeNull();
    expect(chain.height).toBe(300);
    expect(chain.tip.work).toBe(301n * 2n);
  });

  it('refuses any bits but the limit, a time not after the median, and old versions', () => {
    const chain = chainOn(chainParams('regtest', { bip34Height: 3, bip66Height: 5, bip65Height: 7 }));
    const g = genesisTip(chain.params);
    expect(chain.acceptHeaders([next(g, g.time + 600, 0x2000ffff).header]).error?.code).toBe('bad-diffbits');
    const { headers, tip } = mineChain(chain.params, g, 12, { version: 4 });
    chain.acceptHeaders(headers);
    const median = chain.medianTimePast()!;
    expect(chain.acceptHeaders([next(tip, median, params.powLimitBits).header]).error?.code).toBe('time-too-old');
    expect(chain.acceptHeaders([next(tip, median + 1, params.powLimitBits).header]).error).toBeNull();
    const versioned = (v: number, parent: Tip): Buffer => mineHeader({ prev: parent.hash, time: parent.time + 600, bits: params.powLimitBits, version: v });
    const fresh = chainOn(chain.params);
    let t = g;
    for (const [height, floor] of [[1, 0], [2, 0], [3, 2], [4, 2], [5, 3], [6, 3], [7, 4], [8, 4]] as const) {
      if (floor > 0) {
        const r = fresh.acceptHeaders([versioned(floor - 1, t)]);
        expect(r.error?.code, `height ${height}`).toBe('bad-version');
      }
      const ok = versioned(Math.max(floor, 1), t);
      expect(fresh.acceptHeaders([ok]).error, `height ${height}`).toBeNull();
      t = { hash: headerHash(ok), height, time: t.time + 600 };
    }
  });

  it('refuses a header more than two hours ahead of the clock (not misbehaviour), accepts one at the edge', () => {
    const g = genesisTip(params);
    const chain = new HeaderChain(params, { now: () => g.time });
    const late = chain.acceptHeaders([next(g, g.time + 7201, params.powLimitBits).header]);
    expect(late.error?.code).toBe('time-too-new');
    expect(late.error?.misbehaviour).toBe(false);
    expect(chain.acceptHeaders([next(g, g.time + 7200, params.powLimitBits).header]).error).toBeNull();
  });
});

describe('testnet3: the 20-minute min-difficulty rule', () => {
  const params = withGenesis('testnet3', { powLimit: (1n << 248n) - 1n });
  const limit = params.powLimitBits;

  it('allows the limit only more than twice the spacing after the parent, and walks back over min-difficulty headers', () => {
    const chain = chainOn(params);
    let tip = genesisTip(params);
    const add = (time: number, bits: number): string | null => {
      const n = next(tip, time, bits);
      const error = chain.acceptHeaders([n.header]).error;
      if (!error) tip = n.tip;
      return error?.code ?? null;
    };
    expect(add(tip.time + 600, limit)).toBe('bad-diffbits');
    expect(add(tip.time + 600, B244)).toBeNull();
    expect(add(tip.time + 1200, limit)).toBe('bad-diffbits'); // exactly twice: not more
    expect(add(tip.time + 1201, limit)).toBeNull();
    expect(add(tip.time + 1201, limit)).toBeNull();
    // After min-difficulty headers, a normal one must carry the last real difficulty again.
    expect(add(tip.time + 600, limit)).toBe('bad-diffbits');
    expect(add(tip.time + 600, B244)).toBeNull();
    expect(chain.height).toBe(4);
  });
});

/** The densest times the median-time-past rule allows: each header one second after the median of the last 11. */
function denseTimes(start: number, count: number): number[] {
  const times = [start];
  for (let i = 1; i <= count; i++) {
    const last = times.slice(-11).sort((a, b) => a - b);
    times.push(last[last.length >> 1]! + 1);
  }
  return times.slice(1);
}

describe('mainnet retarget, clamped both ways (interval shortened to 64 one-second headers, easy limit)', () => {
  const params = withGenesis('mainnet', { powLimit: (1n << 248n) - 1n, targetSpacing: 1, targetTimespan: 64 });

  const period = (times: number[]): { chain: HeaderChain; tip: Tip; first: number } => {
    const chain = chainOn(params);
    let tip = genesisTip(params);
    const first = tip.time;
    for (const time of times) {
      const n = next(tip, time, B244);
      expect(chain.acceptHeaders([n.header]).error).toBeNull();
      tip = n.tip;
    }
    return { chain, tip, first };
  };

  it('a fast period (clamped to a quarter of the timespan) makes the target four times harder', () => {
    const { chain, tip, first } = period(denseTimes(T0, 63));
    expect(tip.time - first).toBeLessThan(16);
    const required = calculateNextWorkRequired(params, { time: tip.time, bits: B244 }, first);
    expect(required).toBe(encodeCompact(1n << 242n));
    expect(chain.acceptHeaders([next(tip, tip.time + 1, B244).header]).error?.code).toBe('bad-diffbits');
    expect(chain.acceptHeaders([next(tip, tip.time + 1, required).header]).error).toBeNull();
    expect(chain.height).toBe(64);
  });

  it('a slow period (clamped to four times the timespan) makes it four times easier', () => {
    const { chain, tip, first } = period(Array.from({ length: 63 }, (_, i) => T0 + (i + 1) * 10));
    expect(tip.time - first).toBeGreaterThan(256);
    const required = calculateNextWorkRequired(params, { time: tip.time, bits: B244 }, first);
    expect(required).toBe(encodeCompact(1n << 246n));
    expect(chain.acceptHeaders([next(tip, tip.time + 1, B244).header]).error?.code).toBe('bad-diffbits');
    expect(chain.acceptHeaders([next(tip, tip.time + 1, required).header]).error).toBeNull();
  });
});

describe('testnet4: BIP94', () => {
  const params = withGenesis('testnet4', { powLimit: (1n << 248n) - 1n, targetSpacing: 1, targetTimespan: 64 });

  it('retargets from the first header of the period, not from a min-difficulty last one, and refuses a time warp', () => {
    const chain = chainOn(params);
    let tip = genesisTip(params);
    for (let i = 1; i < 63; i++) {
      const n = next(tip, tip.time + 1, B244);
      expect(chain.acceptHeaders([n.header]).error).toBeNull();
      tip = n.tip;
    }
    // Header 63 comes 1000 s late, so it may be (and is) at the limit.
    const late = next(tip, tip.time + 1000, params.powLimitBits);
    expect(chain.acceptHeaders([late.header]).error).toBeNull();
    tip = late.tip;
    const first = T0;
    const bip94 = calculateNextWorkRequired(params, { time: tip.time, bits: params.powLimitBits }, first, B244);
    const fromLast = calculateNextWorkRequired({ ...params, enforceBip94: false }, { time: tip.time, bits: params.powLimitBits }, first);
    expect(bip94).not.toBe(fromLast);
    expect(chain.acceptHeaders([next(tip, tip.time + 1, fromLast).header]).error?.code).toBe('bad-diffbits');
    // The first header of a period may not be more than 600 s before its parent.
    expect(chain.acceptHeaders([next(tip, tip.time - 601, bip94).header]).error?.code).toBe('time-timewarp-attack');
    expect(chain.acceptHeaders([next(tip, tip.time - 600, bip94).header]).error).toBeNull();
    expect(chain.height).toBe(64);
  });
});
