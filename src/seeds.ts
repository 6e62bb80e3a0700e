// Where a node's first addresses come from: the network's DNS seeds (or seeds named instead),
// resolved here; or, with a proxy set, contacted by name through the proxy as one-shot
// address-fetch peers, as Bitcoin Core does with -proxy, so that no name is looked up locally.
import { isIP } from 'node:net';
import type { AddressFetchInput, SeedOutcome, SeedTarget } from '../machines/address-fetch.js';
import type { PeerInput } from '../machines/peer/options.js';
import type { HeardAddress } from '../machines/peer/types.js';
import type { PeerMachine } from '../machines/peer.js';
import { fetchAddresses } from './address-fetch.js';
import { createResolver, type HostResolver } from './dns.js';
import { formatHostPort, parseHostPort } from './host-port.js';
import { Services } from './protocol/limits.js';
import { NETWORKS, type NetworkName } from './protocol/networks.js';
import { type ProxySettings, resolvesThroughProxy } from './proxy/config.js';

/** How to reach the seeds, and which. */
export interface SeedingOptions extends ProxySettings {
  network: NetworkName;
  /** Seeds to use instead of the network's DNS seeds: names, or `name:port` for another port. */
  seeds?: readonly string[];
  /** Resolves the seeds when no proxy is set; default: the system resolver. */
  resolve?: HostResolver;
  /** What each address-fetch peer gets (timeouts, user agent); the proxies are added. */
  peer?: Omit<PeerInput, 'host' | 'port' | 'network'>;
  /** The peer machine address-fetch peers run; default: the real one. */
  peerMachine?: PeerMachine;
  /** Address fetch only: seeds asked at once (3), seeds that must answer before the others are left out (all), the wait for `addr` (30 s). */
  fetch?: Pick<AddressFetchInput, 'concurrency' | 'wanted' | 'addrTimeoutMs'>;
  /** Stops the seeding early; what was found so far is returned. */
  signal?: AbortSignal;
  /** Wall clock for the age given to resolved addresses; default Date.now. */
  now?: () => number;
  random?: () => number;
}

/** What seeding found, and how. */
export interface SeedingResult {
  /** `dns`: resolved here; `proxy`: asked through the proxy as address-fetch peers. */
  via: 'dns' | 'proxy';
  addresses: HeardAddress[];
  seeds: SeedOutcome[];
}

/** A seed as `host` or `host:port` (IPv6 in brackets) into a target with the network's port by default. */
export function seedTarget(text: string, defaultPort: number): SeedTarget {
  const target = parseHostPort(text, defaultPort);
  // A seed is a name: an IPv6 literal only in brackets, never bare (its last group reads as a port).
  if (!target || (target.host.includes(':') && !text.startsWith(`[${target.host}]`))) {
    throw new RangeError(`a seed must be host or host:port with a port from 1 to 65535, got ${JSON.stringify(text)}`);
  }
  return target;
}

/** The seeds to use: those named, or the network's DNS seeds, each with its port. */
export function seedTargets(network: NetworkName, seeds?: readonly string[]): SeedTarget[] {
  const { defaultPort, dnsSeeds } = NETWORKS[network];
  return (seeds ?? dnsSeeds).map((seed) => seedTarget(seed, defaultPort));
}

// Core gives addresses from a DNS seed a random age of three to seven days, so that they never look
// fresher than addresses heard from peers.
const DAY_SECONDS = 24 * 3600;
// The service bits Core asks DNS seeds for (its desirable flags): full nodes with witness data.
const SEEDED_SERVICES = Services.NETWORK | Services.WITNESS;

/**
 * Asks the seeds for addresses: with a proxy (`proxy` set), by connecting to each by name through
 * it and asking `getaddr`; otherwise by resolving each name (A and AAAA) here.
 */
export async function seedAddresses(options: SeedingOptions): Promise<SeedingResult> {
  const targets = seedTargets(options.network, options.seeds);
  if (resolvesThroughProxy(options)) {
    const { proxy, onionProxy, proxyRandomize } = options;
    const result = await fetchAddresses(
      {
        network: options.network,
        seeds: targets,
        ...options.fetch,
        peer: { ...options.peer, proxy, onionProxy, proxyRandomize },
      },
      { peerMachine: options.peerMachine, signal: options.signal },
    );
    return { via: 'proxy', addresses: result.addresses, seeds: result.seeds };
  }
  const resolve = options.resolve ?? createResolver();
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const answers = await Promise.allSettled(
    targets.map(async ({ host, port }) => (isIP(host) ? [host] : await resolve(host)).map((ip) => ({ ip, port }))),
  );
  const addresses: HeardAddress[] = [];
  const seeds: SeedOutcome[] = answers.map((answer, i) => {
    const { host, port } = targets[i]!;
    const seed = formatHostPort(host, port);
    if (answer.status === 'rejected') return { seed, addresses: 0, error: 'dns-failure' };
    for (const { ip, port: p } of answer.value) {
      const ageSeconds = 3 * DAY_SECONDS + Math.floor(random() * 4 * DAY_SECONDS);
      addresses.push({
        network: isIP(ip) === 6 ? 'ipv6' : 'ipv4',
        host: ip,
        port: p,
        services: SEEDED_SERVICES,
        time: Math.floor(now() / 1000) - ageSeconds,
      });
    }
    return { seed, addresses: answer.value.length, error: answer.value.length > 0 ? null : 'no-addresses' };
  });
  return { via: 'dns', addresses, seeds };
}
