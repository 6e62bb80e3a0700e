/**
 * Parent side of the scale and crawl benchmarks' child processes: like bench/lib/child.ts's Worker
 * (one request at a time over IPC, `{ id, ...request }` → `{ id, result | error }`), but every
 * child is started through `/bin/sh -c 'ulimit -n …; exec node …'`, because thousands of sockets
 * need more file descriptors than a default soft limit of 1,024 and Node cannot raise its own.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';

/** What we ask for; the hard limit caps it unless we may raise that too (root with CAP_SYS_RESOURCE). */
export const WANTED_FD_LIMIT = 65_536;

export interface FdLimitPlan {
  /** The hard limit of a shell started by us (`ulimit -Hn`), before anything is raised. */
  readonly hardBefore: number;
  /** The limit the children run with, as a shell started like them reports it (`ulimit -n`). */
  readonly effective: number;
  /** Whether `ulimit -n WANTED_FD_LIMIT` succeeded (it needs CAP_SYS_RESOURCE above the hard limit). */
  readonly raisedHard: boolean;
  /** The shell prelude every child runs before `exec node`. */
  readonly prelude: string;
}

const parseLimit = (text: string): number => {
  const t = text.trim();
  return t === 'unlimited' ? Number.POSITIVE_INFINITY : Number(t);
};

/** Checks `ulimit -Hn`, then what the children will actually get. */
export function planFdLimit(): FdLimitPlan {
  const hardBefore = parseLimit(execFileSync('/bin/sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }));
  // dash and bash: `ulimit -n X` sets soft and hard; above the hard limit it fails without
  // CAP_SYS_RESOURCE, and then we take the hard limit as it is.
  const prelude = `ulimit -n ${WANTED_FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)"`;
  const effective = parseLimit(execFileSync('/bin/sh', ['-c', `${prelude}; ulimit -n`], { encoding: 'utf8' }));
  const raisedHard = effective >= WANTED_FD_LIMIT && hardBefore < WANTED_FD_LIMIT;
  return { hardBefore, effective, raisedHard, prelude };
}

export interface ChildOptions {
  /** Node flags, e.g. ['--import', 'tsx', '--expose-gc']. */
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly fd: FdLimitPlan;
}

export class LimitedChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: Error | null = null;
  private readonly exit: Promise<void>;

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
    this.exit = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = new Error(`${label}: child exited (code ${code}, signal ${signal})`);
        for (const waiter of this.pending.values()) waiter.reject(this.exited);
        this.pending.clear();
        resolve();
      });
    });
  }

  /**
   * `sh -c '<ulimit prelude>; exec "$0" "$@"' node <execArgv> <script>`: the shell raises the
   * limit and replaces itself with node, which inherits the IPC channel (NODE_CHANNEL_FD).
   * `BENCH_CPU_PROF=<dir>` adds `--cpu-prof`, profiles in <dir>/<label>/ (main thread and loader thread).
   */
  static start(label: string, script: string, options: ChildOptions): LimitedChild {
    const execArgv = [...(options.execArgv ?? [])];
    const profDir = process.env.BENCH_CPU_PROF;
    // One directory per child: tsx's loader thread writes a profile too, under its own default name.
    if (profDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(profDir, label.replace(/\W+/g, '-'))}`);
    const child = spawn(
      '/bin/sh',
      ['-c', `${options.fd.prelude}; exec "$0" "$@"`, process.execPath, ...execArgv, script],
      {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    return new LimitedChild(label, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T>(request: Record<string, unknown>, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: no answer to ${String(request.op)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, ...request });
    });
  }

  /** Asks the child to exit and waits for it; kills it (by its pid, through this handle) after 10 s. */
  async close(): Promise<void> {
    if (this.exited) return;
    if (this.child.connected) this.child.send({ id: 0, op: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}
