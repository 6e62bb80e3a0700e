// The address book and the ban list as the actor the pool talks to: the only place the pool's book
// is touched. It keeps a token bucket per gossiping peer, never offers a banned address, settles
// tried-table collisions before each selection, and saves both files, one save after another.
import { fromCallback } from 'xstate';
import type { AddressBookCommand, AddressBookInput, PoolEvent } from '../../machines/pool/types.js';
import type { AddressBook } from '../address-book.js';
import { saveAddressBook } from '../address-book-file.js';
import type { BanList } from '../addrman/bans.js';
import { AddrTokenBucket } from '../addrman/token-bucket.js';
import { saveBanList } from '../ban-list-file.js';
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
  /** Clock for the token buckets (milliseconds); default Date.now. */
  now?: () => number;
}

/** The address book as an actor the pool talks to. */
export const createAddressBookActor = ({ book, bans, file, banFile, now = Date.now }: AddressBookActorOptions) =>
  fromCallback<AddressBookCommand, AddressBookInput>(({ sendBack, receive }) => {
    const reply = (event: PoolEvent): void => sendBack(event);
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
          });
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
          const key = command.host.includes(':') ? `[${command.host}]:${command.port}` : `${command.host}:${command.port}`;
          buckets.delete(key);
          if (command.getaddrSent) bucketOf(key).getaddrSent();
          return;
        }
        case 'failure':
          book.markFailure(command.host, command.port);
          return;
        case 'ban':
          log('ban %s for %d ms', command.host, command.durationMs);
          try {
            bans.ban(command.host, command.durationMs);
          } catch (error) {
            log('cannot ban %s: %s', command.host, (error as Error).message);
          }
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
  });
