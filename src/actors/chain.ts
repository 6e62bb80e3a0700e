// The header store as the actor the sync machine invokes: it opens the store, runs each peer's
// HeadersSync, appends what the chain accepted (one write per message), and answers with typed verdicts.
import { fromCallback } from 'xstate';
import type {
  BlockSummary,
  ChainCommand,
  ChainEvent,
  ChainInput,
  HeadersVerdict,
  SyncFailure,
  TipInfo,
  TipMove,
} from '../../machines/sync/types.js';
import type { BlockRef, HeaderInfo, TipChange } from '../chain/chain.js';
import { HeadersSync, type HeadersSyncOptions, type SyncStep } from '../chain/headers-sync.js';
import { hashToHex } from '../chain/header.js';
import { StoreLockedError } from '../chain/lock.js';
import type { ChainParams } from '../chain/params.js';
import { HeaderStore, StoreError, type SyncPolicy } from '../chain/store.js';
import { logger } from '../log.js';
import type { NetworkName } from '../protocol/networks.js';

const log = logger('sync');

/** What the chain actor opens and how it validates. */
export interface ChainActorOptions {
  readonly network: NetworkName;
  /** The store's folder; `defaultDataDir(network)` when left out. */
  readonly dataDir?: string;
  /** Replaces the network's consensus parameters (tests: a minimum chain work on regtest). */
  readonly params?: ChainParams;
  /** Our clock in seconds since the epoch (validation and `synced`); the system clock by default. */
  readonly now?: () => number;
  /** Options of every peer's HeadersSync (Core's by default). */
  readonly headersSync?: Omit<HeadersSyncOptions, 'now'>;
  /** When appended headers are forced to the disk (HeaderStore's `interval` by default). */
  readonly flush?: SyncPolicy;
  /**
   * Told the store once it is open, and null once it is closed: how an embedder reads the chain
   * (tip, headers, locator) while the sync runs.
   */
  readonly onStore?: (store: HeaderStore | null) => void;
}

/** A header as events carry it. */
export const tipInfo = (header: Pick<HeaderInfo, 'height' | 'hash' | 'time'>): TipInfo => ({
  height: header.height,
  hash: hashToHex(header.hash),
  time: header.time,
});

const summary = (ref: BlockRef): BlockSummary => ({ height: ref.height, hash: hashToHex(ref.hash) });

/** Why opening or writing failed, as the machine records it. */
export function failureOf(error: unknown): SyncFailure {
  if (error instanceof StoreLockedError) return { code: error.code, message: error.message };
  if (error instanceof StoreError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'io-error', message };
}

function moveOf(change: TipChange, store: HeaderStore): TipMove {
  const from = store.chain.get(change.from.hash);
  return {
    from: { height: change.from.height, hash: hashToHex(change.from.hash), time: from?.time ?? 0 },
    reorg: change.reorg,
    forkHeight: change.forkHeight,
    disconnected: change.disconnected.map(summary),
    // An extension's list would be every header of the message; only a reorg's is worth naming.
    connected: change.reorg ? change.connected.map(summary) : [],
  };
}

/**
 * The chain actor: everything the sync machine must not do itself (files, hashing, validation).
 * It opens the store when it starts and closes it when the machine stops it. Every command is
 * answered at once, in order, so the machine reads each verdict in the state that asked for it.
 * Each peer has its own HeadersSync (its presync state, its count of unconnecting messages),
 * created on its first `headers` and dropped on `forget`.
 */
export const createChainActor = (options: ChainActorOptions) =>
  fromCallback<ChainCommand, ChainInput>(({ sendBack, receive }) => {
    const reply = (event: ChainEvent): void => sendBack(event);
    const now = options.now ?? (() => Math.floor(Date.now() / 1000));
    const syncs = new Map<string, HeadersSync>();
    let store: HeaderStore | null = null;

    const close = (): void => {
      if (!store) return;
      const closing = store;
      store = null;
      syncs.clear();
      options.onStore?.(null);
      try {
        closing.close();
      } catch (error) {
        log('closing the store failed: %s', failureOf(error).message);
      }
    };
    const fail = (error: unknown): void => {
      const failure = failureOf(error);
      log('store failed: %s', failure.message);
      close();
      reply({ type: 'chain.failed', failure });
    };

    try {
      store = HeaderStore.open({
        network: options.network,
        now,
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        ...(options.params ? { params: options.params } : {}),
        ...(options.flush ? { sync: options.flush } : {}),
      });
      for (const warning of store.warnings) log(warning);
      options.onStore?.(store);
      const { chain } = store;
      reply({ type: 'chain.loaded', tip: tipInfo(chain.tip), synced: chain.isSynced(now()), records: store.records, warnings: [...store.warnings] });
    } catch (error) {
      fail(error);
    }

    const syncOf = (open: HeaderStore, id: string): HeadersSync => {
      let sync = syncs.get(id);
      if (!sync) syncs.set(id, (sync = new HeadersSync(open.chain, { ...options.headersSync, now })));
      return sync;
    };

    const verdict = (open: HeaderStore, step: SyncStep, received: number): HeadersVerdict => {
      const { next, accepted } = step;
      const error = next.type === 'misbehaving' ? next.error : step.error;
      return {
        next: next.type,
        locator: next.type === 'getheaders' ? next.locator : null,
        error: error ? { code: error.code, message: error.message, misbehaviour: error.misbehaviour } : null,
        received,
        added: accepted?.added.length ?? 0,
        duplicates: accepted?.duplicates ?? 0,
        phase: step.phase,
        tip: tipInfo(open.chain.tip),
        move: accepted?.tipChange ? moveOf(accepted.tipChange, open) : null,
        synced: open.chain.isSynced(now()),
      };
    };

    receive((command) => {
      const open = store;
      if (!open) return;
      switch (command.type) {
        case 'start':
          reply({ type: 'chain.request', id: command.id, locator: open.chain.locator() });
          return;
        case 'headers': {
          const step = syncOf(open, command.id).receive(command.headers);
          try {
            // Whatever the chain kept, even before a refused header (Core keeps that prefix too),
            // goes to the file in the chain's order, or the file and the chain would disagree.
            if (step.accepted) open.append(step.accepted);
          } catch (error) {
            fail(error);
            return;
          }
          if (step.next.type === 'misbehaving') log('peer %s: %s (%s)', command.id, step.next.error.message, step.next.error.code);
          else if (step.error) log('peer %s: header refused, %s (%s)', command.id, step.error.message, step.error.code);
          reply({ type: 'chain.headers', id: command.id, verdict: verdict(open, step, command.headers.length) });
          return;
        }
        case 'announce': {
          let unknown = 0;
          for (const hash of command.hashes) if (!open.chain.has(hash)) unknown++;
          reply({ type: 'chain.announced', id: command.id, unknown, locator: unknown > 0 ? open.chain.locator() : [] });
          return;
        }
        case 'forget':
          syncs.delete(command.id);
          return;
      }
    });

    return close;
  });
