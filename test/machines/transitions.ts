// Records which transitions a chart takes, by the key machines/describe.ts gives each, for coverage tests.
import type { AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { describeTransition } from '../../machines/describe.js';

/** A set of transition keys, and the `inspect` callback that fills it from an actor's microsteps. */
export function transitionRecorder(): { taken: Set<string>; inspect(event: InspectionEvent): void } {
  const taken = new Set<string>();
  return {
    taken,
    inspect(event) {
      if (event.type !== '@xstate.microstep') return;
      for (const t of event._transitions as AnyTransitionDefinition[]) taken.add(describeTransition(t).key);
    },
  };
}
