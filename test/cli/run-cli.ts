import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/bitcoin-node.js', import.meta.url));
const GUARD_MS = 15_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  exit: Promise<CliResult>;
  /** Resolves once stdout matches `pattern` (bounded in real time). */
  waitForStdout(pattern: RegExp): Promise<void>;
  /** Resolves with the match once stderr matches `pattern`. */
  waitForStderr(pattern: RegExp): Promise<RegExpExecArray>;
}

/** Starts `bitcoin-node` as a real process; it is killed if it outlives the guard. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '', DEBUG: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (const w of watchers) w();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of watchers) w();
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), GUARD_MS);
  const exit = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(guard);
      for (const w of watchers) w();
      resolve({ code, stdout, stderr });
    });
  });
  const waitFor = (read: () => string, pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(read());
        if (match) {
          watchers.delete(check);
          resolve(match);
        } else if (child.exitCode !== null) {
          watchers.delete(check);
          reject(new Error(`exited (${child.exitCode}) before output matched ${pattern}:\n${stdout}\n${stderr}`));
        }
      };
      watchers.add(check);
      check();
    });
  return {
    child,
    exit,
    waitForStderr: (pattern) => waitFor(() => stderr, pattern),
    waitForStdout: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout)) {
            watchers.delete(check);
            resolve();
          } else if (child.exitCode !== null) {
            watchers.delete(check);
            reject(
              new Error(`exited (${child.exitCode}) before stdout matched ${pattern}:\n${stdout}\n${stderr}`),
            );
          }
        };
        watchers.add(check);
        check();
      }),
  };
}

export const runCli = (args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> => {
  const cli = startCli(args, env);
  cli.child.stdin!.end();
  return cli.exit;
};

export const jsonLines = (stdout: string): Record<string, unknown>[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
