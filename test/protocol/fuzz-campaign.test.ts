/**
 * A short, seeded, count-bounded run of the fuzz campaign's codec target (`npm run fuzz` runs it
 * for as long as asked, with the peer target beside it; bench/fuzz/): the endurance suite's
 * mutated streams, damaged payloads under valid checksums and noise, in random chunkings, through
 * the Framer and the decoders with the campaign's checks (only ProtocolError, the same events
 * whatever the chunking, decode → encode → decode stable, bounded buffers).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codecTarget, emptyStats } from '../../testkit/fuzz/targets.js';

const SEED = 0x0c0d_ec5e;
const CASES = 3000;

describe('fuzz campaign, codec target (seeded, count-bounded)', () => {
  it(`${CASES} streams pass every codec check`, () => {
    const stats = emptyStats();
    fc.assert(
      fc.property(codecTarget.arbitrary, (chunks) => {
        const problems = codecTarget.check(chunks, stats);
        if (problems.length > 0) expect.fail(problems.join('\n'));
      }),
      { seed: SEED, numRuns: CASES },
    );
    // Every path is exercised: messages, drops, fatal ends, decodes and rejections.
    expect(stats.cases).toBeGreaterThanOrEqual(CASES);
    for (const count of Object.values(stats.codec)) expect(count).toBeGreaterThan(CASES / 20);
  });
});
