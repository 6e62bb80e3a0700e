// Reads a machine's own definition: the list of its transitions, for the coverage test, the
// README diagram and the inspector, so that none of them keeps a hand-written copy of the chart.
import type { AnyStateMachine, AnyTransitionDefinition } from 'xstate';

/** One transition of a chart, as read from the machine's definition. */
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

/** One transition as TransitionInfo: its key, source, event, guard, targets and actions. */
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

/** Every transition of a machine, targetless ones included, read from its definition. */
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

/** A state and what its `description` says, for tables and tooltips. */
export interface StateDescription {
  /** The state's id, e.g. `peer.session.link.connected`. */
  id: string;
  /** The path of keys below the machine, e.g. `session.link.connected`. */
  path: string;
  description: string | null;
}

/** Every state of a machine, parents before children, with its description. */
export function describeStates(machine: AnyStateMachine): StateDescription[] {
  const out: StateDescription[] = [];
  const visit = (node: StateNodeLike): void => {
    for (const child of Object.values(node.states) as StateNodeLike[]) {
      out.push({ id: child.id, path: child.path.join('.'), description: child.description ?? null });
      visit(child);
    }
  };
  visit(machine.root);
  return out;
}

/** The first clause of a description: short enough to sit inside a state's box. */
export function summary(description: string): string {
  const clause = description.split(/[:;]|\.(?:\s|$)/)[0]!.trim();
  return clause.length > 60 ? `${clause.slice(0, 57).trimEnd()}…` : clause;
}

/**
 * The chart as a Mermaid state diagram: every state (nested ones inside their parents, parallel
 * regions separated), simple states with the first clause of their description, every transition that changes
 * state, labelled with event and guard.
 */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  const mermaidId = (node: StateNodeLike): string => node.path.join('_') || node.id;
  const render = (node: StateNodeLike, indent: string): void => {
    const children = Object.values(node.states) as StateNodeLike[];
    if (node.type !== 'parallel' && node.initial) {
      const initial = node.initial.target[0] as StateNodeLike | undefined;
      if (initial) lines.push(`${indent}[*] --> ${mermaidId(initial)}`);
    }
    children.forEach((child, i) => {
      if (node.type === 'parallel' && i > 0) lines.push(`${indent}--`);
      const id = mermaidId(child);
      const grand = Object.values(child.states);
      if (grand.length > 0) {
        lines.push(`${indent}state "${child.key}" as ${id} {`);
        render(child, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${child.key}" as ${id}`);
      }
      // Mermaid shows descriptions only in simple states; composite ones are explained by their children.
      if (child.description && grand.length === 0) lines.push(`${indent}${id} : ${summary(child.description)}`);
      if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
    });
  };
  render(machine.root, '  ');
  for (const t of listTransitions(machine)) {
    if (t.targets.length === 0) continue;
    const source = machine.getStateNodeById(t.source);
    for (const targetId of t.targets) {
      const label = `${t.event}${t.guard ? ` [${t.guard}]` : ''}`;
      lines.push(`  ${mermaidId(source)} --> ${mermaidId(machine.getStateNodeById(targetId))}: ${label}`);
    }
  }
  return lines.join('\n');
}
