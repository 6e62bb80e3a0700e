// An option passed as `undefined` (as a caller forwarding its own optional settings does) keeps its
// default, in every machine that takes options.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { addressFetchMachine } from '../../machines/address-fetch.js';
import { DEFAULT_BACKOFF, DEFAULTS, resolvePeerOptions } from '../../machines/peer/options.js';
import { SYNC_DEFAULTS, syncMachine } from '../../machines/sync.js';

describe('options given as undefined', () => {
  it('keep their defaults in the peer', () => {
    const options = resolvePeerOptions({
      host: '127.0.0.1',
      maxRetries: undefined,
      pingIntervalMs: undefined,
      userAgent: undefined,
      backoff: { initialMs: undefined, jitter: 0 },
    });
    expect(options).toMatchObject({
      maxRetries: DEFAULTS.maxRetries,
      pingIntervalMs: DEFAULTS.pingIntervalMs,
      userAgent: DEFAULTS.userAgent,
      port: 8333,
      backoff: { ...DEFAULT_BACKOFF, jitter: 0 },
    });
  });

  it('keep their defaults in the sync machine', () => {
    const actor = createActor(syncMachine, { input: { requestTimeoutMs: undefined } });
    expect(actor.getSnapshot().context.options.requestTimeoutMs).toBe(SYNC_DEFAULTS.requestTimeoutMs);
  });

  it('keep their defaults in the address fetch', () => {
    const actor = createActor(addressFetchMachine, {
      input: { seeds: [], network: 'regtest', concurrency: undefined, addrTimeoutMs: undefined, wanted: undefined },
    });
    expect(actor.getSnapshot().context.options).toMatchObject({
      concurrency: 3,
      addrTimeoutMs: 30_000,
      wanted: Number.POSITIVE_INFINITY,
      network: 'regtest',
    });
  });
});
