/**
 * Reconnect soak: 2,000 connect → handshake → peer closes → backoff → reconnect cycles of the real
 * peer machine (real TCP on loopback, real codec) against a lean local peer, with time simulated.
 * At the end no socket, server or timer is left and the heap, after collection, is where it was
 * after warming up. Counts and bytes are asserted, never durations.
 */
import { describe, expect, it } from 'vitest';
import {
  type CountingRun,
  type LeanPeer,
  type MemoryFigures,
  MB,
  mb,
  memoryAfterGc,
  startCounting,
  startLeanPeer,
  stopNow,
} from '../../testkit/endurance.js';
import { testScope } from '../machines/harness.js';

const CYCLES = 2000;
/** Cycles run before the first heap measurement: JIT, caches and pools settle first. */
const WARM_UP = 500;
/** A second measurement half-way through what is left, to see the trend. */
const MIDDLE = 1250;
/** Allowed heap growth from the warm-up to the end, after collection. */
const HEAP_BOUND = 3 * MB;
/** Allowed heap growth over the second half (750 cycles): under 1.4 kB a cycle. */
const SECOND_HALF_BOUND = 1 * MB;

const { cleanups, expectNoNewHandles } = testScope();

describe('reconnect soak', () => {
  it(`${CYCLES} connect → handshake → peer closes → backoff → reconnect cycles leak no socket, timer or heap`, async () => {
    // The peer closes each of the first CYCLES connections once our post-handshake ping arrives
    // (so the machine really was connected), and keeps the one after them.
    let closesLeft = CYCLES;
    const peer: LeanPeer = await startLeanPeer({
      onMessage: (conn, message) => {
        if (message.command === 'ping' && closesLeft > 0) {
          closesLeft--;
          conn.socket.end();
        }
      },
    });
    cleanups.push(() => peer.close());
    // Backoffs at which the loop pauses for a heap measurement.
    const holds = new Set([WARM_UP, MIDDLE]);

    const started = performance.now();
    const run: CountingRun = startCounting(
      {
        port: peer.port,
        connectOnStart: true,
        onDisconnect: 'reconnect',
        maxRetries: 1_000_000,
        backoff: { initialMs: 1, multiplier: 1, jitter: 0 },
      },
      {
        onEmitted: (event, r) => {
          // Drive the backoff timer on the simulated clock, except where the test wants a pause.
          if (event.type === 'state' && event.state === 'backoff' && !holds.has(r.entered.backoff)) {
            queueMicrotask(() => r.clock.increment(r.actor.getSnapshot().context.backoffMs));
          }
        },
      },
    );
    cleanups.push(() => {
      run.actor.stop();
    });

    const measureAt = async (backoffs: number): Promise<MemoryFigures> => {
      await run.until(() => run.entered.backoff === backoffs && run.state() === 'backoff', `${backoffs} backoffs`, 30_000);
      const figures = await memoryAfterGc();
      run.clock.increment(run.actor.getSnapshot().context.backoffMs);
      return figures;
    };
    const warm = await measureAt(WARM_UP);
    const middle = await measureAt(MIDDLE);

    await run.until(
      () => run.emitted.handshake === CYCLES + 1 && run.state() === 'connected',
      `${CYCLES + 1} handshakes`,
      60_000,
    );
    const elapsedMs = performance.now() - started;

    const stop = stopNow(run);
    expect(stop).toEqual({ status: 'done', output: { reason: 'user-stop', cause: 'user-stop', retries: 0 }, timers: 0 });

    // Exactly the cycles asked for, each through every lifecycle state, none failing another way.
    expect(run.entered).toEqual({
      disconnected: 0,
      connecting: CYCLES + 1,
      handshaking: CYCLES + 1,
      connected: CYCLES + 1,
      backoff: CYCLES,
      stopped: 1,
    });
    const lost = (run.disconnects['socket-closed'] ?? 0) + (run.disconnects['socket-error'] ?? 0);
    expect(lost).toBe(CYCLES);
    expect(run.disconnects['user-stop']).toBe(1);
    expect(Object.values(run.disconnects).reduce((a, b) => a + b, 0)).toBe(CYCLES + 1);
    expect(run.actor.getSnapshot().context.attempts).toBe(CYCLES + 1);
    expect(peer.accepted).toBe(CYCLES + 1);
    expect(run.errors).toEqual([]);

    await peer.close();
    await expectNoNewHandles();

    const end = await memoryAfterGc();
    console.log(
      `soak: ${CYCLES} cycles in ${(elapsedMs / 1000).toFixed(1)} s (${(elapsedMs / CYCLES).toFixed(2)} ms a cycle); ` +
        `heap at cycle ${WARM_UP} ${mb(warm.heap)}, at ${MIDDLE} ${mb(middle.heap)}, at the end ${mb(end.heap)} ` +
        `(growth ${mb(end.heap - warm.heap)}, second half ${mb(end.heap - middle.heap)}); ` +
        `buffers ${mb(warm.buffers)} → ${mb(end.buffers)}`,
    );
    expect(end.heap - warm.heap).toBeLessThan(HEAP_BOUND);
    expect(end.heap - middle.heap).toBeLessThan(SECOND_HALF_BOUND);
    expect(end.buffers - warm.buffers).toBeLessThan(MB);
  }, 120_000);
});
