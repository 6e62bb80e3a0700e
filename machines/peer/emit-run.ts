// How a run of `message` events reaches the embedder: in one deferred step where the installed XState allows it.
import type { AnyActorRef } from 'xstate';
import type { PeerMessageEvent } from './types.js';

/** What a running XState actor uses to emit: `defer` runs after the macrostep, as XState's own `emit` action does. */
interface Emitter {
  defer(fn: () => void): void;
  emit(event: PeerMessageEvent): void;
}

/**
 * The actor's own emitter, or null when this XState has none where 5.x keeps it (or `self` is not a
 * running actor, as in a pure `transition()`). XState resolves every `emit` action on its own, about
 * 1.5 µs each here: more than decoding a small message, and the largest cost of a flood of them. The
 * run takes this private path only for speed; it delivers the same events, in the same order, at the
 * same point of the macrostep, and falls back to one `emit` action per event (see `canEmitRun`).
 */
function emitterOf(self: AnyActorRef): Emitter | null {
  const scope = (self as unknown as { _actorScope?: Partial<Emitter> })._actorScope;
  return typeof scope?.defer === 'function' && typeof scope.emit === 'function' ? (scope as Emitter) : null;
}

/** Whether `emitRun` can deliver a run through `self`'s emitter; if not, emit each event as an action. */
export const canEmitRun = (self: AnyActorRef): boolean => emitterOf(self) !== null;

/**
 * Delivers `events` to the actor's listeners, in order, once the current macrostep is over, then
 * empties the array: XState keeps the action that carried it within reach of V8's young-generation
 * collector (see the codec's `handedOver`), and a delivered run must not live on through it.
 */
export function emitRun(self: AnyActorRef, events: PeerMessageEvent[]): void {
  const emitter = emitterOf(self);
  if (!emitter) throw new Error('emitRun: this actor has no emitter; check canEmitRun first');
  emitter.defer(() => {
    for (const event of events) emitter.emit(event);
    events.length = 0;
  });
}
