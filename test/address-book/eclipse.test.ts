// The eclipse figure: after 10,000 honest addresses from many sources in many groups, attacker
// peers flood ten addr messages of 1,000 addresses stamped 10 minutes ahead, through the whole
// intake path (token bucket, time penalty, routability and services, the tables). The attacker's
// share of 1,000 selections must stay under 10 %, whatever the attack and the secret key.
import { describe, expect, it } from 'vitest';
import { ECLIPSE_ATTACKS, HONEST_ADDRESSES, runEclipse, SELECTIONS } from '../../testkit/eclipse/eclipse.js';

describe('eclipse resistance', () => {
  it.each(ECLIPSE_ATTACKS.flatMap((attack) => [1, 2].map((seed) => [attack.name, seed, attack] as const)))(
    '%s (seed %d): the attacker gets under 10 % of selections',
    (_name, seed, attack) => {
      const outcome = runEclipse(attack, 'addrman', seed);
      expect(outcome.honest).toBeGreaterThanOrEqual(HONEST_ADDRESSES);
      expect(outcome.selections).toBe(SELECTIONS);
      expect(outcome.attackerSelections / SELECTIONS).toBeLessThan(0.1);
      // The token bucket let through one message's worth per attacker peer (its getaddr answer).
      expect(outcome.rateLimited).toBeGreaterThanOrEqual(attack.sources * 8_000);
      // One source group reaches at most 64 of the 1,024 new buckets (64 slots each).
      expect(outcome.attacker).toBeLessThanOrEqual(64 * 64);
    },
    30_000,
  );
});
