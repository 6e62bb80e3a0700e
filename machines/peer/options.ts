// The peer machine's options: defaults, validation, the backoff schedule, and the input of a one-shot peer.
import { DEFAULT_USER_AGENT } from '../../src/package-info.js';
import { PROTOCOL_VERSION, Services } from '../../src/protocol/limits.js';
import { NETWORKS, type NetworkName } from '../../src/protocol/networks.js';
import { type ProxyEndpoint, routeFor } from '../../src/proxy/config.js';
import { cryptoNonce } from './messages.js';
import type { BackoffPolicy, PeerOptions, TransportPreference } from './types.js';

/** What callers may pass: everything but the address is optional. */
export type PeerInput = Partial<Omit<PeerOptions, 'backoff'>> & {
  host: string;
  backoff?: Partial<BackoffPolicy>;
};

/** The backoff policy by default: 1 s, doubling per retry, at most 60 s, up to 20 % jitter. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, multiplier: 2, maxMs: 60_000, jitter: 0.2 };

/** The defaults follow Bitcoin Core where it has one, and the Elixir ancestor for retries. */
export const DEFAULTS = {
  network: 'mainnet' as NetworkName,
  role: 'outbound' as const,
  connectOnStart: false,
  maxRetries: 3,
  connectTimeoutMs: 5_000,
  handshakeTimeoutMs: 60_000,
  pingIntervalMs: 120_000,
  pingTimeoutMs: 20 * 60_000,
  onDisconnect: 'stop' as const,
  protocolVersion: PROTOCOL_VERSION,
  minPeerVersion: 70001,
  services: 0n,
  requiredServices: 0n,
  userAgent: DEFAULT_USER_AGENT,
  startHeight: 0,
  relay: false,
  getaddr: true,
  maxSendBufferBytes: 1_000_000,
  transport: 'auto' as const,
  v2ResponseTimeoutMs: 5_000,
};

/**
 * The connect timeout of a connection made through a proxy, unless one is given: Core's 5 s to
 * reach the proxy plus the 20 s it allows the proxy to answer (Tor builds a circuit meanwhile).
 */
export const PROXY_CONNECT_TIMEOUT_MS = 25_000;

const monotonicNow = (): number => performance.now();

const DURATIONS = ['connectTimeoutMs', 'handshakeTimeoutMs', 'pingIntervalMs', 'pingTimeoutMs', 'v2ResponseTimeoutMs'] as const;

/** PeerInput with every default filled in and checked; a value out of range throws a RangeError. */
export function resolvePeerOptions(input: PeerInput): PeerOptions {
  const network = input.network ?? DEFAULTS.network;
  const backoff = input.backoff ?? {};
  // One literal with every key, in one order: V8 gives an object spread over defaults
  // (`{ ...DEFAULTS, ...input }`) a hidden class of its own: with the backoff, about 0.7 KB per peer held.
  // `satisfies` makes a key added to PeerOptions, optional ones too, an error until it is listed here.
  const options: PeerOptions = {
    host: input.host,
    port: input.port ?? NETWORKS[network].defaultPort,
    network,
    role: input.role ?? DEFAULTS.role,
    connectOnStart: input.connectOnStart ?? DEFAULTS.connectOnStart,
    maxRetries: input.maxRetries ?? DEFAULTS.maxRetries,
    backoff: {
      initialMs: backoff.initialMs ?? DEFAULT_BACKOFF.initialMs,
      multiplier: backoff.multiplier ?? DEFAULT_BACKOFF.multiplier,
      maxMs: backoff.maxMs ?? DEFAULT_BACKOFF.maxMs,
      jitter: backoff.jitter ?? DEFAULT_BACKOFF.jitter,
    },
    connectTimeoutMs:
      input.connectTimeoutMs ??
      (routeFor(input.host, input).via === 'proxy' ? PROXY_CONNECT_TIMEOUT_MS : DEFAULTS.connectTimeoutMs),
    handshakeTimeoutMs: input.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
    pingIntervalMs: input.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
    pingTimeoutMs: input.pingTimeoutMs ?? DEFAULTS.pingTimeoutMs,
    onDisconnect: input.onDisconnect ?? DEFAULTS.onDisconnect,
    protocolVersion: input.protocolVersion ?? DEFAULTS.protocolVersion,
    minPeerVersion: input.minPeerVersion ?? DEFAULTS.minPeerVersion,
    services: input.services ?? DEFAULTS.services,
    requiredServices: input.requiredServices ?? DEFAULTS.requiredServices,
    userAgent: input.userAgent ?? DEFAULTS.userAgent,
    startHeight: input.startHeight ?? DEFAULTS.startHeight,
    relay: input.relay ?? DEFAULTS.relay,
    getaddr: input.getaddr ?? DEFAULTS.getaddr,
    maxSendBufferBytes: input.maxSendBufferBytes ?? DEFAULTS.maxSendBufferBytes,
    transport: input.transport ?? DEFAULTS.transport,
    v2ResponseTimeoutMs: input.v2ResponseTimeoutMs ?? DEFAULTS.v2ResponseTimeoutMs,
    proxy: input.proxy,
    onionProxy: input.onionProxy,
    proxyRandomize: input.proxyRandomize,
    now: input.now ?? monotonicNow,
    random: input.random ?? Math.random,
    nonce: input.nonce ?? cryptoNonce,
    nonces: input.nonces,
    accepted: input.accepted,
    shareAddresses: input.shareAddresses,
  } satisfies Record<keyof PeerOptions, unknown>;
  checkProxy('proxy', options.proxy);
  checkProxy('onionProxy', options.onionProxy);
  for (const key of DURATIONS) checkNonNegativeInteger(key, options[key]);
  checkNonNegativeInteger('maxRetries', options.maxRetries);
  checkNonNegativeInteger('backoff.initialMs', options.backoff.initialMs);
  checkNonNegativeInteger('backoff.maxMs', options.backoff.maxMs);
  if (!(options.backoff.multiplier >= 1)) throw new RangeError('backoff.multiplier must be at least 1');
  if (!(options.backoff.jitter >= 0 && options.backoff.jitter <= 1)) {
    throw new RangeError('backoff.jitter must be between 0 and 1');
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${options.port}`);
  }
  return options;
}

/** The delay before retry number `retries` (1 for the first retry). */
export function backoffDelay(policy: BackoffPolicy, retries: number, random: () => number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** Math.max(0, retries - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

function checkNonNegativeInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of ms ≥ 0`);
}

function checkProxy(name: string, proxy: ProxyEndpoint | undefined): void {
  if (proxy === undefined) return;
  if (typeof proxy.host !== 'string' || proxy.host === '' || !Number.isInteger(proxy.port) || proxy.port < 1 || proxy.port > 65535) {
    throw new RangeError(`${name} must be { host, port } with a port from 1 to 65535, got ${JSON.stringify(proxy)}`);
  }
}

/**
 * The input of a peer spawned by a pool or a crawl: one attempt, dialled at once, stopped when
 * lost, since the spawner decides what comes next.
 */
export function oneShotPeerInput(
  template: Omit<PeerInput, 'host' | 'port' | 'network'>,
  network: NetworkName,
  target: { host: string; port: number; services?: bigint },
): PeerInput {
  return {
    ...template,
    host: target.host,
    port: target.port,
    network,
    connectOnStart: true,
    maxRetries: 0,
    onDisconnect: 'stop',
    transport: transportFor(template.transport ?? DEFAULTS.transport, target.services),
  };
}

/**
 * Core's choice for automatic connections: v2 only to peers known to advertise NODE_P2P_V2 (a peer
 * the user named is dialled in v2 whatever it announced, as with `addnode`).
 */
export function transportFor(preference: TransportPreference, services: bigint | undefined): TransportPreference {
  if (preference !== 'auto' || services === undefined) return preference;
  return (services & Services.P2P_V2) !== 0n ? 'auto' : 'v1';
}
