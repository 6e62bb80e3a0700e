// Which Host headers the inspectors answer: the names and addresses a browser uses for the address
// they listen on, and no other. A page from another site that rebinds its own DNS name to this
// machine sends that name as Host, so refusing unknown names keeps such pages from reading us.
import { BlockList, isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

/** Decides, per request, whether its Host header names this server. */
export interface HostCheck {
  /** Whether `header` (the raw Host header, possibly absent) names this server on its port. */
  allows(header: string | undefined): boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

// A Host header is `name[:port]` or `[IPv6]:port`; anything else (user info, paths, spaces) is
// refused before the URL parser, which would accept more than a browser ever sends.
const HOST_HEADER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._~%-]+)(?::(\d{1,5}))?$/;

/**
 * A host as a browser writes it in the Host header: lower case, IPv4 in dotted decimal, IPv6 in
 * its canonical form inside brackets (`::ffff:127.0.0.1` becomes `[::ffff:7f00:1]`). Null when
 * it is not a host a URL could hold.
 */
export function canonicalHost(host: string): string | null {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const literal = isIP(bare) === 6 ? `[${bare}]` : bare;
  try {
    return new URL(`http://${literal}/`).hostname;
  } catch {
    return null;
  }
}

const unbracket = (host: string): string => (host.startsWith('[') ? host.slice(1, -1) : host);

/** Whether `host` (a name or an IP literal, with or without brackets) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const canonical = canonicalHost(host);
  if (canonical === null) return false;
  if (canonical === 'localhost') return true;
  const ip = unbracket(canonical);
  const family = isIP(ip);
  return family !== 0 && LOOPBACK.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether `host` is a wildcard address (`0.0.0.0`, `::`): the server listens on every interface. */
export function isWildcardHost(host: string): boolean {
  const canonical = canonicalHost(host);
  return canonical === '0.0.0.0' || canonical === '[::]';
}

/** Every address of this machine's interfaces, in canonical form; read per call, as they change. */
function ownAddresses(): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      // Link-local IPv6 needs a zone that URLs cannot carry; browsers cannot name it either.
      const canonical = canonicalHost(entry.address.split('%')[0]!);
      if (canonical) addresses.push(canonical);
    }
  }
  return addresses;
}

/**
 * The Host check for a server bound to `bind`: its own address (or name), the loopback names when
 * that is loopback, and for a wildcard bind also the loopback names, every address of the
 * machine's interfaces and its host name. `port()` is read per request, since port 0 is only
 * known once the server listens.
 */
export function hostCheck(bind: string, port: () => number): HostCheck {
  const own = canonicalHost(bind);
  const fixed = new Set<string>(own === null ? [] : [own]);
  const wildcard = isWildcardHost(bind);
  if (wildcard || isLoopbackHost(bind)) for (const name of LOOPBACK_NAMES) fixed.add(name);
  const names = (): Set<string> => {
    if (!wildcard) return fixed;
    const all = new Set(fixed);
    for (const address of ownAddresses()) all.add(address);
    all.add(hostname().toLowerCase());
    return all;
  };
  return {
    allows(header) {
      if (header === undefined) return false;
      const match = HOST_HEADER.exec(header);
      if (!match) return false;
      const listening = port();
      // Without a port, a browser means the scheme's default.
      const given = match[2] === undefined ? 80 : Number(match[2]);
      if (given !== listening) return false;
      const canonical = canonicalHost(match[1]!);
      return canonical !== null && names().has(canonical);
    },
  };
}
