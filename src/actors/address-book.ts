import { fromCallback } from 'xstate';
import type { AddressBookCommand, AddressBookInput, PoolEvent } from '../../machines/pool/types.js';
import { type AddressBook, addressKey, networkGroup } from '../address-book.js';
import { saveAddressBook } from '../address-book-file.js';
import { logger } from '../log.js';

const log = logger('address-book');

/** What the address-book actor is built around. */
export interface AddressBookActorOptions {
  book: AddressBook;
  /** Where `save` writes the book (atomically); without it the book lives in memory only. */
  file?: string;
}

/** The address book as an actor the pool talks to; the only place the pool's book is touched. */
export const createAddressBookActor = ({ book, file }: AddressBookActorOptions) =>
  fromCallback<AddressBookCommand, AddressBookInput>(({ sendBack, receive }) => {
    const reply = (event: PoolEvent): void => sendBack(event);
    let saving: Promise<void> = Promise.resolve();
    receive((command) => {
      switch (command.type) {
        case 'select': {
          const records = book.select(command.count, {
            excludeKeys: new Set(command.excludeKeys),
            excludeGroups: new Set(command.excludeGroups),
          });
          // Selecting an address is attempting it: the retry schedule starts now.
          for (const r of records) book.markAttempt(r.host, r.port);
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
  });
