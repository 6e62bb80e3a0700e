// What connect and crawl do with seeds asked through a proxy: the line each seed's outcome gets, and
// which of the addresses they gave the proxies can dial.
import type { SeedOutcome } from '../../machines/address-fetch.js';
import type { CrawlTarget } from '../../machines/crawl/types.js';
import { classifyTarget } from '../crawl.js';
import { networkOfHost } from '../net-address.js';
import { type ProxySettings, reachableNetworks } from '../proxy/config.js';

/** A seed's outcome as the CLI tells it: `N addresses`, or `no addresses (why)`. */
export const describeSeedOutcome = (seed: SeedOutcome): string =>
  seed.error ? `no addresses (${seed.error})` : `${seed.addresses} addresses`;

/**
 * The addresses, as crawl targets, that these proxies can dial: public ones of a network they
 * reach (never loopback or private ones, which a seed has no business handing out).
 */
export function dialableThroughProxy(addresses: readonly { host: string; port: number }[], proxies: ProxySettings): CrawlTarget[] {
  const networks = reachableNetworks(proxies);
  return addresses.flatMap((a): CrawlTarget[] => {
    const network = networkOfHost(a.host);
    const target = network && { network, host: a.host, port: a.port };
    return target && classifyTarget(target, false, networks) === 'dial' ? [target] : [];
  });
}
