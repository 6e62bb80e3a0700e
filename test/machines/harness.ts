// Runs the real peer machine (real TCP, real codec) on a simulated clock, and records what it emits
// and which transitions it takes.
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, expect } from 'vitest';
import { createActor, SimulatedClock, toPromise, waitFor } from 'xstate';
import type { PeerInput } from '../../machines/peer/options.js';
import type { LifecycleState, PeerEmitted, PeerOutput } from '../../machines/peer/types.js';
import { lifecycleState, type PeerMachine } from '../../machines/peer.js';
import { createPeerMachine } from '../../src/peer.js';
import { openHandles, settle } from '../../testkit/handles.js';
import { transitionRecorder } from './transitions.js';

const recorder = transitionRecorder();
/** Transition keys taken by every machine run in this test file. */
export const takenTransitions = recorder.taken;
/** The `inspect` callback that records into takenTransitions. */
export const recordTransitions = recorder.inspect;

export interface PeerRun {
  actor: ReturnType<typeof createActor<PeerMachine>>;
  clock: SimulatedClock;
  emitted: PeerEmitted[];
  /** Lifecycle names in the order they were entered. */
  states(): LifecycleState[];
  of<T extends PeerEmitted['type']>(type: T): Extract<PeerEmitted, { type: T }>[];
  waitForState(state: LifecycleState): Promise<void>;
  /** Waits (real time, bounded) until `predicate` holds for the emitted events. */
  until(predicate: (emitted: PeerEmitted[]) => boolean): Promise<void>;
  done: Promise<PeerOutput>;
  /** Timers the machine still has scheduled on the simulated clock. */
  pendingTimers(): number;
}

const WAIT_MS = 5000;

export function runPeer(input: PeerInput, machine: PeerMachine = createPeerMachine()): PeerRun {
  const clock = new SimulatedClock();
  const emitted: PeerEmitted[] = [];
  const actor = createActor(machine, {
    clock,
    inspect: recordTransitions,
    input: {
      network: 'regtest',
      // The chart's v1 paths; the v2 key exchange has tests of its own that ask for it.
      transport: 'v1',
      now: () => clock.now(),
      ...input,
      backoff: { jitter: 0, ...input.backoff },
    },
  });
  const listeners = new Set<() => void>();
  actor.on('*', (event) => {
    emitted.push(event as PeerEmitted);
    for (const l of listeners) l();
  });
  const done = toPromise(actor);
  actor.start();
  const until = (predicate: (e: PeerEmitted[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      if (predicate(emitted)) return resolve();
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`condition not met within ${WAIT_MS} ms; states: ${run.states().join(' → ')}`));
      }, WAIT_MS);
      const check = (): void => {
        if (!predicate(emitted)) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
    });
  const run: PeerRun = {
    actor,
    clock,
    emitted,
    states: () => emitted.flatMap((e) => (e.type === 'state' ? [e.state] : [])),
    of: <T extends PeerEmitted['type']>(type: T) =>
      emitted.filter((e): e is Extract<PeerEmitted, { type: T }> => e.type === type),
    waitForState: async (state) => {
      await waitFor(actor, (s) => lifecycleState(s) === state, { timeout: WAIT_MS });
    },
    until,
    done,
    pendingTimers: () => (clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size,
  };
  return run;
}

export type Cleanup = () => Promise<void> | void;

/**
 * Registers, for every test of the calling file, cleanups run in reverse after the test, and a
 * handle count taken before it: `expectNoNewHandles()` fails if the test left a socket, a server
 * or a timer that was not there when it started.
 */
export function testScope(): { cleanups: Cleanup[]; expectNoNewHandles(): Promise<void> } {
  const cleanups: Cleanup[] = [];
  let baseline: Record<string, number> = {};
  beforeEach(() => {
    baseline = openHandles();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    cleanups,
    async expectNoNewHandles() {
      // Vitest's runner keeps a timer of its own for up to 100 ms after a test or hook reports
      // progress (its throttled task updates): give the count a moment to settle before judging.
      const excess = (): [string, number][] =>
        Object.entries(openHandles()).filter(([kind, count]) => count > (baseline[kind] ?? 0));
      const guard = Date.now() + 2000;
      await settle();
      while (excess().length > 0 && Date.now() < guard) await delay(10);
      for (const [kind, count] of Object.entries(openHandles())) {
        expect(count, kind).toBeLessThanOrEqual(baseline[kind] ?? 0);
      }
    },
  };
}
