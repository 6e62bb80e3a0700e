// Which messages the peer chart reacts to one by one: the commands with a transition of their own.
import type { AnyStateMachine } from 'xstate';
import { listTransitions } from '../describe.js';

const PAYLOAD = 'payload.';
const cache = new WeakMap<AnyStateMachine, ReadonlySet<string>>();

/**
 * The commands for which `machine` has a `payload.<command>` transition somewhere (the wildcard
 * and the batch aside), read from its definition: the codec sends these one event each and batches
 * the rest, so a transition added to the chart is never skipped by a batch. Computed once per machine.
 */
export function commandsWithTransitions(machine: AnyStateMachine): ReadonlySet<string> {
  let commands = cache.get(machine);
  if (!commands) {
    commands = new Set(
      listTransitions(machine)
        .map((t) => t.event)
        .filter((event) => event.startsWith(PAYLOAD) && event !== 'payload.*' && event !== 'payload.batch')
        .map((event) => event.slice(PAYLOAD.length)),
    );
    cache.set(machine, commands);
  }
  return commands;
}
