// Which connection goes through which SOCKS5 proxy, decided from the destination's text as Bitcoin
// Core's -proxy and -onion decide it; the networks that makes reachable; `socks5://` addresses.
// Pure: no sockets, no DNS.
import { isIP } from 'node:net';
import type { StoredNetwork } from '../net-address.js';

/** A SOCKS5 proxy: where it listens (Tor's is 127.0.0.1:9050). */
export interface ProxyEndpoint {
  host: string;
  port: number;
}

/** The proxies outbound connections use, and whether each connection gets a circuit of its own. */
export interface ProxySettings {
  /**
   * Every outbound connection goes through this SOCKS5 proxy (Core's `-proxy`), `.onion` ones too
   * unless `onionProxy` is set. Host names are sent to it as names: nothing is resolved locally.
   */
  proxy?: ProxyEndpoint;
  /** `.onion` connections go through this proxy (Core's `-onion`); makes onion peers reachable without `proxy`. */
  onionProxy?: ProxyEndpoint;
  /**
   * Fresh random SOCKS5 credentials for every connection, so that Tor (IsolateSOCKSAuth, its
   * default) builds a separate circuit per peer (Core's `-proxyrandomize`). Default true.
   */
  proxyRandomize?: boolean;
}

/** How one destination is reached: directly, through a proxy, or not at all. */
export type Route =
  | { via: 'direct' }
  | { via: 'proxy'; proxy: ProxyEndpoint }
  /** No way there: `.onion` without a proxy that can reach it, or I2P (which needs the SAM protocol). */
  | { via: 'none'; network: 'torv3' | 'i2p' };

/**
 * The proxies of a pool or a crawl: those given at its top level, over those in its peer
 * template; only the settings that are set.
 */
export function proxySettingsOf(input: ProxySettings & { peer?: ProxySettings | undefined }): ProxySettings {
  const settings: ProxySettings = {};
  const proxy = input.proxy ?? input.peer?.proxy;
  const onionProxy = input.onionProxy ?? input.peer?.onionProxy;
  const proxyRandomize = input.proxyRandomize ?? input.peer?.proxyRandomize;
  if (proxy) settings.proxy = proxy;
  if (onionProxy) settings.onionProxy = onionProxy;
  if (proxyRandomize !== undefined) settings.proxyRandomize = proxyRandomize;
  return settings;
}

/** Tor's SOCKS port, which Core also assumes when `-proxy` names no port. */
export const DEFAULT_PROXY_PORT = 9050;

/** The network a destination's text names when it is not an IP address or an ordinary host name. */
function specialNetwork(host: string): 'torv3' | 'i2p' | null {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name.endsWith('.onion')) return 'torv3';
  // I2P destinations are reached through a SAM bridge, not SOCKS: this is where that would plug in.
  if (name.endsWith('.i2p')) return 'i2p';
  return null;
}

/**
 * The route to `host`: a `.onion` name goes to `onionProxy`, else to `proxy`, else nowhere (it must
 * never reach a DNS resolver, RFC 7686); I2P goes nowhere; anything else goes to `proxy` if set,
 * else directly.
 */
export function routeFor(host: string, settings: ProxySettings): Route {
  const network = specialNetwork(host);
  if (network === 'i2p') return { via: 'none', network };
  if (network === 'torv3') {
    const proxy = settings.onionProxy ?? settings.proxy;
    return proxy ? { via: 'proxy', proxy } : { via: 'none', network };
  }
  return settings.proxy ? { via: 'proxy', proxy: settings.proxy } : { via: 'direct' };
}

/** Whether `.onion` peers can be dialled with these settings. */
export const reachesOnion = (settings: ProxySettings): boolean => Boolean(settings.onionProxy ?? settings.proxy);

/**
 * The networks whose addresses can be dialled: IPv4 and IPv6 always (directly or through
 * `proxy`), Tor v3 with a proxy that reaches it. I2P and CJDNS never: I2P needs a SAM bridge, CJDNS
 * its own interface, and neither is supported.
 */
export function reachableNetworks(settings: ProxySettings): ReadonlySet<StoredNetwork> {
  return new Set<StoredNetwork>(reachesOnion(settings) ? ['ipv4', 'ipv6', 'torv3'] : ['ipv4', 'ipv6']);
}

/** Whether names are sent to a proxy instead of being resolved here (Core's name proxy). */
export const resolvesThroughProxy = (settings: ProxySettings): boolean => settings.proxy !== undefined;

/** A proxy address that cannot be used, with the reason in its message. */
export class ProxyConfigError extends Error {
  override readonly name = 'ProxyConfigError';
}

/**
 * `socks5://host:port` (also `socks5h://`, which says the proxy resolves names: ours always does),
 * or `host:port` as Core's `-proxy` takes it; the port defaults to 9050. IPv6 hosts in brackets.
 * Throws a ProxyConfigError naming what is wrong.
 */
export function parseProxyUrl(text: string): ProxyEndpoint {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (scheme && !/^socks5h?$/i.test(scheme[1]!)) {
    throw new ProxyConfigError(`only SOCKS5 proxies are supported (socks5://host:port), got ${JSON.stringify(text)}`);
  }
  const rest = scheme ? text.slice(scheme[0].length).replace(/\/$/, '') : text;
  if (rest.includes('@')) {
    throw new ProxyConfigError(
      `a proxy address takes no credentials (each connection gets random ones, or none with randomisation off), got ${JSON.stringify(text)}`,
    );
  }
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  const plain = /^([^:[\]/]+)(?::(\d+))?$/.exec(rest);
  const match = bracketed ?? plain;
  const host = match?.[1] ?? '';
  const port = match?.[2] === undefined ? DEFAULT_PROXY_PORT : Number(match[2]);
  if (!match || (bracketed && isIP(host) !== 6) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ProxyConfigError(`a proxy must be socks5://host:port with a port from 1 to 65535, got ${JSON.stringify(text)}`);
  }
  return { host, port };
}
