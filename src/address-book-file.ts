// The address book on disk: the only file I/O of the book. Saves are atomic (src/atomic-file.ts);
// a load never throws for a missing, unreadable or corrupt file: it starts an empty book and says
// why in one line. A file of the old one-table format is migrated, and the warning says so.
import { randomBytes } from 'node:crypto';
import { AddressBook, type AddressBookOptions } from './address-book.js';
import { type AddressBookJSON, addressBookToJSON, parseAddressBookJSON } from './address-book-json.js';
import { KEY_SIZE } from './addrman/buckets.js';
import { oneLine, readTextFile, writeFileAtomic } from './atomic-file.js';

/** Larger files are refused on load rather than read into memory (a full book is about 30 MB). */
export const MAX_ADDRESS_BOOK_FILE_BYTES = 256 * 1024 * 1024;

/** The file's text: JSON with one entry per line, so that people can read and diff it. */
export function serializeAddressBook(book: AddressBook): string {
  const { state, grouping } = book.exportState();
  const json: AddressBookJSON = addressBookToJSON(state, grouping);
  const list = (entries: readonly unknown[]): string =>
    entries.length ? `[\n${entries.map((e) => JSON.stringify(e)).join(',\n')}\n]` : '[]';
  const head = JSON.stringify({ version: json.version, key: json.key, lastGood: json.lastGood, grouping: json.grouping });
  return `${head.slice(0, -1)},"new":${list(json.new)},"tried":${list(json.tried)}}\n`;
}

/** Saves a book atomically: a crash at any moment leaves the previous file or the new one. */
export async function saveAddressBook(book: AddressBook, file: string): Promise<void> {
  await writeFileAtomic(file, serializeAddressBook(book));
}

/**
 * Loads a book. A missing file gives an empty book and no warning; a file that cannot be read or
 * is not a valid book gives an empty book and a one-line warning naming the file and the problem;
 * a version-1 file is migrated (records with a success into tried, the others into new, under a
 * fresh key) with a one-line warning saying so. Never throws for those.
 */
export async function loadAddressBook(
  file: string,
  options: AddressBookOptions = {},
): Promise<{ book: AddressBook; warning: string | null }> {
  const empty = (problem: string) => ({
    book: new AddressBook(options),
    warning: oneLine(`address book ${file}: ${problem}; starting with an empty book`),
  });
  const read = await readTextFile(file, MAX_ADDRESS_BOOK_FILE_BYTES);
  if ('missing' in read) return { book: new AddressBook(options), warning: null };
  if ('problem' in read) return empty(read.problem);
  if (read.text.trim() === '') return empty('the file is empty');
  let data: unknown;
  try {
    data = JSON.parse(read.text);
  } catch (error) {
    return empty(`not valid JSON (${(error as Error).message})`);
  }
  try {
    const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
    const parsed = parseAddressBookJSON(data, options.key ?? randomBytes(KEY_SIZE), nowSeconds);
    const { book } = AddressBook.fromState(parsed.state, parsed.grouping, options);
    const m = parsed.migration;
    const warning = m
      ? oneLine(
          `address book ${file}: migrated ${m.records} records from the version-1 format ` +
            `(${m.tried} with a success into tried${m.bansDropped ? `; ${m.bansDropped} running bans not carried over` : ''})`,
        )
      : null;
    return { book, warning };
  } catch (error) {
    return empty(`not a valid address book (${(error as Error).message})`);
  }
}
