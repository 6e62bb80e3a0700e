// Small files written so that a crash at any moment leaves the old content or the new, never a
// torn file (temporary file, fsync, rename, fsync of the directory), and read back with a size
// limit and a one-line reason when they cannot be used. Shared by the address book and the ban list.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes `${file}.tmp-<pid>-<random>`, fsyncs it, renames it over `file`, then fsyncs the
 * directory (where the platform allows) so that the rename itself is durable. On failure the
 * temporary file is removed and the error is thrown; `file` is untouched.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
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

/** A file's text, or that it does not exist, or why it cannot be used (one line). */
export type TextFileRead = { text: string } | { missing: true } | { problem: string };

/** Reads a UTF-8 file of at most `maxBytes`; never throws for a missing, unreadable, odd or oversized file. */
export async function readTextFile(file: string, maxBytes: number): Promise<TextFileRead> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return { problem: 'not a regular file' };
    if (info.size > maxBytes) return { problem: `too large (${info.size} bytes)` };
    return { text: await readFile(file, 'utf8') };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { missing: true };
    return { problem: `cannot be read (${e.message})` };
  }
}

/** Collapses whitespace, so that a message from anywhere fits on one line. */
export const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();
