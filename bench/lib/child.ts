import { type ChildProcess, fork } from 'node:child_process';

/**
 * A long-lived benchmark worker in its own process, driven over IPC one request at a time.
 * Each contender (our codec, each bcoin backend) gets one, so they never share a heap or a JIT,
 * and the parent interleaves their repetitions so that machine noise falls on all of them alike.
 *
 * Protocol: the parent sends `{ id, ...request }`, the worker answers `{ id, result }` or `{ id, error }`.
 */
export class Worker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (raw) => {
      const msg = raw as { id: number; result?: unknown; error?: string };
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.error !== undefined) waiter.reject(new Error(`${label}: ${msg.error}`));
      else waiter.resolve(msg.result);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${label}: worker exited (code ${code}, signal ${signal})`);
      for (const waiter of this.pending.values()) waiter.reject(this.exited);
      this.pending.clear();
    });
  }

  /**
   * Starts `script` with its own node flags and environment. `BENCH_CPU_PROF=<dir>` adds `--cpu-prof`
   * to every worker, for profiling a run without touching the code.
   */
  static start(
    label: string,
    script: string,
    options: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {},
  ): Worker {
    const execArgv = [...(options.execArgv ?? [])];
    const profDir = process.env.BENCH_CPU_PROF;
    // One directory per worker: a process under tsx has a loader thread too, and each thread writes
    // a profile of its own (named by Node with the pid and thread id).
    if (profDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${profDir}/${label.replace(/\W+/g, '-')}`);
    const child = fork(script, [], {
      execArgv,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Worker(label, child);
  }

  request<T>(request: Record<string, unknown>): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...request });
    });
  }

  /** Asks the worker to exit and waits for it (profiles are written on a clean exit). */
  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ id: 0, op: 'exit' });
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await done;
    clearTimeout(timer);
  }
}
