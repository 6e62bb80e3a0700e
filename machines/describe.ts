// Reads a machine's own definition: the list of its transitions, for the coverage test, the
// README diagram and the inspector, so that none of them keeps a hand-written copy of the chart.
import type { AnyStateMachine, AnyTransitionDefinition } from 'xstate';

export interface TransitionInfo {
  /** Stable identity: source, event, guard and targets. */
  key: string;
  source: string;
  /** The event as written in the chart: `CONNECT`, `payload.ping`, `after connectTimeout`, `always`, `done`. */
  event: string;
  guard: string | null;
  targets: string[];
  actions: string[];
}

type StateNodeLike = AnyStateMachine['root'];

export function describeTransition(t: AnyTransitionDefinition): TransitionInfo {
  const source = t.source.id;
  const event = eventLabel(t);
  const guard = guardName(t.guard);
  const targets = (t.target ?? []).map((n: StateNodeLike) => n.id);
  const actions = (t.actions ?? []).map(actionName);
  return {
    key: `${source} ${event}${guard ? ` [${guard}]` : ''} → ${targets.join(',') || '(self)'}`,
    source,
    event,
    guard,
    targets,
    actions,
  };
}

export function listTransitions(machine: AnyStateMachine): TransitionInfo[] {
  const out: TransitionInfo[] = [];
  const visit = (node: StateNodeLike): void => {
    for (const list of node.transitions.values()) for (const t of list) out.push(describeTransition(t));
    for (const t of node.always ?? []) out.push(describeTransition(t));
    for (const child of Object.values(node.states) as StateNodeLike[]) visit(child);
  };
  visit(machine.root);
  return out;
}

function eventLabel(t: AnyTransitionDefinition): string {
  const type: string = t.eventType;
  if (type === '') return 'always';
  if (type.startsWith('xstate.after.')) {
    const delay = type.slice('xstate.after.'.length).split('.')[0];
    return `after ${delay}`;
  }
  if (type.startsWith('xstate.done.state.')) return 'done';
  return type;
}

function guardName(guard: unknown): string | null {
  if (!guard) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard)
    return String((guard as { type: unknown }).type);
  return 'inline';
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action;
  if (typeof action === 'object' && action !== null && 'type' in action)
    return String((action as { type: unknown }).type);
  if (typeof action === 'function') return (action as { type?: string }).type ?? 'inline';
  return 'inline';
}
