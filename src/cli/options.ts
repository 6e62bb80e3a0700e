// Reading the command line: parsing with typo hints, and the option readers the commands share (numbers, networks, endpoints, seeds, DNS servers, proxies).
import { isIP } from 'node:net';
import { formatHostPort, parseHostPort } from '../host-port.js';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { DEFAULT_BACKOFF, DEFAULTS } from '../../machines/peer/options.js';
import type { TransportPreference } from '../../machines/peer/types.js';
import type { InspectTarget } from '../inspector/open.js';
import { PROXY_CONNECT_TIMEOUT_MS } from '../../machines/peer/options.js';
import { parseProxyUrl, ProxyConfigError, type ProxySettings } from '../proxy/config.js';
import { type Network, networkByName } from '../protocol/networks.js';
import { seedTarget } from '../seeds.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_INSPECT_HOST = '127.0.0.1';
export const DEFAULT_INSPECT_PORT = 4848;

/** `--inspect[=[host:]port|stately]`: the statechart inspector, for the commands that run peers. */
export const INSPECT_OPTION = {
  inspect: {
    type: 'string',
    optionalValue: true,
    hint: '[host:]port|stately',
    help: `serve the live statechart inspector (alone: ${DEFAULT_INSPECT_HOST}:${DEFAULT_INSPECT_PORT}; stately: Stately's hosted UI)`,
  },
} as const satisfies Record<string, OptionSpec>;

/** What `--inspect` alone means, for parseCommandLine's optional values. */
export const INSPECT_OPTIONAL_VALUE = { inspect: `${DEFAULT_INSPECT_HOST}:${DEFAULT_INSPECT_PORT}` };

/** The options every command that dials peers shares, with the defaults `--help` shows. */
export const PEER_OPTIONS = {
  network: {
    type: 'string',
    default: 'mainnet',
    hint: 'mainnet|testnet3|testnet4|signet|regtest',
    help: 'network to speak (testnet = testnet3)',
  },
  'max-retries': {
    type: 'string',
    default: String(DEFAULTS.maxRetries),
    hint: 'n',
    help: 'retries after a failed attempt before giving up',
  },
  backoff: {
    type: 'string',
    default: String(DEFAULT_BACKOFF.initialMs),
    hint: 'ms',
    help: 'first backoff delay; doubles per retry, capped at 60000',
  },
  'connect-timeout': {
    type: 'string',
    hint: 'ms',
    help: `TCP connect (and name resolution, or the proxy's answer) timeout (default: ${DEFAULTS.connectTimeoutMs}; ${PROXY_CONNECT_TIMEOUT_MS} through a proxy)`,
  },
  'handshake-timeout': {
    type: 'string',
    default: String(DEFAULTS.handshakeTimeoutMs),
    hint: 'ms',
    help: 'version/verack handshake timeout',
  },
  'ping-interval': {
    type: 'string',
    default: String(DEFAULTS.pingIntervalMs),
    hint: 'ms',
    help: 'time between our pings',
  },
  'ping-timeout': {
    type: 'string',
    default: String(DEFAULTS.pingTimeoutMs),
    hint: 'ms',
    help: 'how long to wait for a pong',
  },
  'user-agent': { type: 'string', default: DEFAULTS.userAgent, hint: 'text', help: 'user agent we announce' },
  transport: {
    type: 'string',
    default: DEFAULTS.transport,
    hint: 'auto|v2|v1',
    help: 'auto: BIP324 v2, falling back to v1 at once for a v1-only peer; v2: v2 only; v1: v1 only',
  },
  'dns-server': {
    type: 'string',
    multiple: true,
    hint: 'ip[:port]',
    help: 'resolve names through this DNS server (repeatable); default: the system resolver',
  },
  json: { type: 'boolean', default: false, help: 'JSON Lines on stdout instead of human output' },
  help: { type: 'boolean', short: 'h', default: false, help: 'show this help' },
} as const satisfies Record<string, OptionSpec>;

/** Where outbound connections go: a SOCKS5 proxy for all, one for .onion, and stream isolation. */
export const PROXY_OPTIONS = {
  proxy: {
    type: 'string',
    hint: 'socks5://host:port',
    help: 'every connection through this SOCKS5 proxy (e.g. Tor); names go to the proxy, nothing is resolved here',
  },
  'onion-proxy': {
    type: 'string',
    hint: 'socks5://host:port',
    help: 'reach .onion peers through this SOCKS5 proxy (default: --proxy)',
  },
  'no-proxy-randomize': {
    type: 'boolean',
    default: false,
    help: 'no fresh random proxy credentials per connection (they make Tor use one circuit per peer)',
  },
} as const satisfies Record<string, OptionSpec>;

/**
 * The seeds `connect` and `crawl` start from when given no peer: each `--dns-seed`, or the
 * network's. A seed is a name, an IPv4 address, or an IPv6 address in brackets (a bare one's last
 * group would read as a port), the rule `seedTarget` applies when the seeds are asked.
 */
export function dnsSeedsOption(values: ParsedArgs['values'], network: Network): readonly string[] {
  const seeds = (values['dns-seed'] as string[] | undefined) ?? network.dnsSeeds;
  for (const seed of seeds) {
    try {
      seedTarget(seed, network.defaultPort);
    } catch {
      throw new UsageError(`--dns-seed ${JSON.stringify(seed)} is not host[:port] (an IPv6 address in brackets) with a port from 1 to 65535`);
    }
  }
  return seeds;
}

/** `--dns-seed`: the seeds `connect` and `crawl` start from when given no peer. */
export const SEED_OPTION = {
  'dns-seed': {
    type: 'string',
    multiple: true,
    hint: 'host[:port]',
    help: "use this DNS seed instead of the network's (repeatable); through a proxy it is asked for addresses, not resolved",
  },
} as const satisfies Record<string, OptionSpec>;

export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  multiple?: boolean;
  short?: string;
  hint?: string;
  /** The value may be left out (`--name` alone); shown as `--name[=hint]`. */
  optionalValue?: boolean;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * parseArgs, plus the one form it lacks: an option with an optional value (`--inspect` alone
 * means the default address, `--inspect=PORT` a chosen one).
 */
export function parseCommandLine(
  args: string[],
  specs: OptionSpecs,
  optionalValues: Record<string, string> = {},
): ParsedArgs {
  const normalised = args.map((arg) =>
    Object.hasOwn(optionalValues, arg.slice(2)) && arg.startsWith('--')
      ? `${arg}=${optionalValues[arg.slice(2)]}`
      : arg,
  );
  const options: ParseArgsConfig['options'] = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.default !== undefined ? { default: spec.default } : {}),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(normalised, specs),
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    throw new UsageError(explainParseError(error as NodeJS.ErrnoException, specs));
  }
}

/** `--max-retries -1` means the value -1, not an option `-1`: join it, so the range check can say why. */
function joinNegativeValues(args: readonly string[], specs: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const spec = arg.startsWith('--') ? specs[arg.slice(2)] : undefined;
    const next = args[i + 1];
    if (spec?.type === 'string' && !spec.optionalValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs' messages, said the way a person at a prompt needs them. */
function explainParseError(error: NodeJS.ErrnoException, specs: OptionSpecs): string {
  const quoted = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const guess = closestOption(quoted.replace(/^-+/, ''), Object.keys(specs));
    return `unknown option ${quoted}${guess ? ` (did you mean --${guess}?)` : ''}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = quoted.split(' ')[0]!;
    return /does not take an argument/.test(error.message) ? `${name} takes no value` : `${name} needs a value`;
  }
  return error.message.split('\n')[0]!;
}

/** The option a typo most likely meant: the nearest by edit distance, if it is near at all. */
function closestOption(typed: string, names: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(typed.length / 3)) + 1;
  for (const name of names) {
    const d = editDistance(typed, name);
    if (d < bestDistance || (name.startsWith(typed) && typed.length >= 3)) {
      best = name;
      bestDistance = name.startsWith(typed) ? 0 : d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.optionalValue ? `[=${spec.hint}]` : spec.hint && spec.type === 'string' ? ` <${spec.hint}>` : '';
    const left = `  ${spec.short ? `-${spec.short}, ` : ''}--${name}${value}`;
    const def = spec.default !== undefined && spec.type === 'string' ? ` (default: ${spec.default})` : '';
    return [left, `${spec.help}${def}`] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => l.padEnd(width) + r).join('\n');
}

/**
 * The range every numeric option accepts, so that a value that would flood a peer (`--ping-interval
 * 0`) or never end is refused with the option's name and its range.
 */
export const NUMERIC_RANGES: Readonly<Record<string, { min: number; max: number; unit?: 'ms' }>> = {
  'max-retries': { min: 0, max: 1000 },
  backoff: { min: 10, max: 3_600_000, unit: 'ms' },
  'connect-timeout': { min: 100, max: 300_000, unit: 'ms' },
  'handshake-timeout': { min: 1000, max: 600_000, unit: 'ms' },
  'ping-interval': { min: 1000, max: 86_400_000, unit: 'ms' },
  'ping-timeout': { min: 1000, max: 86_400_000, unit: 'ms' },
  concurrency: { min: 1, max: 10_000 },
  'max-nodes': { min: 1, max: 10_000_000 },
  'addr-timeout': { min: 100, max: 600_000, unit: 'ms' },
  port: { min: 0, max: 65_535 },
  'max-inbound': { min: 0, max: 100_000 },
  'max-peers': { min: 1, max: 125 },
  'max-inbound-per-address': { min: 1, max: 100_000 },
  timeout: { min: 100, max: 86_400_000, unit: 'ms' },
  'peer-timeout': { min: 100, max: 600_000, unit: 'ms' },
  'min-peers': { min: 1, max: 125 },
  // Satoshis: at most every bitcoin there will be.
  fee: { min: 0, max: 2_100_000_000_000_000 },
};

const grouped = (n: number): string => n.toLocaleString('en-US');

/** A whole number within the option's range (NUMERIC_RANGES), or a UsageError naming both. */
export function integerOption(values: ParsedArgs['values'], name: string): number {
  const raw = values[name];
  const range = NUMERIC_RANGES[name];
  if (!range) throw new Error(`no range is defined for --${name}`);
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    const unit = range.unit ? ` ${range.unit}` : '';
    throw new UsageError(
      `--${name} must be a whole number from ${grouped(range.min)} to ${grouped(range.max)}${unit}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** An optional whole number within its range; undefined when the option was not given. */
export function optionalIntegerOption(values: ParsedArgs['values'], name: string): number | undefined {
  return values[name] === undefined ? undefined : integerOption(values, name);
}

/** `--proxy`, `--onion-proxy`, `--no-proxy-randomize` as ProxySettings; a UsageError names a bad address. */
export function proxyOptions(values: ParsedArgs['values']): ProxySettings {
  const settings: ProxySettings = {};
  for (const [option, key] of [['proxy', 'proxy'], ['onion-proxy', 'onionProxy']] as const) {
    const raw = values[option];
    if (raw === undefined) continue;
    try {
      settings[key] = parseProxyUrl(String(raw));
    } catch (error) {
      if (error instanceof ProxyConfigError) throw new UsageError(`--${option}: ${error.message}`);
      throw error;
    }
  }
  if (values['no-proxy-randomize'] === true) settings.proxyRandomize = false;
  return settings;
}

export function networkOption(values: ParsedArgs['values']): Network {
  const name = String(values.network);
  const network = networkByName(name);
  if (!network)
    throw new UsageError(
      `--network must be mainnet, testnet3 (or testnet), testnet4, signet or regtest, got ${JSON.stringify(name)}`,
    );
  return network;
}

export interface Endpoint {
  host: string;
  port: number;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`, or a bare IPv6 address. */
export function parseEndpoint(text: string, defaultPort: number, what = 'peer'): Endpoint {
  const endpoint = parseHostPort(text, defaultPort);
  if (!endpoint) throw new UsageError(`${what} ${JSON.stringify(text)} is not host[:port] with a port from 1 to 65535`);
  return endpoint;
}

/**
 * `--dns-server` (repeatable), each an IP address with an optional port (`1.1.1.1`, `[::1]:5353`);
 * empty when none was given. A name is refused: the resolver would need a resolver to reach it.
 */
export function dnsServersOption(values: ParsedArgs['values']): string[] {
  const servers = (values['dns-server'] as string[] | undefined) ?? [];
  for (const server of servers) {
    const { host } = parseEndpoint(server, 53, '--dns-server');
    if (!isIP(host)) throw new UsageError(`--dns-server ${JSON.stringify(server)} must be an IP address, with an optional :port`);
  }
  return servers;
}

export const formatEndpoint = ({ host, port }: Endpoint): string =>
  formatHostPort(host, port);

/**
 * `--inspect`: absent → null; `[host:]port` (port 0 = any free one) → our page; `stately` or
 * `stately:[host:]port` → the bridge to Stately's UI. Always 127.0.0.1 unless a host is named.
 */
export function inspectOption(values: ParsedArgs['values']): InspectTarget | null {
  const raw = values.inspect;
  if (raw === undefined) return null;
  const text = String(raw);
  const kind = text === 'stately' || text.startsWith('stately:') ? 'stately' : 'local';
  const address = kind === 'stately' ? text.slice('stately:'.length) : text;
  if (address === '') return { kind, host: DEFAULT_INSPECT_HOST, port: DEFAULT_INSPECT_PORT };
  const match = /^(?:\[([^\]]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(address);
  const host = match?.[1] ?? match?.[2] ?? DEFAULT_INSPECT_HOST;
  const port = Number(match?.[3]);
  if (!match || port > 65535 || (host !== 'localhost' && isIP(host) === 0)) {
    throw new UsageError(
      `--inspect must be [host:]port (an IP address and a port from 0 to 65535) or stately, got ${JSON.stringify(text)}`,
    );
  }
  return { kind, host, port };
}

/** `--transport`: auto, v2 or v1. */
export function transportOption(values: ParsedArgs['values']): TransportPreference {
  const value = String(values.transport);
  if (value !== 'auto' && value !== 'v2' && value !== 'v1') {
    throw new UsageError(`--transport must be auto, v2 or v1, got ${JSON.stringify(value)}`);
  }
  return value;
}
