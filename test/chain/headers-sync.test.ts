// HeadersSync against scripted peers: a plain sync, presync and redownload of a chain that forks below the
// anti-DoS threshold, and hostile peers (bad headers, cheap long chains, a redownload that differs).
import { describe, expect, it } from 'vitest';
import { HeaderChain } from '../../src/chain/chain.js';
import { headerHash } from '../../src/chain/header.js';
import { HeadersSync, type HeadersSyncOptions, type SyncStep } from '../../src/chain/headers-sync.js';
import { CHAIN_PARAMS, chainParams } from '../../src/chain/params.js';
import { genesisTip, mineChain, mineHeader, type Tip } from '../../testkit/chain/mine.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { HeaderServer } from '../../testkit/scripted-peer/headers.js';

const regtest = CHAIN_PARAMS.regtest;
const T0 = regtest.genesisHeader.readUInt32LE(68);
const NOW = T0 + 100_000_000;
const PER_MESSAGE = 200;
/** Deterministic "randomness" for the commitment salt and offset. */
const seeded = (size: number): Buffer => Buffer.alloc(size, 7);
const syncOptions = (extra: HeadersSyncOptions = {}): HeadersSyncOptions => ({
  now: () => NOW,
  randomBytes: seeded,
  commitmentPeriod: 50,
  redownloadBufferSize: 300,
  maxHeadersPerMessage: PER_MESSAGE,
  ...extra,
});

/** A peer serving `headers`, a chain on regtest's genesis (every chain here builds on it), `PER_MESSAGE` at a time. */
const peerWith = (headers: readonly Buffer[]): HeaderServer => new HeaderServer(NETWORKS.regtest, headers, PER_MESSAGE);

/** Runs the sync against `peer` until it stops asking; returns every step. */
function run(sync: HeadersSync, peer: HeaderServer, limit = 1000): SyncStep[] {
  const steps: SyncStep[] = [];
  let next = sync.start();
  for (let i = 0; i < limit && next.type === 'getheaders'; i++) {
    const step = sync.receive(peer.answer(next.locator));
    steps.push(step);
    next = step.next;
  }
  return steps;
}

describe('HeadersSync: a plain sync', () => {
  it('asks again after each full message, stores everything, and ends caught up', () => {
    const chain = new HeaderChain(regtest, { now: () => NOW });
    const { headers, tip } = mineChain(regtest, genesisTip(regtest), 450);
    const steps = run(new HeadersSync(chain, syncOptions()), peerWith(headers));
    expect(steps.map((s) => s.next.type)).toEqual(['getheaders', 'getheaders', 'caught-up']);
    expect(steps.every((s) => s.phase === 'normal')).toBe(true);
    expect(steps.reduce((n, s) => n + (s.accepted?.added.length ?? 0), 0)).toBe(450);
    expect(chain.tip.hash.equals(tip.hash)).toBe(true);
  });

  it('starts from the tip’s parent, so an up-to-date peer answers with our tip and we are caught up', () => {
    const chain = new HeaderChain(regtest, { now: () => NOW });
    const { headers } = mineChain(regtest, genesisTip(regtest), 30);
    chain.acceptHeaders(headers);
    const sync = new HeadersSync(chain, syncOptions());
    const start = sync.start();
    expect(start.type === 'getheaders' && start.locator[0]!.equals(headerHash(headers[28]!))).toBe(true);
    const step = sync.receive(peerWith(headers).answer(start.type === 'getheaders' ? start.locator : []));
    expect(step.next.type).toBe('caught-up');
    expect(step.accepted?.duplicates).toBe(1);
    expect(sync.receive([]).next.type).toBe('caught-up');
  });
});

describe('HeadersSync: presync and redownload (regtest with a minimum chain work of 3,000 headers)', () => {
  const params = chainParams('regtest', { minimumChainWork: 6000n });
  const peerHeaders = mineChain(params, genesisTip(params), 3500, { tag: 1 }).headers;

  it('validates a low-work chain without storing it, then redownloads and stores it once it has enough work', () => {
    const chain = new HeaderChain(params, { now: () => NOW });
    const sync = new HeadersSync(chain, syncOptions());
    const peer = peerWith(peerHeaders);
    const sizes: number[] = [];
    const phases: string[] = [];
    let next = sync.start();
    while (next.type === 'getheaders') {
      const step = sync.receive(peer.answer(next.locator));
      phases.push(step.phase);
      sizes.push(chain.size);
      if (step.phase === 'presync') expect(sync.stats().buffered).toBe(0);
      next = step.next;
    }
    // The 15th message brings the peer's chain to 3,000 headers, the threshold: redownload starts.
    // Nothing is stored during those 15 messages.
    expect(phases.slice(0, 15)).toEqual([...Array<string>(14).fill('presync'), 'redownload']);
    expect(sizes.slice(0, 15).every((n) => n === 1)).toBe(true);
    expect(phases).toContain('redownload');
    expect(next.type).toBe('caught-up');
    expect(chain.height).toBe(3500);
    expect(chain.tip.hash.equals(headerHash(peerHeaders[3499]!))).toBe(true);
    expect(sync.phase).toBe('normal');
  });

  it('keeps the stored chain untouched and holds no headers for a long chain of cheap headers below the threshold', () => {
    const chain = new HeaderChain(params, { now: () => NOW });
    const sync = new HeadersSync(chain, syncOptions());
    const cheap = peerWith(peerHeaders.slice(0, 2800));
    let next = sync.start();
    let maxCommitments = 0;
    let steps = 0;
    while (next.type === 'getheaders') {
      const step = sync.receive(cheap.answer(next.locator));
      const stats = sync.stats();
      maxCommitments = Math.max(maxCommitments, stats.commitments);
      expect(stats.buffered).toBe(0);
      expect(chain.size).toBe(1);
      next = step.next;
      steps++;
    }
    expect(steps).toBe(15); // 14 full messages, then an empty answer
    expect(next.type).toBe('caught-up');
    // One bit per 50 headers: the only thing presync keeps that grows with the chain.
    expect(maxCommitments).toBe(56);
    expect(sync.stats()).toMatchObject({ phase: 'normal', commitments: 0, buffered: 0 });
  });

  it('treats a redownload that differs from the presynced chain as misbehaviour', () => {
    const other = mineChain(params, genesisTip(params), 3500, { tag: 2 }).headers;
    const chain = new HeaderChain(params, { now: () => NOW });
    const sync = new HeadersSync(chain, syncOptions());
    const first = peerWith(peerHeaders);
    const second = peerWith(other);
    let next = sync.start();
    let last: SyncStep | null = null;
    while (next.type === 'getheaders') {
      last = sync.receive((sync.phase === 'redownload' ? second : first).answer(next.locator));
      next = last.next;
    }
    expect(next.type).toBe('misbehaving');
    expect(next.type === 'misbehaving' && next.error.code).toBe('presync-commitment-mismatch');
    expect(chain.size).toBe(1);
    expect(sync.phase).toBe('normal');
  });

  it('gives up, as misbehaviour, on a chain longer than could exist since its fork point', () => {
    // Times as dense as the median-time rule allows (about 6 a second); the clock then jumps ahead
    // so that these headers stay valid while the bound taken at the start of presync does not grow.
    const times: number[] = [T0];
    const dense: Buffer[] = [];
    let tip: Tip = genesisTip(params);
    for (let i = 0; i < 2400; i++) {
      const last = times.slice(-11).sort((a, b) => a - b);
      const time = last[last.length >> 1]! + 1;
      times.push(time);
      const header = mineHeader({ prev: tip.hash, time, bits: params.powLimitBits, tag: i });
      dense.push(header);
      tip = { hash: headerHash(header), height: i + 1, time };
    }
    let now = T0 - 7200 + 200; // bound: 6 × 200 s / 50 = 24 commitments, about 1,200 headers
    const chain = new HeaderChain(params, { now: () => now });
    const sync = new HeadersSync(chain, syncOptions({ now: () => now }));
    const peer = peerWith(dense);
    let next = sync.start();
    let steps = 0;
    while (next.type === 'getheaders') {
      next = sync.receive(peer.answer(next.locator)).next;
      now = T0 + 100_000;
      steps++;
    }
    expect(next.type === 'misbehaving' && next.error.code).toBe('presync-too-long');
    expect(steps).toBeLessThanOrEqual(7);
    expect(chain.size).toBe(1);
  });
});

describe('HeadersSync: hostile headers', () => {
  const g = genesisTip(regtest);
  const base = mineChain(regtest, g, 400, { tag: 9 });
  const synced = (): { chain: HeaderChain; sync: HeadersSync } => {
    const chain = new HeaderChain(regtest, { now: () => NOW });
    chain.acceptHeaders(base.headers);
    return { chain, sync: new HeadersSync(chain, syncOptions()) };
  };
  const code = (step: SyncStep): string | null => (step.next.type === 'misbehaving' ? step.next.error.code : null);

  it('answers headers that do not connect with a getheaders, and calls it misbehaviour after ten in a row', () => {
    const { sync } = synced();
    const orphan = mineHeader({ prev: Buffer.alloc(32, 1), time: base.tip.time + 600, bits: regtest.powLimitBits });
    for (let i = 0; i < 10; i++) expect(sync.receive([orphan]).next.type).toBe('getheaders');
    expect(code(sync.receive([orphan]))).toBe('unconnecting-headers');
  });

  it('calls bad proof of work, wrong bits, an old version and a broken sequence misbehaviour', () => {
    const tip = base.tip;
    const spec = { prev: tip.hash, time: tip.time + 600, bits: regtest.powLimitBits };
    expect(code(synced().sync.receive([mineHeader(spec, { fail: true })]))).toBe('high-hash');
    expect(code(synced().sync.receive([mineHeader({ ...spec, bits: 0x2000ffff })]))).toBe('bad-diffbits');
    expect(code(synced().sync.receive([mineHeader({ ...spec, version: 1 })]))).toBe('bad-version');
    const two = mineChain(regtest, tip, 3).headers;
    expect(code(synced().sync.receive([two[0]!, two[2]!]))).toBe('non-continuous-headers');
    expect(code(synced().sync.receive([Buffer.alloc(79)]))).toBe('bad-header-size');
  });

  it('refuses a header too far in the future without calling it misbehaviour', () => {
    const { chain, sync } = synced();
    const future = mineHeader({ prev: base.tip.hash, time: NOW + 7201, bits: regtest.powLimitBits });
    const step = sync.receive([future]);
    expect(step.next.type).toBe('caught-up');
    expect(step.error?.code).toBe('time-too-new');
    expect(chain.height).toBe(400);
  });

  it('ignores a short fork from deep below the tip (regtest: stored at once only near the tip)', () => {
    const { chain, sync } = synced();
    const deep = mineChain(regtest, { hash: headerHash(base.headers[9]!), height: 10, time: g.time + 6000 }, 5, { tag: 3 });
    const step = sync.receive(deep.headers);
    expect(step).toMatchObject({ lowWork: true, accepted: null });
    expect(step.next.type).toBe('caught-up');
    expect(chain.size).toBe(401);
    const near = mineChain(regtest, { hash: headerHash(base.headers[379]!), height: 380, time: g.time + 380 * 600 }, 5, { tag: 4 });
    expect(sync.receive(near.headers).accepted?.added.length).toBe(5);
    expect(chain.size).toBe(406);
  });
});

