/**
 * Every input the fuzz campaign (`npm run fuzz`, bench/fuzz/) found failing, and a few made by
 * hand, kept as files in test/endurance/vectors/ and replayed here through the campaign's own
 * checks (testkit/fuzz/checks.ts): the framer and decoders (only ProtocolError, the same events
 * whatever the chunking, decode → encode → decode stable) and a connected peer machine over the
 * in-memory socket against the oracle, plus the stream's class as the vector records it.
 *
 * A vector of a hang is replayed in a worker thread under a time limit; one of memory growth is
 * replayed `repeat` times and memory after GC must stay bounded. With no vector at all, the
 * directory must still exist: the campaign writes there.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayInThread } from '../../testkit/fuzz/replay.js';
import { loadVectors, replayVector, VECTORS_DIR, vectorChunks } from '../../testkit/fuzz/vectors.js';
import { MB, mb, memoryAfterGc } from '../../testkit/endurance.js';

const ENTRIES = loadVectors();
const HANG_LIMIT_MS = 10_000;
const GROWTH_LIMIT = 16 * MB;

describe('fuzz vectors (test/endurance/vectors/)', () => {
  it('the directory exists, and every file in it is a valid vector', () => {
    expect(statSync(VECTORS_DIR).isDirectory()).toBe(true);
    // loadVectors has parsed and checked each file; a bad one fails the whole suite at load.
    for (const { vector } of ENTRIES) expect(vector.chunks.length).toBeGreaterThan(0);
  });

  for (const { file, vector } of ENTRIES) {
    const repeat = vector.repeat ?? 1;
    const title = `${file}: ${vector.name}${vector.expected ? ` → ${vector.expected.end}, ${vector.expected.pings} ping(s)` : ''}`;

    if (vector.failure === 'hang') {
      it(
        `${title} (in a thread, within ${HANG_LIMIT_MS / 1000} s)`,
        async () => {
          expect(await replayInThread(path.join(VECTORS_DIR, file), HANG_LIMIT_MS)).toEqual([]);
        },
        HANG_LIMIT_MS + 20_000,
      );
      continue;
    }

    it(
      repeat > 1 ? `${title} (${repeat} times, memory bounded)` : title,
      async () => {
        const chunks = vectorChunks(vector);
        expect(replayVector(vector, chunks)).toEqual([]);
        if (repeat === 1) return;
        const before = await memoryAfterGc();
        for (let i = 1; i < repeat; i++) {
          const problems = replayVector(vector, chunks);
          if (problems.length > 0) expect.fail(`replay ${i + 1} of ${repeat}: ${problems.join('; ')}`);
        }
        const after = await memoryAfterGc();
        console.log(`${file}: heap ${mb(before.heap)} → ${mb(after.heap)}, buffers ${mb(before.buffers)} → ${mb(after.buffers)}`);
        expect(after.heap - before.heap).toBeLessThan(GROWTH_LIMIT);
        expect(after.buffers - before.buffers).toBeLessThan(GROWTH_LIMIT);
      },
      repeat > 1 ? 120_000 : 20_000,
    );
  }
});
