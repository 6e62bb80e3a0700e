/**
 * The default nonce source: drawn from the system's generator in blocks, never 0, and not
 * repeating across a block boundary (counts only).
 */
import { describe, expect, it } from 'vitest';
import { cryptoNonce } from '../../machines/peer/messages.js';

describe('cryptoNonce', () => {
  it('gives 2,000 nonces across several refills: none is 0, none repeats', () => {
    const nonces = Array.from({ length: 2000 }, () => cryptoNonce());
    expect(nonces.every((n) => typeof n === 'bigint' && n > 0n && n < 2n ** 64n)).toBe(true);
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
