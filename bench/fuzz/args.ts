/** Command line of `npm run fuzz`. */
import { TARGET_NAMES, type TargetName } from '../../testkit/fuzz/targets.js';

export const INJECTIONS = ['crash', 'hang', 'growth', 'mismatch'] as const;
export type Injection = (typeof INJECTIONS)[number];

export interface FuzzOptions {
  /** How long to fuzz, ms. */
  durationMs: number;
  seed: number;
  targets: TargetName[];
  /** A case that takes longer than this (wall clock, ms) is a hang. */
  caseTimeoutMs: number;
  /** Heap (or Buffer memory) after GC may grow this much over the first sample, bytes. */
  maxGrowth: number;
  /** How often the heap is sampled after GC, ms. */
  heapEveryMs: number;
  /** Progress lines on stderr this often, ms. */
  progressEveryMs: number;
  /** Where failing inputs are written; undefined = test/endurance/vectors. */
  vectorsDir: string | undefined;
  /** Self-test: plant a fault of this kind in the checks, to see the campaign catch it. */
  inject: Injection | undefined;
}

export const USAGE = `usage: npm run fuzz -- [options]

Runs random and mutated frames through the Framer, the decoders (target codec) and a connected
peer machine over an in-memory socket (target peer) until the duration elapses. An untyped
exception, an outcome the oracle does not predict, a hang or unbounded memory growth stops the
campaign: the input (shrunk when fast-check can) is written to test/endurance/vectors/ and
printed, and the exit code is 1. Otherwise it prints counts and rates and exits 0.

options:
  --duration <t>        how long to fuzz: 500ms, 90s, 2m, 1h (a bare number is seconds); default 60s
  --seed <n>            campaign seed (default: random, printed)
  --targets <list>      codec, peer or codec,peer (default)
  --case-timeout <t>    a case taking longer is a hang (default 10s)
  --max-growth <MB>     allowed growth of the heap or of Buffer memory after GC (default 64)
  --heap-every <t>      sample memory after GC this often (default 10s)
  --progress-every <t>  progress line on stderr this often (default 10s)
  --vectors <dir>       where to write failing inputs (default test/endurance/vectors)
  --inject <kind>       self-test: plant a ${INJECTIONS.join('|')} and check the campaign reports it
                        (vectors go to a temporary directory unless --vectors is given)
  -h, --help`;

export class UsageError extends Error {}

/** "90s", "2m", "500ms", "1h", "45" (seconds) → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new UsageError(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 90s, 2m)`);
  const value = Number(match[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  const ms = Math.round(value * unit);
  if (ms <= 0) throw new UsageError(`the duration must be positive: ${JSON.stringify(text)}`);
  return ms;
}

function parseInteger(text: string, what: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) throw new UsageError(`${what} must be a non-negative integer: ${JSON.stringify(text)}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new UsageError(`${what} is too large: ${text}`);
  return value;
}

/** Parses argv (after the script); throws UsageError. `help` is set for -h/--help. */
export function parseArgs(argv: readonly string[]): FuzzOptions & { help: boolean } {
  const options: FuzzOptions & { help: boolean } = {
    durationMs: 60_000,
    seed: Math.floor(Math.random() * 0x7fff_ffff),
    targets: [...TARGET_NAMES],
    caseTimeoutMs: 10_000,
    maxGrowth: 64 * 1024 * 1024,
    heapEveryMs: 10_000,
    progressEveryMs: 10_000,
    vectorsDir: undefined,
    inject: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--duration':
        options.durationMs = parseDuration(value());
        break;
      case '--seed':
        options.seed = parseInteger(value(), '--seed') % 0x8000_0000;
        break;
      case '--targets': {
        const names = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !TARGET_NAMES.includes(n as TargetName));
        if (names.length === 0 || unknown.length > 0) {
          throw new UsageError(`--targets takes ${TARGET_NAMES.join(', ')}; got ${JSON.stringify(names.join(','))}`);
        }
        options.targets = [...new Set(names as TargetName[])];
        break;
      }
      case '--case-timeout':
        options.caseTimeoutMs = parseDuration(value());
        break;
      case '--max-growth':
        options.maxGrowth = parseInteger(value(), '--max-growth') * 1024 * 1024;
        break;
      case '--heap-every':
        options.heapEveryMs = parseDuration(value());
        break;
      case '--progress-every':
        options.progressEveryMs = parseDuration(value());
        break;
      case '--vectors':
        options.vectorsDir = value();
        break;
      case '--inject': {
        const kind = value();
        if (!INJECTIONS.includes(kind as Injection)) throw new UsageError(`--inject takes ${INJECTIONS.join(', ')}`);
        options.inject = kind as Injection;
        break;
      }
      default:
        throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return options;
}
