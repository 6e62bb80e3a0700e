// A machine's own definition as plain JSON, for the inspector page to draw: the tree of states and
// every transition, read from the machine itself (never a hand-kept copy of the chart).
import type { AnyStateMachine, StateValue } from 'xstate';
import { listTransitions, type TransitionInfo } from '../../machines/describe.js';

type StateNodeLike = AnyStateMachine['root'];

/** The kinds of state XState knows. */
export type StateType = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

/** One state of a machine, as JSON for the page. */
export interface StateJson {
  /** The state node's id, e.g. `peer.session.link.connected`; what snapshots' active ids name. */
  id: string;
  key: string;
  /** What the state means, from its `description` in the machine. */
  description: string | null;
  type: StateType;
  /** For compound states: the id of the initial child. */
  initial: string | null;
  /** Names of the actors this state invokes (they live exactly as long as the state). */
  invoke: string[];
  states: StateJson[];
}

/** A machine's definition as the inspector page draws it. */
export interface MachineDefinition {
  id: string;
  root: StateJson;
  /** Every transition, targetless ones included (they are actions inside their source state). */
  transitions: TransitionInfo[];
}

function invokeName(invoke: { id?: string; src?: unknown }): string {
  return typeof invoke.src === 'string' ? invoke.src : (invoke.id ?? 'actor');
}

function stateJson(node: StateNodeLike): StateJson {
  const children = Object.values(node.states) as StateNodeLike[];
  const initial = node.type === 'compound' ? (node.initial?.target[0]?.id ?? null) : null;
  return {
    id: node.id,
    key: node.key,
    description: node.description ?? null,
    type: node.type as StateType,
    initial,
    invoke: (node.invoke ?? []).map(invokeName),
    states: children.map(stateJson),
  };
}

/** The definition the page lays out: the states tree and listTransitions' edges. */
export function machineDefinition(machine: AnyStateMachine): MachineDefinition {
  return { id: machine.id, root: stateJson(machine.root), transitions: listTransitions(machine) };
}

/**
 * The ids of the active state nodes, from outermost to innermost, for a snapshot's `value`.
 * Computed here rather than in the page, because ids need not follow the key path (`id:` on a
 * state overrides it) and only the machine knows.
 */
export function activeStateIds(machine: AnyStateMachine, value: StateValue): string[] {
  const ids: string[] = [machine.root.id];
  const walk = (node: StateNodeLike, v: StateValue): void => {
    if (typeof v === 'string') {
      const child = node.states[v] as StateNodeLike | undefined;
      if (child) ids.push(child.id);
      return;
    }
    for (const [key, sub] of Object.entries(v)) {
      const child = node.states[key] as StateNodeLike | undefined;
      if (!child) continue;
      ids.push(child.id);
      if (sub !== undefined) walk(child, sub as StateValue);
    }
  };
  walk(machine.root, value);
  return ids;
}
