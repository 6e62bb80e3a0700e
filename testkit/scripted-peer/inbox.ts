// A log of items with promise-based waiting, bounded by a real-time guard: what scripted peers and clients wait on.
import { clearTimeout, setTimeout } from 'node:timers';

interface Waiter<T> {
  match: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
}

/**
 * A log of items with promise-based waiting: `waitFor` first searches what is already there,
 * then waits for later items, until a real-time timeout or until the inbox is closed.
 */
export class Inbox<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();
  private closedWith: Error | null = null;

  constructor(private readonly describe: () => string) {}

  push(item: T): void {
    this.items.push(item);
    for (const waiter of [...this.waiters]) {
      let matched: boolean;
      try {
        matched = waiter.match(item);
      } catch (error) {
        waiter.reject(error as Error);
        continue;
      }
      if (matched) waiter.resolve(item);
    }
  }

  /** Rejects every pending and future unmatched wait with `error`. */
  close(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }

  wait(match: (item: T) => boolean, timeoutMs: number, label: string): Promise<T> {
    try {
      const found = this.items.find(match);
      if (found !== undefined) return Promise.resolve(found);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closedWith) {
      return Promise.reject(new Error(`${label}: ${this.closedWith.message} (${this.describe()})`));
    }
    const promise = new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter<T> = {
        match,
        resolve: (item) => {
          done();
          resolve(item);
        },
        reject: (error) => {
          done();
          reject(new Error(`${label}: ${error.message} (${this.describe()})`));
        },
      };
      const timer = setTimeout(() => {
        waiter.reject(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
    // A wait is often set up before the action that should satisfy it and awaited after; if it
    // fails in between, that is not an unhandled rejection. Whoever awaits it still gets the error.
    promise.catch(() => {});
    return promise;
  }
}
