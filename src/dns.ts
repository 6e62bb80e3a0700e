import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** Resolves a host name to the addresses to try; IP literals never reach it. */
export type HostResolver = (host: string) => Promise<string[]>;

/** Where and how long to ask: DNS servers (IP addresses, each with an optional port) and a timeout. */
export interface ResolverOptions {
  /** DNS servers as `ip` or `ip:port` (`[ipv6]:port`); default: the system's resolver (getaddrinfo). */
  servers?: string[];
  /** Per-query timeout in ms. */
  timeoutMs?: number;
}

/**
 * A resolver for peer and seed names. With `servers` it asks those servers directly (A and AAAA),
 * which is how tests point it at a loopback stand-in and how users pick a resolver.
 */
export function createResolver(options: ResolverOptions = {}): HostResolver {
  if (!options.servers?.length) {
    return async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  }
  const resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 5000, tries: 1 });
  resolver.setServers(options.servers);
  return async (host) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    if (addresses.length === 0) {
      const failure = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : null;
      const error = new Error(
        `no address for ${host}${failure ? `: ${(failure as Error).message}` : ''}`,
      ) as NodeJS.ErrnoException;
      error.code = 'ENOTFOUND';
      throw error;
    }
    return addresses;
  };
}

export const isIpLiteral = (host: string): boolean => isIP(host.replace(/^\[|\]$/g, '')) !== 0;

/** One address at random, so that peers started from the same seed spread out. */
export const pickOne = <T>(items: readonly T[], random: () => number = Math.random): T =>
  items[Math.floor(random() * items.length)]!;
