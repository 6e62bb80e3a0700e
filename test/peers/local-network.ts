/**
 * A network of scripted peers on distinct loopback addresses (127.0.0.2, 127.0.0.3, …), all on
 * the same port like real hosts, whose `getaddr` answers follow a chosen topology.
 *
 * On Linux all of 127.0.0.0/8 reaches `lo`, so any of those addresses can be bound without setup.
 */
import net from 'node:net';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import type { Network, NetworkName } from '../../src/protocol/networks.js';
import {
  type Behaviour,
  DEFAULT_SERVICES,
  formatAddress,
  parseAddress,
  resolveNetwork,
  type ScriptedPeer,
  type ScriptedPeerOptions,
  startScriptedPeer,
} from '../../testkit/scripted-peer/index.js';

/**
 * One entry of a host's `getaddr` answer: the index of another host, an IPv4 address (the
 * network's port is used), 'ip:port', or a full AddrEntry.
 */
export type TopologyEntry = number | string | AddrEntry;

export interface LocalNetworkInfo {
  readonly size: number;
  readonly port: number;
  hostOf(index: number): string;
  addressOf(index: number): string;
  /** A loopback address (127.254.x.y) nothing in a local network ever listens on. */
  deadAddress(k: number): string;
}

export type Topology = (index: number, network: LocalNetworkInfo) => readonly TopologyEntry[];

export interface LocalNetworkOptions {
  size: number;
  /**
   * The one port every host listens on. Default: the network's default port (18444 on regtest).
   * 0: a free port is chosen (the first host gets an ephemeral port, the others reuse it) —
   * use it when several test files may run networks at the same time.
   */
  port?: number;
  /** Address of host 0; the others follow (x.y.z.0 and x.y.z.255 are skipped). Default '127.0.0.2'. */
  firstHost?: string;
  network?: NetworkName | Network;
  /** Each host's `getaddr` answer, evaluated at every request. Default: nothing (empty `addr`). */
  topology?: Topology;
  /** Behaviour for every host, or per host. Default 'normal'. */
  behaviour?: Behaviour | ((index: number) => Behaviour);
  /** Further options per host (they override the ones above, except host and port). */
  peerOptions?: Partial<ScriptedPeerOptions> | ((index: number) => Partial<ScriptedPeerOptions>);
  /** `time` of generated addr entries; default now. */
  addrTime?: () => number;
}

export interface LocalNetwork extends LocalNetworkInfo {
  readonly hosts: ScriptedPeer[];
  readonly network: Network;
  /** Index of the host with this address ('ip' or 'ip:port'), or -1. */
  indexOf(address: string): number;
  /** Closes every host; resolves when all their handles are gone. Idempotent. */
  close(): Promise<void>;
}

const MAX_START_ATTEMPTS = 5;

const ipToInt = (ip: string): number => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The `index`-th usable loopback address from `first`, skipping .0 and .255 endings. */
export function loopbackHost(first: string, index: number): string {
  if (!net.isIPv4(first) || first.split('.')[0] !== '127') {
    throw new Error(`local networks use 127.0.0.0/8 addresses, not ${JSON.stringify(first)}`);
  }
  let n = ipToInt(first);
  let remaining = index;
  for (;;) {
    const last = n & 255;
    if (last !== 0 && last !== 255) {
      if (remaining === 0) break;
      remaining--;
    }
    n++;
  }
  const ip = intToIp(n);
  if (ip.split('.')[0] !== '127') throw new Error(`host ${index} from ${first} leaves 127.0.0.0/8`);
  return ip;
}

export const deadAddress = (k: number): string => intToIp(ipToInt('127.254.0.1') + k);

/** Ready-made topologies. */
export const topologies = {
  /** Nobody knows anybody. */
  none: (): Topology => () => [],
  /** Host i knows the next `k` hosts (i+1 … i+k, wrapping). */
  ring:
    (k = 1): Topology =>
    (i, { size }) =>
      Array.from({ length: Math.min(k, size - 1) }, (_, j) => (i + j + 1) % size),
  /** Every host knows every other host. */
  all:
    (): Topology =>
    (i, { size }) =>
      Array.from({ length: size }, (_, j) => j).filter((j) => j !== i),
  /** Host 0 knows everybody, the others know nobody: a seed node. */
  star:
    (): Topology =>
    (i, { size }) =>
      i === 0 ? Array.from({ length: size - 1 }, (_, j) => j + 1) : [],
} as const;

const isAddrInUse = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | null)?.code === 'EADDRINUSE';

/** Starts `size` scripted peers in parallel; if one fails to start, stops the others and throws. */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) throw new Error(`size must be a positive integer, got ${size}`);
  const network = resolveNetwork(options.network);
  const firstHost = options.firstHost ?? '127.0.0.2';
  const hostNames = Array.from({ length: size }, (_, i) => loopbackHost(firstHost, i));
  const wanted = options.port ?? network.defaultPort;
  let port = wanted;
  const addrTime = options.addrTime ?? (() => Math.floor(Date.now() / 1000));

  const info: LocalNetworkInfo = {
    size,
    get port() {
      return port;
    },
    hostOf: (i) => {
      const host = hostNames[i];
      if (host === undefined) throw new RangeError(`no host ${i} in a network of ${size}`);
      return host;
    },
    addressOf: (i) => formatAddress(info.hostOf(i), port),
    deadAddress,
  };

  const toEntry = (entry: TopologyEntry): AddrEntry => {
    if (typeof entry === 'object') return entry;
    let host: string;
    let entryPort = port;
    if (typeof entry === 'number') {
      host = info.hostOf(entry);
    } else if (net.isIP(entry)) {
      host = entry;
    } else {
      ({ host, port: entryPort } = parseAddress(entry));
    }
    return { time: addrTime(), services: DEFAULT_SERVICES, host, port: entryPort };
  };

  const optionsFor = (i: number, listenPort: number): ScriptedPeerOptions => {
    const behaviour = typeof options.behaviour === 'function' ? options.behaviour(i) : options.behaviour;
    const extra =
      typeof options.peerOptions === 'function' ? options.peerOptions(i) : (options.peerOptions ?? {});
    const topology = options.topology;
    return {
      network,
      behaviour: behaviour ?? 'normal',
      ...(topology ? { addresses: () => topology(i, info).map(toEntry) } : {}),
      ...extra,
      host: hostNames[i]!,
      port: listenPort,
    };
  };

  const startAll = async (indices: number[], listenPort: number): Promise<ScriptedPeer[]> => {
    const results = await Promise.allSettled(
      indices.map((i) => startScriptedPeer(optionsFor(i, listenPort))),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
      throw failed.reason;
    }
    return results.map((r) => (r as PromiseFulfilledResult<ScriptedPeer>).value);
  };

  let hosts: ScriptedPeer[] | undefined;
  const rest = Array.from({ length: size - 1 }, (_, i) => i + 1);
  if (wanted === 0) {
    // Let the kernel choose a port free on host 0, then bind the others to it; should one of
    // them be taken on another address, start over with a new port.
    for (let attempt = 1; hosts === undefined; attempt++) {
      const [first] = await startAll([0], 0);
      port = first!.port;
      try {
        hosts = [first!, ...(await startAll(rest, port))];
      } catch (error) {
        await first!.close();
        if (!isAddrInUse(error) || attempt >= MAX_START_ATTEMPTS) throw error;
      }
    }
  } else {
    try {
      hosts = await startAll([0, ...rest], wanted);
    } catch (error) {
      if (isAddrInUse(error)) {
        const where = (error as { address?: string }).address ?? firstHost;
        throw new Error(
          `port ${wanted} is already in use on ${where}: pass another \`port\`, or \`port: 0\` to have one chosen`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  const byHost = new Map(hostNames.map((h, i) => [h, i]));
  const all = hosts;
  let closing: Promise<void> | null = null;
  return {
    ...info,
    // `info.port` is a getter over a variable that is final by now.
    port,
    hosts: all,
    network,
    indexOf(address) {
      if (net.isIP(address)) return byHost.get(address) ?? -1;
      const parsed = parseAddress(address);
      return parsed.port === port ? (byHost.get(parsed.host) ?? -1) : -1;
    },
    close() {
      closing ??= Promise.all(all.map((h) => h.close())).then(() => undefined);
      return closing;
    },
  };
}
