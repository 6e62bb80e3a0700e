// Runs the fetcher and the broadcaster on a simulated clock with a link that records what they ask
// of their peers; the tests play the peers by sending link events, and list the transitions taken.
import { type AnyActorLogic, type AnyStateMachine, createActor, fromCallback, type InspectionEvent, SimulatedClock } from 'xstate';
import type { PeerLinkCommand, PeerLinkInput } from '../../machines/peer-link.js';
import type { RemoteInfo } from '../../machines/peer/types.js';
import { Services } from '../../src/protocol/limits.js';
import type { InvItem } from '../../src/protocol/messages/inventory.js';

/** A full node's services: NODE_NETWORK | NODE_WITNESS. */
export const FULL = Services.NETWORK | Services.WITNESS;
/** A pruned node's services: NODE_NETWORK_LIMITED | NODE_WITNESS. */
export const LIMITED = Services.NETWORK_LIMITED | Services.WITNESS;

/** What a peer's handshake told, with what a test cares about set. */
export const remote = (fields: Partial<RemoteInfo> = {}): RemoteInfo => ({
  version: 70016,
  services: FULL,
  userAgent: '/test/',
  startHeight: 0,
  relay: true,
  nonce: 1n,
  transport: 'v1',
  sessionId: null,
  timestamp: 0n,
  addressSeen: null,
  wantsAddrV2: false,
  wtxidRelay: true,
  ...fields,
});

/** A machine with a recording link, started on a simulated clock. */
export interface LinkedRun<M extends AnyStateMachine, E extends { type: string }> {
  actor: ReturnType<typeof createActor<M>>;
  clock: SimulatedClock;
  /** What the machine asked of its peers, in order. */
  commands: PeerLinkCommand[];
  emitted: E[];
  of<T extends E['type']>(type: T): Extract<E, { type: T }>[];
  /** The inventories sent to `id` in `getdata`, `inv` or `notfound` messages. */
  items(id: string, command: 'getdata' | 'inv' | 'notfound'): InvItem[];
  /** The bytes of every `tx` sent to `id`. */
  sentTransactions(id: string): Buffer[];
  /** Timers still scheduled on the simulated clock. */
  pendingTimers(): number;
  /** Whether the link actor is running (it stops with the machine). */
  linked(): boolean;
}

export function runLinked<M extends AnyStateMachine, E extends { type: string }>(
  machine: M,
  input: unknown,
  inspect: (event: InspectionEvent) => void,
): LinkedRun<M, E> {
  const clock = new SimulatedClock();
  const commands: PeerLinkCommand[] = [];
  let live = false;
  const link = fromCallback<PeerLinkCommand, PeerLinkInput>(({ receive }) => {
    live = true;
    receive((command) => commands.push(command));
    return () => {
      live = false;
    };
  });
  const provided = machine.provide({ actors: { peers: link as unknown as AnyActorLogic } }) as M;
  const actor = createActor(provided, { clock, inspect, input } as never);
  const emitted: E[] = [];
  actor.on('*', (event: unknown) => emitted.push(event as E));
  actor.start();
  const sent = (id: string) =>
    commands.flatMap((c) => (c.type === 'SEND' && c.id === id ? [c.message] : []));
  return {
    actor: actor as ReturnType<typeof createActor<M>>,
    clock,
    commands,
    emitted,
    of: <T extends E['type']>(type: T) => emitted.filter((e): e is Extract<E, { type: T }> => e.type === type),
    items: (id, command) =>
      sent(id).flatMap((m) => (m.command === command && !('unknown' in m) ? (m.payload as { items: InvItem[] }).items : [])),
    sentTransactions: (id) =>
      sent(id).flatMap((m) => (m.command === 'tx' && 'unknown' in m ? [Buffer.from(m.payload)] : [])),
    pendingTimers: () => (clock as unknown as { timeouts: Map<unknown, unknown> }).timeouts.size,
    linked: () => live,
  };
}
