// The address book and the ban list as the actor the pool talks to: the only place the pool's book
// is touched. It keeps a token bucket per gossiping peer, never offers a banned address, settles
// tried-table collisions before each selection, asks the seeds when it has nothing to offer, and
// saves both files, one save after another.
import { fromCallback } from 'xstate';
import type { HeardAddress } from '../../machines/peer/types.js';
import type { AddressBookCommand, AddressBookInput, PoolEvent } from '../../machines/pool/types.js';
import { type AddressBook, DIRECT_NETWORKS } from '../address-book.js';
import type { StoredNetwork } from '../addrman/netaddr.js';
import { saveAddressBook } from '../address-book-file.js';
import type { BanList } from '../addrman/bans.js';
import { AddrTokenBucket } from '../addrman/token-bucket.js';
import { saveBanList } from '../ban-list-file.js';
import { formatHostPort } from '../host-port.js';
import { logger } from '../log.js';

const log = logger('address-book');

/** Peers whose token buckets are remembered at most (the oldest is forgotten first). */
export const MAX_TRACKED_SOURCES = 1000;

/** What the address-book actor works on. */
export interface AddressBookActorOptions {
  book: AddressBook;
  /** Addresses never dialled; the pool's misbehaving peers are added to it. */
  bans: BanList;
  /** Where `save` writes the book (atomically); without it the book lives in memory only. */
  file?: string;
  /** Where `save` writes the ban list; without it the bans live in memory only. */
  banFile?: string;
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
  /** Clock for the token buckets and reseedAfterMs (milliseconds); default Date.now. */
  now?: () => number;
}

/**
 * The pool's `ban` command, for every address-book actor: a host the ban list cannot parse is
 * logged and skipped, never thrown into the actor.
 */
export function banHost(bans: BanList, host: string, durationMs: number): void {
  log('ban %s for %d ms', host, durationMs);
  try {
    bans.ban(host, durationMs);
  } catch (error) {
    log('cannot ban %s: %s', host, (error as Error).message);
  }
}

/** Least time between two seedings of a pool's book, by default. */
export const DEFAULT_RESEED_AFTER_MS = 5 * 60_000;

/** The address book as an actor the pool talks to. */
export const createAddressBookActor = ({
  book,
  bans,
  file,
  banFile,
  networks = DIRECT_NETWORKS,
  seed,
  reseedAfterMs = DEFAULT_RESEED_AFTER_MS,
  now = Date.now,
}: AddressBookActorOptions) =>
  fromCallback<AddressBookCommand, AddressBookInput>(({ sendBack, receive }) => {
    const reply = (event: PoolEvent): void => sendBack(event);
    let seeding: AbortController | null = null;
    let lastSeeding: number | null = null;
    let stopped = false;
    // The pool asks again at its next refill; by then the seeds' addresses are in the book. The
    // seeds are the user's choice (their names), so what they give is taken as the user's.
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
            const result = book.add(addresses, { origin: 'user' });
            log('the seeds gave %d addresses, %d new', addresses.length, result.added);
            reply({ type: 'book.size', size: book.size });
          },
          (error: Error) => log('seeding failed: %s', error.message),
        )
        .finally(() => {
          if (seeding === controller) seeding = null;
        });
    };
    const buckets = new Map<string, AddrTokenBucket>();
    const bucketOf = (source: string): AddrTokenBucket => {
      let bucket = buckets.get(source);
      if (!bucket) {
        if (buckets.size >= MAX_TRACKED_SOURCES) buckets.delete(buckets.keys().next().value!);
        buckets.set(source, (bucket = new AddrTokenBucket({ now })));
      }
      return bucket;
    };
    const isBanned = bans.isBanned.bind(bans);
    let saving: Promise<void> = Promise.resolve();
    receive((command) => {
      switch (command.type) {
        case 'select': {
          book.resolveCollisions();
          const records = book.select(command.count, {
            excludeKeys: new Set(command.excludeKeys),
            excludeGroups: new Set(command.excludeGroups),
            exclude: (r) => isBanned(r.host),
            networks,
          });
          if (records.length === 0) seedIfDue();
          // Selecting an address is attempting it: it is not offered again for a while.
          for (const r of records) book.markAttempt(r.host, r.port);
          reply({
            type: 'book.selected',
            candidates: records.map((r) => ({ host: r.host, port: r.port, group: r.group, services: r.services })),
            size: book.size,
          });
          return;
        }
        case 'add': {
          const result =
            command.origin === 'user' || command.source === null
              ? book.add(command.addresses, { origin: 'user' })
              : book.add(command.addresses, { origin: 'gossip', source: command.source, tokens: bucketOf(command.source), isBanned });
          if (result.rateLimited > 0) log('%s: %d of %d addresses rate-limited', command.source, result.rateLimited, result.received);
          reply({ type: 'book.size', size: book.size });
          return;
        }
        case 'attempt':
          book.markAttempt(command.host, command.port);
          return;
        case 'success': {
          book.markSuccess(command.host, command.port, command.services);
          // A fresh connection gets a fresh bucket: Core keeps one per connection.
          const key = formatHostPort(command.host, command.port);
          buckets.delete(key);
          if (command.getaddrSent) bucketOf(key).getaddrSent();
          return;
        }
        case 'failure':
          book.markFailure(command.host, command.port);
          return;
        case 'ban':
          banHost(bans, command.host, command.durationMs);
          return;
        case 'save':
          // Saves run one after another, so an older book never overwrites a newer one.
          saving = saving.then(async () => {
            if (file) await saveAddressBook(book, file).catch((error: Error) => log('could not save %s: %s', file, error.message));
            if (banFile) await saveBanList(bans, banFile).catch((error: Error) => log('could not save %s: %s', banFile, error.message));
          });
          return;
      }
    });
    return () => {
      stopped = true;
      seeding?.abort();
    };
  });
