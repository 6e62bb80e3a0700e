// Inspection events made safe to send to a browser: JSON only, bounded in size, and never the
// bytes a peer sent us. Snapshots hold a net.Socket (inbound peers' `accepted`), clock and random
// functions, bigints and Buffers; events carry whole socket chunks. None of that leaves as it is.
import { EventEmitter } from 'node:events';
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type InspectionEvent,
  StateMachine,
  type StateValue,
} from 'xstate';
import { activeStateIds } from './definition.js';
import { type Headline, headlineFor } from './headline.js';
import { actorTimers, type TimerRecord } from './timers.js';

/** A JSON value, as the inspector sends it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SummaryLimits {
  /** Nesting below which values become `'…'`. */
  depth: number;
  /** Items kept of an array, a Set or a Map; the rest are counted. */
  items: number;
  /** Characters kept of a string. */
  chars: number;
}

export const SUMMARY_LIMITS: SummaryLimits = { depth: 8, items: 50, chars: 2000 };

const isActorRef = (value: object): value is AnyActorRef =>
  typeof (value as { sessionId?: unknown }).sessionId === 'string' &&
  typeof (value as { send?: unknown }).send === 'function';

/**
 * A JSON summary of any value: bigints as decimal strings, bytes as `{ bytes: N }` (the length,
 * never the content), errors as name/message/code, actor references by id; functions, symbols,
 * sockets and other event emitters dropped (`undefined`); long strings and lists cut.
 */
export function summarise(value: unknown, limits: SummaryLimits = SUMMARY_LIMITS): Json | undefined {
  const seen = new WeakSet<object>();
  const visit = (v: unknown, depth: number): Json | undefined => {
    switch (typeof v) {
      case 'string':
        return v.length > limits.chars ? `${v.slice(0, limits.chars)}… (${v.length} chars)` : v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return v.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (v === null) return null;
    const object = v as object;
    if (ArrayBuffer.isView(object)) return { bytes: object.byteLength };
    if (object instanceof ArrayBuffer) return { bytes: object.byteLength };
    // Sockets, servers, streams: live handles with nothing a page could use.
    if (object instanceof EventEmitter) return undefined;
    if (isActorRef(object)) return { actor: object.id };
    if (object instanceof Error) {
      const code = (object as { code?: unknown }).code;
      return { name: object.name, message: object.message, ...(typeof code === 'string' ? { code } : {}) };
    }
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
    if (seen.has(object)) return '[circular]';
    if (depth >= limits.depth) return '…';
    seen.add(object);
    try {
      if (Array.isArray(object)) return visitList(object.slice(0, limits.items), object.length, depth);
      // A crawl's set of every address it heard of may hold thousands: read only what is kept.
      if (object instanceof Set) return visitList(first(object.values(), limits.items), object.size, depth);
      if (object instanceof Map) {
        const entries = first(object.entries(), limits.items * 4 + 1).map(([k, x]): [string, unknown] => [String(k), x]);
        return visitEntries(entries, depth, object.size);
      }
      // Snapshots (and anything else that knows its JSON form) say what they are made of.
      const toJSON = (object as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return visit(toJSON.call(object), depth);
      return visitEntries(Object.entries(object), depth);
    } finally {
      seen.delete(object);
    }
  };
  const visitList = (kept: unknown[], size: number, depth: number): Json[] => {
    const out: Json[] = [];
    for (const item of kept) out.push(visit(item, depth + 1) ?? null);
    if (size > limits.items) out.push(`… ${size - limits.items} more`);
    return out;
  };
  const visitEntries = (entries: [string, unknown][], depth: number, size = entries.length): { [key: string]: Json } => {
    const out: { [key: string]: Json } = {};
    let kept = 0;
    for (const [key, item] of entries) {
      const summary = visit(item, depth + 1);
      if (summary === undefined) continue;
      if (kept++ === limits.items * 4) {
        out['…'] = `${size - kept + 1} more keys`;
        break;
      }
      out[key] = summary;
    }
    return out;
  };
  return visit(value, 0);
}

/** The first `count` values of an iterator, without reading the rest. */
function first<T>(values: Iterator<T>, count: number): T[] {
  const out: T[] = [];
  for (let next = values.next(); !next.done && out.length < count; next = values.next()) out.push(next.value);
  return out;
}

/** What the inspector page receives: one record per inspection event it cares about. */
export type InspectorRecord = ActorRecord | EventRecord | EmittedRecord | SnapshotRecord;

interface RecordBase {
  /** Increasing number, per inspector; a page uses it to drop what it already has. */
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  /** The actor concerned: the registered one, the event's target, the snapshot's owner. */
  sessionId: string;
  /** The root actor of its system: each peer started alone is its own root. */
  rootId: string;
}

/** An actor registered: its id, its parent, the machine it runs. */
export interface ActorRecord extends RecordBase {
  kind: 'actor';
  /** The actor's id within its parent (`socket`, `codec`), or its session id for a root. */
  id: string;
  parentId: string | null;
  /** For state machines: the key of the definition served at /machines/<key>.json. */
  machine: string | null;
}

/** An event sent to an actor: who sent it, its type, and its summary. */
export interface EventRecord extends RecordBase {
  kind: 'event';
  /** The sender, when an actor sent it; null for events from outside (`actor.send` by the CLI). */
  sourceId: string | null;
  eventType: string;
  event: Json;
}

/** What a machine emitted to its embedder (`actor.on`): a `message` in or out, a lifecycle `state`, a `disconnect`. */
export interface EmittedRecord extends RecordBase {
  kind: 'emitted';
  /** The emitted event's type: `message`, `state`, `disconnect`, … */
  eventType: string;
  event: Json;
}

/** An actor's snapshot after an event: its state, context, timers and headline. */
export interface SnapshotRecord extends RecordBase {
  kind: 'snapshot';
  /** The event that led to this snapshot. */
  eventType: string;
  status: string;
  value: Json;
  /** For state machines: ids of the active state nodes, outermost first. */
  active: string[];
  context: Json;
  /** Keys (see describeTransition) of the transitions taken to reach it. */
  transitions: string[];
  /** The delayed events the actor is waiting for, soonest first. */
  timers: TimerRecord[];
  /** For state machines: the line a person reads first; null for other actors. */
  headline: Headline | null;
}

/** The machine an actor runs, if it runs one. */
export function machineOf(actorRef: AnyActorRef): AnyStateMachine | null {
  const logic = (actorRef as { logic?: unknown }).logic;
  return logic instanceof StateMachine ? (logic as AnyStateMachine) : null;
}

export interface RecordSource {
  seq: () => number;
  /** Registers the machine and returns its definition key. */
  machineKey: (machine: AnyStateMachine) => string;
  /** Transition keys collected from microsteps since the actor's last snapshot. */
  takeTransitions: (sessionId: string) => string[];
}

/** Turns one XState inspection event into records (none for the kinds the page does not show). */
export function toRecords(event: InspectionEvent, source: RecordSource): InspectorRecord[] {
  if (event.type === '@xstate.action') {
    const base = { time: Date.now(), sessionId: event.actorRef.sessionId, rootId: event.rootId };
    return emittedBy(event.action).map((emitted) => ({
      kind: 'emitted' as const,
      seq: source.seq(),
      ...base,
      eventType: emitted.type,
      event: summarise(emitted) ?? null,
    }));
  }
  const record = toRecord(event, source);
  return record ? [record] : [];
}

/**
 * What an action hands the embedder: the event of an `emit` (emitting is an action like any
 * other), each event of a peer's run (machines/peer/emit-run.ts), nothing for other actions.
 */
function emittedBy(action: { type: string; params?: unknown }): { type: string }[] {
  const params = action.params as { event?: { type?: unknown }; events?: unknown } | undefined;
  if (action.type === 'xstate.emit') return typeof params?.event?.type === 'string' ? [params.event as { type: string }] : [];
  if (action.type === 'emitRun' && Array.isArray(params?.events)) return params.events as { type: string }[];
  return [];
}

/** Turns one XState inspection event into a record, or null for the kinds the page does not show. */
function toRecord(event: InspectionEvent, source: RecordSource): InspectorRecord | null {
  const base = { time: Date.now(), sessionId: event.actorRef.sessionId, rootId: event.rootId };
  switch (event.type) {
    case '@xstate.actor': {
      const ref = event.actorRef as AnyActorRef;
      const machine = machineOf(ref);
      return {
        kind: 'actor',
        seq: source.seq(),
        ...base,
        id: ref.id,
        parentId: ref._parent?.sessionId ?? null,
        machine: machine ? source.machineKey(machine) : null,
      };
    }
    case '@xstate.event':
      return {
        kind: 'event',
        seq: source.seq(),
        ...base,
        sourceId: event.sourceRef?.sessionId ?? null,
        eventType: event.event.type,
        event: summarise(event.event) ?? null,
      };
    case '@xstate.snapshot': {
      const snapshot = event.snapshot as { status?: string; value?: StateValue; context?: unknown };
      const machine = machineOf(event.actorRef as AnyActorRef);
      const active = machine && snapshot.value !== undefined ? activeStateIds(machine, snapshot.value) : [];
      const timers = machine ? actorTimers(event.actorRef as AnyActorRef, machine, active) : [];
      return {
        kind: 'snapshot',
        seq: source.seq(),
        ...base,
        eventType: event.event.type,
        status: snapshot.status ?? 'active',
        value: summarise(snapshot.value) ?? null,
        active,
        context: summarise(snapshot.context) ?? null,
        transitions: source.takeTransitions(base.sessionId),
        timers,
        headline: machine ? headlineFor(machine, event.snapshot as AnyMachineSnapshot, timers) : null,
      };
    }
    default:
      return null;
  }
}
