// Where inspection events meet the pages that watch them. Memory is bounded everywhere: a ring
// of the last records for pages that join late, a bounded table of actors, and a bounded queue
// per page, so that a slow or stalled browser never grows the node.
import { randomUUID } from 'node:crypto';
import type { AnyStateMachine, InspectionEvent, Observer } from 'xstate';
import { describeTransition } from '../../machines/describe.js';
import { logger } from '../log.js';
import { type MachineDefinition, machineDefinition } from './definition.js';
import type { ActorRecord, InspectorRecord, SnapshotRecord } from './serialise.js';
import { toRecords } from './serialise.js';

const log = logger('inspector');

/** How much the inspector keeps: records for late pages, actors, and records queued per slow page. */
export interface HubLimits {
  /** Records kept for pages that join late. */
  history: number;
  /** Messages queued for one page before its oldest are dropped. */
  clientQueue: number;
  /** Actors remembered; the oldest stopped ones are forgotten first. */
  actors: number;
}

export const HUB_LIMITS: HubLimits = { history: 2000, clientQueue: 1000, actors: 500 };

/** What a page learns about each actor: its registration and its latest snapshot. */
export interface ActorSummary extends ActorRecord {
  snapshot: SnapshotRecord | null;
}

/** A page's connection: the hub writes framed messages to it and hears when it can take more. */
export interface HubClient {
  /** Writes one message; false when the transport is full (the hub then waits for `drain`). */
  write(message: string): boolean;
  /** Dropped messages are reported so the page knows its log has a gap. */
  onDrain(listener: () => void): void;
}

interface ClientState {
  client: HubClient;
  queue: string[];
  blocked: boolean;
  dropped: number;
}

/** Server-Sent Events framing: one JSON object per `data:` line. */
export const sseMessage = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;

export class InspectionHub {
  readonly limits: HubLimits;
  /** Tells a page that reconnects whether it still talks to the same node (records restart at 1). */
  readonly instance = randomUUID();
  private readonly history: string[] = [];
  private readonly actors = new Map<string, ActorSummary>();
  private readonly definitions = new Map<string, MachineDefinition>();
  private readonly machineKeys = new WeakMap<AnyStateMachine, string>();
  private readonly pendingTransitions = new Map<string, string[]>();
  private readonly clients = new Set<ClientState>();
  private seq = 0;

  constructor(limits: Partial<HubLimits> = {}) {
    this.limits = { ...HUB_LIMITS, ...limits };
  }

  /** The observer for XState's `inspect` option; it never throws into the actor it watches. */
  readonly inspect: Observer<InspectionEvent> = {
    next: (event) => {
      try {
        this.receive(event);
      } catch (error) {
        log('could not record %s: %O', event.type, error);
      }
    },
  };

  /** The definition registered under `key` (see ActorRecord.machine). */
  definition(key: string): MachineDefinition | undefined {
    return this.definitions.get(key);
  }

  /** Every actor remembered, oldest first. */
  actorList(): ActorSummary[] {
    return [...this.actors.values()];
  }

  /** Number of records held for late joiners (bounded by `limits.history`). */
  get historySize(): number {
    return this.history.length;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Registers a page: it gets the actor table and the recent history first, then live records. */
  attach(client: HubClient): () => void {
    const state: ClientState = { client, queue: [], blocked: false, dropped: 0 };
    this.clients.add(state);
    client.onDrain(() => {
      state.blocked = false;
      this.flush(state);
    });
    // `time` lets the page count down to the node's timers even when its own clock differs.
    const hello = { kind: 'hello', instance: this.instance, time: Date.now(), actors: this.actorList(), historyFrom: this.firstSeq() };
    this.deliver(state, sseMessage(hello));
    for (const message of this.history) this.deliver(state, message);
    return () => this.clients.delete(state);
  }

  /** Forgets every page (on close); their transports are ended by the server. */
  detachAll(): void {
    this.clients.clear();
  }

  private firstSeq(): number {
    return this.seq - this.history.length + 1;
  }

  private receive(event: InspectionEvent): void {
    if (event.type === '@xstate.microstep') {
      // Remembered until the snapshot that ends the macrostep, so the page can light the edges taken.
      const keys = this.pendingTransitions.get(event.actorRef.sessionId) ?? [];
      for (const t of event._transitions) keys.push(describeTransition(t).key);
      this.pendingTransitions.set(event.actorRef.sessionId, keys.slice(-20));
      return;
    }
    const records = toRecords(event, {
      seq: () => ++this.seq,
      machineKey: (machine) => this.machineKey(machine),
      takeTransitions: (sessionId) => {
        const keys = this.pendingTransitions.get(sessionId) ?? [];
        this.pendingTransitions.delete(sessionId);
        return keys;
      },
    });
    for (const record of records) this.publish(record);
  }

  private machineKey(machine: AnyStateMachine): string {
    const known = this.machineKeys.get(machine);
    if (known) return known;
    // Machines made by provide() are new objects with the same chart: they share one key.
    const definition = machineDefinition(machine);
    const text = JSON.stringify(definition);
    let key = machine.id;
    for (let n = 2; this.definitions.has(key) && JSON.stringify(this.definitions.get(key)) !== text; n++)
      key = `${machine.id}-${n}`;
    this.definitions.set(key, definition);
    this.machineKeys.set(machine, key);
    return key;
  }

  private publish(record: InspectorRecord): void {
    this.remember(record);
    const message = sseMessage(record);
    this.history.push(message);
    if (this.history.length > this.limits.history) this.history.shift();
    for (const state of this.clients) this.deliver(state, message);
  }

  private remember(record: InspectorRecord): void {
    if (record.kind === 'actor') {
      this.actors.set(record.sessionId, { ...record, snapshot: this.actors.get(record.sessionId)?.snapshot ?? null });
      this.forgetOldActors();
    } else if (record.kind === 'snapshot') {
      const actor = this.actors.get(record.sessionId);
      if (actor) actor.snapshot = record;
      if (record.status !== 'active') this.pendingTransitions.delete(record.sessionId);
    }
  }

  private forgetOldActors(): void {
    if (this.actors.size <= this.limits.actors) return;
    const excess = this.actors.size - this.limits.actors;
    const stopped = [...this.actors.values()].filter((a) => a.snapshot && a.snapshot.status !== 'active');
    const victims = [...new Set([...stopped, ...this.actors.values()])].slice(0, excess);
    for (const actor of victims) this.actors.delete(actor.sessionId);
  }

  private deliver(state: ClientState, message: string): void {
    if (state.blocked) {
      state.queue.push(message);
      if (state.queue.length > this.limits.clientQueue) {
        state.queue.shift();
        state.dropped++;
      }
      return;
    }
    if (!state.client.write(message)) state.blocked = true;
  }

  private flush(state: ClientState): void {
    if (state.dropped > 0) {
      const dropped = state.dropped;
      state.dropped = 0;
      if (!state.client.write(sseMessage({ kind: 'gap', dropped }))) {
        state.blocked = true;
        return;
      }
    }
    while (state.queue.length > 0 && !state.blocked) {
      if (!state.client.write(state.queue.shift()!)) state.blocked = true;
    }
  }
}
