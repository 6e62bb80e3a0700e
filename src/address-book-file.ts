// The address book on disk: the only file I/O of the book. A save writes a temporary file next to
// the target, flushes it to the disk, and renames it over the target, so that a crash at any
// moment leaves either the previous book or the new one, never a torn file. A load never throws
// for a missing, unreadable or corrupt file: it starts an empty book and says why.

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AddressBook, type AddressBookOptions } from './address-book.js';

/** Larger files are refused on load rather than read into memory (a full book is a few MB). */
export const MAX_ADDRESS_BOOK_FILE_BYTES = 256 * 1024 * 1024;

/** The file's text: JSON, one record per line so that people can read and diff it. */
export function serializeAddressBook(book: AddressBook): string {
  const { version, records } = book.toJSON();
  const lines = records.map((r) => JSON.stringify(r));
  return `{"version":${version},"records":[${lines.length ? `\n${lines.join(',\n')}\n` : ''}]}\n`;
}

/**
 * Writes `${file}.tmp-<pid>-<random>`, fsyncs it, renames it over `file`, then fsyncs the
 * directory (where the platform allows) so that the rename itself is durable. On failure the
 * temporary file is removed and the error is thrown; `file` is untouched.
 */
export async function saveAddressBook(book: AddressBook, file: string): Promise<void> {
  const text = serializeAddressBook(book);
  const temp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows) and file systems cannot fsync a directory; the rename is done anyway.
  }
}

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * Loads a book. A missing file gives an empty book and no warning; a file that cannot be read or
 * is not a valid book gives an empty book and a one-line warning naming the file and the problem.
 * Never throws for those.
 */
export async function loadAddressBook(
  file: string,
  options?: AddressBookOptions,
): Promise<{ book: AddressBook; warning: string | null }> {
  const empty = (problem: string) => ({
    book: new AddressBook(options),
    warning: oneLine(`address book ${file}: ${problem}; starting with an empty book`),
  });
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) return empty('not a regular file');
    if (info.size > MAX_ADDRESS_BOOK_FILE_BYTES) return empty(`too large (${info.size} bytes)`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { book: new AddressBook(options), warning: null };
    return empty(`cannot be read (${e.message})`);
  }
  if (text.trim() === '') return empty('the file is empty');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return empty(`not valid JSON (${(error as Error).message})`);
  }
  try {
    return { book: AddressBook.fromJSON(data, options), warning: null };
  } catch (error) {
    return empty(`not a valid address book (${(error as Error).message.replace(/^address book: /, '')})`);
  }
}
