// Real mainnet headers 1..1111 validate on mainnet's rules; a changed byte anywhere makes a header fail, typed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeaderChain } from '../../src/chain/chain.js';
import { ChainError } from '../../src/chain/errors.js';
import { hashToHex } from '../../src/chain/header.js';
import { CHAIN_PARAMS } from '../../src/chain/params.js';
import { decodePayload } from '../../src/protocol/codec.js';
import type { HeadersList } from '../../src/protocol/messages/headers.js';
import { mainnetHeaders } from './support.js';

const headers = mainnetHeaders();
const AFTER_THEM = 1_300_000_000; // 2011, after block 1111 (early 2009)
const chainOf = (): HeaderChain => new HeaderChain(CHAIN_PARAMS.mainnet, { now: () => AFTER_THEM });

describe('mainnet headers 1..1111', () => {
  it('all validate and become the active chain', () => {
    const chain = chainOf();
    const result = chain.acceptHeaders(headers);
    expect(result.error).toBeNull();
    expect(result.added.length).toBe(1111);
    expect(chain.height).toBe(1111);
    expect(hashToHex(chain.tip.hash)).toMatch(/^00000000ca5976/);
    expect(hashToHex(chain.tip.hash).endsWith('5805')).toBe(true);
    expect(chain.tip.work).toBe(1112n * 0x100010001n);
    expect(result.tipChange?.connected.length).toBe(1111);
    expect(result.tipChange?.reorg).toBe(false);
  });

  it('go in straight from a decoded headers message: its 80-byte views, nothing re-serialised', () => {
    const chain = chainOf();
    for (let from = 0; from < headers.length; from += 2000) {
      const batch = headers.slice(from, from + 2000);
      // The payload as a peer sends it: a count, then each header and a zero transaction count.
      const payload = Buffer.concat([Buffer.from([0xfd, batch.length & 0xff, batch.length >> 8]), ...batch.flatMap((h) => [h, Buffer.from([0])])]);
      const list = decodePayload('headers', payload).payload as HeadersList;
      expect(list.rawHeaders.every((raw) => raw.buffer === payload.buffer)).toBe(true);
      expect(chain.acceptHeaders(list.rawHeaders).error).toBeNull();
    }
    expect(chain.height).toBe(1111);
    expect(hashToHex(chain.tip.hash)).toMatch(/^00000000ca5976/);
  });

  it('are refused with time-too-new by a clock more than two hours before them', () => {
    const chain = new HeaderChain(CHAIN_PARAMS.mainnet, { now: () => 1231006505 });
    const result = chain.acceptHeaders(headers);
    expect(result.error?.code).toBe('time-too-new');
    expect(result.error?.misbehaviour).toBe(false);
  });

  it('a changed byte in any header makes that header fail with a typed error', () => {
    const base = chainOf();
    base.acceptHeaders(headers.slice(0, 500));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: headers.length - 1 }), fc.integer({ min: 0, max: 79 }), fc.integer({ min: 1, max: 255 }), (i, at, xor) => {
        const chain = chainOf();
        chain.acceptHeaders(headers.slice(0, i));
        const changed = Buffer.from(headers[i]!);
        changed[at] = changed[at]! ^ xor;
        const result = chain.acceptHeaders([changed]);
        expect(result.error).toBeInstanceOf(ChainError);
        expect(['high-hash', 'bad-prev', 'bad-diffbits', 'time-too-old', 'time-too-new', 'bad-version']).toContain(result.error!.code);
        expect(result.added.length).toBe(0);
        expect(chain.height).toBe(i);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a header whose parent is unknown, and treats a repeated header as harmless', () => {
    const chain = chainOf();
    const skipped = chain.acceptHeaders([headers[1]!]);
    expect(skipped.error?.code).toBe('bad-prev');
    expect(skipped.error?.misbehaviour).toBe(true);
    chain.acceptHeaders(headers.slice(0, 10));
    const again = chain.acceptHeaders(headers.slice(0, 10));
    expect(again.error).toBeNull();
    expect(again.duplicates).toBe(10);
    expect(again.tipChange).toBeNull();
  });
});
