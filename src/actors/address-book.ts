// The pool's address book as an actor: selects candidates, learns outcomes, saves, and asks the seeds when it has nothing to offer.
import { fromCallback } from 'xstate';
import type { HeardAddress } from '../../machines/peer/types.js';
import type { AddressBookCommand, AddressBookInput, PoolEvent } from '../../machines/pool/types.js';
import { type AddressBook, addressKey, DIRECT_NETWORKS, networkGroup } from '../address-book.js';
import type { StoredNetwork } from '../net-address.js';
import { saveAddressBook } from '../address-book-file.js';
import { logger } from '../log.js';

const log = logger('address-book');

/** What the address-book actor is built around. */
export interface AddressBookActorOptions {
  book: AddressBook;
  /** Where `save` writes the book (atomically); without it the book lives in memory only. */
  file?: string;
  /** Networks the pool's peers can dial; default IPv4 and IPv6 (Tor v3 too with a proxy that reaches it). */
  networks?: ReadonlySet<StoredNetwork>;
  /**
   * Asks the seeds for addresses (see seedAddresses), when a selection finds nothing to dial and
   * the last seeding is at least `reseedAfterMs` old. Without it the book only learns from peers
   * and ADD_ADDRESSES.
   */
  seed?: (signal: AbortSignal) => Promise<HeardAddress[]>;
  /** Least time between two seedings; default 5 minutes. */
  reseedAfterMs?: number;
  /** Wall clock for reseedAfterMs; default Date.now. */
  now?: () => number;
}

/** Least time between two seedings of a pool's book, by default. */
export const DEFAULT_RESEED_AFTER_MS = 5 * 60_000;

/** The address book as an actor the pool talks to; the only place the pool's book is touched. */
export const createAddressBookActor = ({
  book,
  file,
  networks = DIRECT_NETWORKS,
  seed,
  reseedAfterMs = DEFAULT_RESEED_AFTER_MS,
  now = Date.now,
}: AddressBookActorOptions) =>
  fromCallback<AddressBookCommand, AddressBookInput>(({ sendBack, receive }) => {
    const reply = (event: PoolEvent): void => sendBack(event);
    let saving: Promise<void> = Promise.resolve();
    let seeding: AbortController | null = null;
    let lastSeeding: number | null = null;
    let stopped = false;
    // The pool asks again at its next refill; by then the seeds' addresses are in the book.
    const seedIfDue = (): void => {
      if (!seed || seeding || (lastSeeding !== null && now() - lastSeeding < reseedAfterMs)) return;
      lastSeeding = now();
      const controller = new AbortController();
      seeding = controller;
      log('asking the seeds');
      seed(controller.signal)
        .then(
          (addresses) => {
            if (stopped) return;
            const added = book.add(addresses, 'seed');
            log('the seeds gave %d addresses, %d new', addresses.length, added);
            reply({ type: 'book.size', size: book.size });
          },
          (error: Error) => log('seeding failed: %s', error.message),
        )
        .finally(() => {
          if (seeding === controller) seeding = null;
        });
    };
    receive((command) => {
      switch (command.type) {
        case 'select': {
          const records = book.select(command.count, {
            excludeKeys: new Set(command.excludeKeys),
            excludeGroups: new Set(command.excludeGroups),
            networks,
          });
          // Selecting an address is attempting it: the retry schedule starts now.
          for (const r of records) book.markAttempt(r.host, r.port);
          if (records.length === 0) seedIfDue();
          reply({
            type: 'book.selected',
            candidates: records.map((r) => ({ host: r.host, port: r.port, group: networkGroup(r) })),
            size: book.size,
          });
          return;
        }
        case 'add':
          book.add(command.addresses, command.source);
          reply({ type: 'book.size', size: book.size });
          return;
        case 'attempt':
          book.markAttempt(command.host, command.port);
          return;
        case 'success':
          book.markSuccess(command.host, command.port);
          return;
        case 'failure':
          book.markFailure(command.host, command.port);
          return;
        case 'ban':
          log('ban %s for %d ms', addressKey(command.host, command.port), command.durationMs);
          book.ban(command.host, command.port, command.durationMs);
          return;
        case 'save':
          if (!file) return;
          // Saves run one after another, so an older book never overwrites a newer one.
          saving = saving
            .then(() => saveAddressBook(book, file))
            .catch((error: Error) => log('could not save %s: %s', file, error.message));
          return;
      }
    });

    return () => {
      stopped = true;
      seeding?.abort();
    };
  });
