// A lock file naming the owner's pid, so that two processes never write one header store.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

/** Thrown when another live process (or this one, through another handle) holds the store. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  readonly code = 'store-locked';
  constructor(
    readonly lockFile: string,
    readonly ownerPid: number,
  ) {
    super(`header store is in use by process ${ownerPid} (lock file ${lockFile})`);
  }
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : NaN;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A held lock; `release()` removes the file if it is still ours. */
export interface FileLock {
  readonly file: string;
  release(): void;
}

const ATTEMPTS = 5;

/**
 * Takes the lock file exclusively (O_EXCL), writing our pid. A lock whose owner is gone is stale:
 * it is moved aside under a unique name (only one of several racing processes can move it) and
 * the exclusive create is tried again. A live owner, this process included, is a StoreLockedError.
 */
export function acquireLock(file: string): FileLock {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return {
        file,
        release() {
          if (readPid(file) === process.pid) unlinkSync(file);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readPid(file);
    if (owner === null) continue;
    if (alive(owner)) throw new StoreLockedError(file, owner);
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const moved = readPid(aside);
    if (moved !== null && alive(moved)) {
      // Between our read and our rename another process took the stale lock over: give it back.
      renameSync(aside, file);
      throw new StoreLockedError(file, moved);
    }
    unlinkSync(aside);
  }
  throw new StoreLockedError(file, readPid(file) ?? -1);
}
