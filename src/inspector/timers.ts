// The delayed transitions an actor is waiting for, read from XState's scheduler: which delay, on
// which state, how long, and when it fires. The node reports them so that a page never has to
// guess a delay's value or when its state was entered.
import type { AnyActorRef, AnyStateMachine } from 'xstate';

/** One `after` transition an active state has scheduled and that has not fired yet. */
export interface TimerRecord {
  /** The event it will deliver, e.g. `xstate.after.pingInterval.peer.session.link.connected.idle`. */
  event: string;
  /** The delay's name in the chart (`pingInterval`), or its ms as text when the chart gives a number. */
  delay: string;
  /** The id of the state whose entry started it. */
  stateId: string;
  /** Its length, in ms, as the machine resolved it (backoffDelay with its jitter, say). */
  ms: number;
  /** When it was started (ms since the epoch): when its state was entered. */
  startedAt: number;
  /** When it fires (ms since the epoch). */
  dueAt: number;
}

interface Scheduled {
  delay?: unknown;
  startedAt?: unknown;
}

/**
 * XState keeps every delayed event of a system in one table keyed `<source session id>.<id>`, and
 * an `after` transition's id is its event type. The table is read in place when XState exposes it
 * (`system._snapshot`), because `system.getSnapshot()` copies all of it: with thousands of peers
 * in one system (a pool) that copy, per snapshot, would cost more than the rest of the inspector.
 */
function scheduledTable(actorRef: AnyActorRef): Record<string, Scheduled> {
  const system = actorRef.system as {
    _snapshot?: { _scheduledEvents?: Record<string, Scheduled> };
    getSnapshot?: () => { _scheduledEvents?: Record<string, Scheduled> };
  };
  return system._snapshot?._scheduledEvents ?? system.getSnapshot?.()._scheduledEvents ?? {};
}

/**
 * The `after` timers of the active states `activeIds` of an actor running `machine`, soonest
 * first: looked up by key, so the cost does not grow with the other actors of its system. Delayed
 * events sent otherwise (`raise` with a delay and an id of its own) are not listed.
 */
export function actorTimers(actorRef: AnyActorRef, machine: AnyStateMachine, activeIds: readonly string[]): TimerRecord[] {
  const table = scheduledTable(actorRef);
  const timers: TimerRecord[] = [];
  const seen = new Set<string>();
  for (const id of activeIds) {
    let node: AnyStateMachine['root'];
    try {
      node = machine.getStateNodeById(id);
    } catch {
      continue;
    }
    for (const transition of node.after) {
      const event = transition.eventType;
      if (seen.has(event)) continue;
      seen.add(event);
      const entry = table[`${actorRef.sessionId}.${event}`];
      if (typeof entry?.delay !== 'number' || typeof entry.startedAt !== 'number') continue;
      timers.push({
        event,
        delay: typeof transition.delay === 'function' ? 'delay' : String(transition.delay),
        stateId: node.id,
        ms: entry.delay,
        startedAt: entry.startedAt,
        dueAt: entry.startedAt + entry.delay,
      });
    }
  }
  return timers.sort((a, b) => a.dueAt - b.dueAt);
}
