/**
 * A real bcoin 1.0.2 full node running inside the test process, as a peer for integration tests.
 *
 * - regtest, `memory: true`: nothing touches the disk; every start begins at genesis.
 * - Listens on 127.0.0.1 only, on a free port (or the one asked for). bcoin's HTTP/RPC server is
 *   disabled, it makes no outbound connections, and it does no DNS, DNS-seed, UPnP or
 *   external-address discovery.
 * - A process-wide network guard (installed before bcoin is even loaded, and left on) makes any
 *   socket, UDP or DNS use aimed off loopback throw, and records it; tests assert the record is empty.
 * - bcoin's timers run on the real clock: never use fake timers while a node is up.
 * - bcoin bans the whole IP (127.0.0.1) once a peer's ban score reaches 100 (10 per malformed
 *   frame): never send it garbage. `restart()` clears that, along with everything else in memory.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import dns from 'node:dns';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { pollUntil } from './poll-until.js';

// ---------------------------------------------------------------------------------------------
// Network guard
// ---------------------------------------------------------------------------------------------

export interface NetworkViolation {
  /** The API that was called, e.g. `net.Socket.connect` or `dns.resolve4`. */
  readonly api: string;
  /** What it was aimed at. */
  readonly target: string;
  readonly stack: string | undefined;
}

export class NetworkGuardError extends Error {
  override readonly name = 'NetworkGuardError';
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True for `localhost`, 127.0.0.0/8, ::1 and their IPv4-mapped forms; false for every other name. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const family = net.isIP(bare);
  if (family === 4) return LOOPBACK.check(bare, 'ipv4');
  if (family === 6) return LOOPBACK.check(bare, 'ipv6');
  return false;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
interface Patch {
  owner: Record<string, unknown>;
  key: string;
  original: unknown;
}

const violations: NetworkViolation[] = [];
const patches: Patch[] = [];

function deny(api: string, target: string): never {
  const error = new NetworkGuardError(
    `network guard: ${api} to ${target} is not loopback; tests stay on loopback`,
  );
  violations.push({ api, target, stack: error.stack });
  throw error;
}

function wrap(owner: object, key: string, check: (args: unknown[]) => void, api: string): void {
  const table = owner as Record<string, unknown>;
  const original = table[key];
  if (typeof original !== 'function') return;
  const fn = original as AnyFunction;
  const guarded = function (this: unknown, ...args: unknown[]): unknown {
    check(args);
    return fn.apply(this, args);
  };
  Object.defineProperty(guarded, 'name', { value: `guarded ${api}` });
  // Keep util.promisify.custom (dns.lookup has one), itself guarded.
  for (const symbol of Object.getOwnPropertySymbols(fn)) {
    const value = (fn as unknown as Record<symbol, unknown>)[symbol];
    const inner = value as AnyFunction;
    const copy =
      typeof value === 'function'
        ? function (this: unknown, ...args: unknown[]): unknown {
            check(args);
            return inner.apply(this, args);
          }
        : value;
    Object.defineProperty(guarded, symbol, { value: copy, configurable: true, writable: true });
  }
  patches.push({ owner: table, key, original });
  table[key] = guarded;
}

/** The host a `net.Socket#connect` call aims at, or null for a local (IPC) path. */
function socketTarget(args: unknown[]): string | null {
  // net.connect() hands Socket#connect its normalised arguments as [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { host?: unknown; path?: unknown };
    if (typeof options.path === 'string') return null;
    return typeof options.host === 'string' ? options.host : 'localhost';
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // a pipe path
  return typeof args[1] === 'string' ? args[1] : 'localhost';
}

/** `send(msg, [offset, length,] port[, address][, cb])` and `connect(port[, address][, cb])`. */
function datagramTarget(args: unknown[], from: number): string {
  const address = args.slice(from).find((a) => typeof a === 'string');
  return typeof address === 'string' ? address : 'localhost';
}

const DNS_QUERY = /^(resolve\w*|reverse)$/;

function guardResolverPrototype(ctor: unknown, label: string): void {
  let proto = (ctor as { prototype?: object } | undefined)?.prototype;
  while (proto && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (!DNS_QUERY.test(key)) continue;
      const api = `${label}#${key}`;
      wrap(proto, key, (args) => deny(api, String(args[0])), api);
    }
    proto = Object.getPrototypeOf(proto) as object | undefined;
  }
}

function guardDnsModule(module: object, label: string): void {
  for (const key of Object.keys(module)) {
    const api = `${label}.${key}`;
    if (key === 'lookup' || key === 'lookupService') {
      // Name resolution through getaddrinfo: only loopback names and literals.
      wrap(
        module,
        key,
        (args) => {
          if (!isLoopbackHost(String(args[0]))) deny(api, String(args[0]));
        },
        api,
      );
    } else if (DNS_QUERY.test(key)) {
      // Every query goes to the configured DNS servers, even for `localhost`: always refused.
      wrap(module, key, (args) => deny(api, String(args[0])), api);
    }
  }
}

/**
 * Refuses, process-wide, every TCP connect, UDP send and DNS use aimed off loopback: Node's
 * `net.Socket#connect` (behind net.connect, http, tls and fetch), `dgram.Socket#send/connect`
 * and multicast membership, `dns.lookup`/`lookupService` of anything but loopback names, and
 * every DNS query (`resolve*`, `reverse`, callback, promise and Resolver forms). Refusal throws a
 * NetworkGuardError before anything is sent and records a violation.
 */
export const networkGuard = {
  get installed(): boolean {
    return patches.length > 0;
  },
  /** Everything refused since the process started (or the last `clearViolations()`). */
  get violations(): readonly NetworkViolation[] {
    return [...violations];
  },
  clearViolations(): void {
    violations.length = 0;
  },
  install(): void {
    if (patches.length > 0) return;
    wrap(
      net.Socket.prototype,
      'connect',
      (args) => {
        const host = socketTarget(args);
        if (host !== null && !isLoopbackHost(host)) deny('net.Socket.connect', host);
      },
      'net.Socket.connect',
    );
    wrap(
      dgram.Socket.prototype,
      'send',
      (args) => {
        const host = datagramTarget(args, 1);
        if (!isLoopbackHost(host)) deny('dgram.Socket.send', host);
      },
      'dgram.Socket.send',
    );
    wrap(
      dgram.Socket.prototype,
      'connect',
      (args) => {
        const host = datagramTarget(args, 0);
        if (!isLoopbackHost(host)) deny('dgram.Socket.connect', host);
      },
      'dgram.Socket.connect',
    );
    for (const key of ['addMembership', 'addSourceSpecificMembership']) {
      const api = `dgram.Socket.${key}`;
      wrap(dgram.Socket.prototype, key, (args) => deny(api, String(args[0])), api);
    }
    guardDnsModule(dns, 'dns');
    guardResolverPrototype(dns.Resolver, 'dns.Resolver');
    guardDnsModule(dns.promises, 'dns.promises');
    guardResolverPrototype(dns.promises.Resolver, 'dns.promises.Resolver');
    // ESM named imports (`import { lookup } from 'node:dns'`) see the guarded functions too.
    syncBuiltinESMExports();
  },
  /** Puts the original functions back. The harness never calls this: the guard stays on. */
  uninstall(): void {
    for (const { owner, key, original } of patches.splice(0).reverse()) owner[key] = original;
    syncBuiltinESMExports();
  },
};

// ---------------------------------------------------------------------------------------------
// bcoin, loosely typed: only what the harness touches
// ---------------------------------------------------------------------------------------------

export interface BcoinChainEntry {
  readonly height: number;
  /** Wire-order hex. */
  readonly hash: string;
  /** Display-order hex. */
  rhash(): string;
}

export interface BcoinPeer {
  readonly handshake: boolean;
  readonly connected: boolean;
  readonly outbound: boolean;
  readonly version: number;
  readonly services: number;
  readonly agent: string | null;
  readonly height: number;
  readonly banScore: number;
  readonly challenge: Buffer | null;
  readonly lastPing: number;
  readonly lastPong: number;
  readonly next: BcoinPeer | null;
  hostname(): string;
  sendPing(): void;
}

/** What bcoin knows about one of its peers. */
export interface BcoinPeerInfo {
  /** The peer's 'host:port' as bcoin sees it. */
  readonly address: string;
  readonly inbound: boolean;
  readonly handshake: boolean;
  /** From the peer's `version`; -1 before it arrived. */
  readonly version: number;
  readonly services: number;
  readonly userAgent: string | null;
  readonly startHeight: number;
  readonly banScore: number;
  /** bcoin sent a ping and is waiting for the matching pong. */
  readonly awaitingPong: boolean;
  /** Epoch ms of bcoin's last ping and of the last matching pong; -1 if none. */
  readonly lastPing: number;
  readonly lastPong: number;
}

export interface BcoinNetAddress {
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
  services: number;
  time: number;
}

export interface BcoinPool {
  options: { maxOutbound: number; port: number; host: string };
  readonly peers: { head(): BcoinPeer | null; size(): number };
  readonly hosts: {
    add(addr: BcoinNetAddress, src?: BcoinNetAddress): unknown;
    size(): number;
    isBanned(host: string): boolean;
    discoverSeeds(): Promise<void>;
  };
  addLoader(): void;
  discoverExternal(): Promise<void>;
  discoverGateway(): Promise<boolean>;
  discoverSeeds(checkPeers?: boolean): Promise<void>;
}

/** The raw bcoin FullNode (bcoin ships no types; this names only what the harness uses). */
export interface BcoinFullNode {
  readonly network: { readonly type: string };
  readonly chain: {
    readonly tip: BcoinChainEntry;
    readonly height: number;
    add(block: unknown): Promise<BcoinChainEntry | null>;
    getHash(height: number): Promise<string | null>;
    getEntryByHeight(height: number): Promise<BcoinChainEntry | null>;
    getBlock(hash: string): Promise<unknown>;
  };
  readonly pool: BcoinPool;
  readonly mempool: { has(hash: string): boolean };
  readonly miner: { mineBlock(tip: BcoinChainEntry | null, address?: unknown): Promise<unknown> };
  readonly http: { open(): Promise<unknown>; close(): Promise<unknown> };
  open(): Promise<void>;
  connect(): Promise<void>;
  startSync(): void;
  close(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface BcoinModule {
  FullNode: new (options: Record<string, unknown>) => BcoinFullNode;
  NetAddress: { fromHostname(hostname: string, network: string): BcoinNetAddress };
  Address: { fromPubkeyhash(hash: Buffer): unknown; fromScript(script: unknown): unknown };
  Script: { fromRaw(raw: Buffer): unknown };
}

let bcoinModule: BcoinModule | undefined;

/**
 * bcoin's hashing backend, chosen once before bcoin loads. An explicit NODE_BACKEND wins.
 * Otherwise 'native': bcoin's native addons where they were built (`mrmr` and `bsip` build on
 * Node 20; `bcrypto`, `bstring` and `secp256k1` do not and fall back by themselves to node:crypto
 * or JS). `mrmr` has no fallback of its own, so when its addon is missing (an install with
 * `--ignore-scripts`, or no C++ toolchain) NODE_BACKEND is set to 'js' for this process.
 */
export function bcoinBackend(): string {
  const chosen = process.env.NODE_BACKEND;
  if (chosen) return chosen;
  const require = createRequire(import.meta.url);
  try {
    createRequire(require.resolve('bcoin'))('mrmr');
    return 'native';
  } catch {
    process.env.NODE_BACKEND = 'js';
    return 'js';
  }
}

function loadBcoin(): BcoinModule {
  // The guard goes on before bcoin's first line runs.
  networkGuard.install();
  if (!bcoinModule) {
    bcoinBackend();
    const require = createRequire(import.meta.url);
    // bcoin 1.0.2 is CommonJS without types: this is the one untyped spot.
    const bcoin = require('bcoin') as { FullNode: unknown; net: { NetAddress: unknown }; Address: unknown; Script: unknown };
    bcoinModule = { FullNode: bcoin.FullNode, NetAddress: bcoin.net.NetAddress, Address: bcoin.Address, Script: bcoin.Script } as BcoinModule;
  }
  return bcoinModule;
}

// ---------------------------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------------------------

export const BCOIN_HOST = '127.0.0.1';
/** NODE_NETWORK | NODE_WITNESS: what bcoin itself announces, used for the addresses we add. */
const ADDED_ADDRESS_SERVICES = 0x9;

export interface StartBcoinOptions {
  /** Listen port on 127.0.0.1; by default a free one. */
  port?: number;
  /** Blocks to mine after start (default 3). */
  blocks?: number;
  /** 'host:port' entries to put into its address manager (answered to `getaddr`). */
  addresses?: string[];
  /** bcoin's log level ('none', 'error', 'warning', 'info', 'debug', 'spam'); default 'none'. */
  logLevel?: string;
}

export interface RestartOptions {
  /**
   * Replay the old node's blocks into the new one (default true), so height and tip hash survive.
   * With false the new node starts at genesis and mines `blocks` fresh ones (different hashes).
   */
  keepChain?: boolean;
  /** Milliseconds to stay down (port closed: connections are refused) before starting again; default 0. */
  downtimeMs?: number;
}

export interface BcoinNode {
  readonly host: string;
  readonly port: number;
  /** '127.0.0.1:port' */
  readonly address: string;
  /** The raw bcoin FullNode; a new object after `restart()`. */
  readonly node: BcoinFullNode;
  /** Milliseconds the last start (or restart) took, until the node listened and had its blocks. */
  readonly startMs: number;
  readonly stopped: boolean;
  height(): number;
  /** The tip's hash in display (RPC) order. */
  tipHash(): string;
  /**
   * Mines `n` blocks (default 1) on the tip, paying the coinbase to `scriptPubKey` when given;
   * resolves to their display-order hashes.
   */
  mine(n?: number, scriptPubKey?: Uint8Array): Promise<string[]>;
  /**
   * Mines `n` blocks on the block at `height` of the active chain, paid to a fresh address so they
   * differ from the blocks already there: more than the tip is above `height` makes bcoin reorg.
   * Resolves to their display-order hashes.
   */
  mineFork(height: number, n: number): Promise<string[]>;
  /** The block bcoin stores under this display-order hash, serialised with its witnesses. */
  rawBlock(hash: string): Promise<Buffer>;
  /** Whether bcoin's mempool holds the transaction with this display-order txid. */
  mempoolHas(txid: string): boolean;
  /** Adds 'host:port' to bcoin's address manager. Survives `restart()`. */
  addAddress(hostPort: string): void;
  /** Peers bcoin holds (inbound and outbound, handshake done or not). */
  peers(): number;
  /** Peers that completed the version handshake with bcoin. */
  handshakedPeers(): number;
  /** A snapshot of bcoin's peers. */
  peerList(): BcoinPeerInfo[];
  /**
   * Makes bcoin ping every handshaked peer now (it otherwise pings every 30 s) and returns how
   * many it pinged. bcoin skips a peer whose previous ping is still unanswered.
   */
  pingPeers(): number;
  /** Resolves once at least `count` peers completed the handshake; rejects after `timeoutMs`. */
  waitForPeer(options?: { count?: number; timeoutMs?: number }): Promise<void>;
  /** Resolves once bcoin holds no peers at all; rejects after `timeoutMs`. */
  waitForNoPeers(options?: { timeoutMs?: number }): Promise<void>;
  /** True if bcoin has banned this host (127.0.0.1 after misbehaviour). */
  isBanned(host?: string): boolean;
  /** Closes the node: listener, peers, timers. Idempotent; leaves no handles behind. */
  stop(): Promise<void>;
  /**
   * Stops this node and starts a fresh in-memory one on the SAME port (after `downtimeMs`).
   * Connected peers are dropped; the new node has no peers, no bans or ban scores, no mempool,
   * no learned addresses (only those given with `addresses`/`addAddress()`), and a new version
   * nonce. The chain is replayed (same blocks, same tip hash) unless `keepChain` is false. If the
   * new start fails, the handle is left down: `stop()` still works.
   */
  restart(options?: RestartOptions): Promise<void>;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, BCOIN_HOST, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function parseHostPort(hostPort: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(hostPort);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port < 1 || port > 0xffff)
    throw new TypeError(`expected 'host:port', got ${JSON.stringify(hostPort)}`);
  return { host: (match[1] ?? match[2])!, port };
}

function createNode(port: number, logLevel: string): BcoinFullNode {
  const { FullNode } = loadBcoin();
  const node = new FullNode({
    network: 'regtest',
    memory: true,
    workers: false,
    listen: true,
    host: BCOIN_HOST,
    port,
    publicHost: BCOIN_HOST,
    publicPort: port,
    // 0 trips an assertion in the constructor; forced to 0 below.
    maxOutbound: 1,
    upnp: false,
    seeds: [],
    nodes: [],
    httpHost: BCOIN_HOST,
    logLevel,
    logConsole: logLevel !== 'none',
    logFile: false,
  });
  const pool = node.pool;
  // No outbound peers, no DNS seeds, no UPnP, no external-address lookup (which would ask
  // public DNS resolvers for our own IP): all before open().
  pool.options.maxOutbound = 0;
  pool.addLoader = () => {};
  pool.discoverExternal = async () => {};
  pool.discoverGateway = async () => false;
  pool.discoverSeeds = async () => {};
  pool.hosts.discoverSeeds = async () => {};
  // No HTTP/RPC server: it would need a second port and nothing here uses it.
  node.http.open = async () => undefined;
  node.http.close = async () => undefined;
  return node;
}

async function mineOn(node: BcoinFullNode, n: number, options: { from?: BcoinChainEntry | null; address?: unknown; scriptPubKey?: Uint8Array } = {}): Promise<string[]> {
  const { Address, Script } = loadBcoin();
  const address = options.scriptPubKey ? Address.fromScript(Script.fromRaw(Buffer.from(options.scriptPubKey))) : options.address;
  let tip = options.from ?? null;
  const hashes: string[] = [];
  for (let i = 0; i < n; i++) {
    const block = await node.miner.mineBlock(tip ?? node.chain.tip, address);
    const entry = await node.chain.add(block);
    if (!entry) throw new Error('bcoin did not connect the block it mined');
    hashes.push(entry.rhash());
    if (options.from) tip = entry;
  }
  return hashes;
}

async function readChain(node: BcoinFullNode): Promise<unknown[]> {
  const blocks: unknown[] = [];
  for (let h = 1; h <= node.chain.height; h++) {
    const hash = await node.chain.getHash(h);
    const block = hash ? await node.chain.getBlock(hash) : null;
    if (!block) throw new Error(`bcoin lost block ${h}`);
    blocks.push(block);
  }
  return blocks;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function openNode(
  port: number | undefined,
  logLevel: string,
): Promise<{ node: BcoinFullNode; port: number }> {
  // A port found free may be taken before bcoin binds it; retry only when we picked it.
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await freePort());
    const node = createNode(chosen, logLevel);
    try {
      await node.open();
      await node.connect();
      node.startSync();
      return { node, port: chosen };
    } catch (error) {
      await node.close().catch(() => {});
      const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port !== undefined || !inUse || attempt >= 5) throw error;
    }
  }
}

export async function startBcoin(options: StartBcoinOptions = {}): Promise<BcoinNode> {
  const blocks = options.blocks ?? 3;
  const logLevel = options.logLevel ?? 'none';
  if (!Number.isInteger(blocks) || blocks < 0)
    throw new TypeError(`blocks must be a whole number, got ${blocks}`);
  const addresses = [...(options.addresses ?? [])];
  for (const a of addresses) parseHostPort(a);
  const { NetAddress } = loadBcoin();

  let current: BcoinFullNode;
  let port: number;
  let startMs = 0;
  let stopped = false;
  let stopping: Promise<void> | null = null;
  let live = false;

  const addTo = (node: BcoinFullNode, hostPort: string): void => {
    const addr = NetAddress.fromHostname(hostPort, 'regtest');
    addr.services = ADDED_ADDRESS_SERVICES;
    node.pool.hosts.add(addr);
  };

  const boot = async (fixedPort: number | undefined, replay: unknown[] | null): Promise<void> => {
    const started = performance.now();
    const opened = await openNode(fixedPort, logLevel);
    current = opened.node;
    port = opened.port;
    live = true;
    if (replay) {
      for (const block of replay) {
        if (!(await current.chain.add(block))) throw new Error('bcoin refused a replayed block');
      }
    } else {
      await mineOn(current, blocks);
    }
    for (const a of addresses) addTo(current, a);
    startMs = performance.now() - started;
  };

  const close = async (): Promise<void> => {
    if (!live) return;
    live = false;
    // bcoin's close leaves nothing behind: listener closed, peer sockets destroyed, timers cleared.
    await current.close();
  };

  const forEachPeer = (fn: (p: BcoinPeer) => void): void => {
    for (let p = current.pool.peers.head(); p; p = p.next) fn(p);
  };
  const handshaked = (): number => {
    let n = 0;
    forEachPeer((p) => {
      if (p.handshake) n++;
    });
    return n;
  };

  await boot(options.port, null);

  const handle: BcoinNode = {
    host: BCOIN_HOST,
    get port() {
      return port;
    },
    get address() {
      return `${BCOIN_HOST}:${port}`;
    },
    get node() {
      return current;
    },
    get startMs() {
      return startMs;
    },
    get stopped() {
      return stopped;
    },
    height: () => current.chain.height,
    tipHash: () => current.chain.tip.rhash(),
    mine: async (n = 1, scriptPubKey) => {
      if (stopped) throw new Error('bcoin node is stopped');
      return mineOn(current, n, { scriptPubKey });
    },
    mineFork: async (height, n) => {
      if (stopped) throw new Error('bcoin node is stopped');
      const from = await current.chain.getEntryByHeight(height);
      if (!from) throw new Error(`bcoin has no block at height ${height}`);
      return mineOn(current, n, { from, address: loadBcoin().Address.fromPubkeyhash(randomBytes(20)) });
    },
    rawBlock: async (hash) => {
      const block = (await current.chain.getBlock(Buffer.from(hash, 'hex').reverse().toString('hex'))) as { toRaw(): Buffer } | null;
      if (!block) throw new Error(`bcoin has no block ${hash}`);
      return block.toRaw();
    },
    mempoolHas: (txid) => current.mempool.has(Buffer.from(txid, 'hex').reverse().toString('hex')),
    addAddress: (hostPort) => {
      parseHostPort(hostPort);
      addresses.push(hostPort);
      if (!stopped) addTo(current, hostPort);
    },
    peers: () => current.pool.peers.size(),
    handshakedPeers: handshaked,
    peerList: () => {
      const list: BcoinPeerInfo[] = [];
      forEachPeer((p) =>
        list.push({
          address: p.hostname(),
          inbound: !p.outbound,
          handshake: p.handshake,
          version: p.version,
          services: p.services,
          userAgent: p.agent,
          startHeight: p.height,
          banScore: p.banScore,
          awaitingPong: p.challenge !== null,
          lastPing: p.lastPing,
          lastPong: p.lastPong,
        }),
      );
      return list;
    },
    pingPeers: () => {
      let n = 0;
      forEachPeer((p) => {
        if (!p.handshake) return;
        p.sendPing();
        n++;
      });
      return n;
    },
    waitForPeer: ({ count = 1, timeoutMs = 5_000 } = {}) =>
      pollUntil(`${count} handshaked bcoin peer(s)`, () => handshaked() >= count, timeoutMs),
    waitForNoPeers: ({ timeoutMs = 5_000 } = {}) =>
      pollUntil('bcoin to drop its peers', () => current.pool.peers.size() === 0, timeoutMs),
    isBanned: (host = BCOIN_HOST) => current.pool.hosts.isBanned(host),
    stop: () => {
      if (!stopping) {
        stopped = true;
        stopping = close();
      }
      return stopping;
    },
    restart: async ({ keepChain = true, downtimeMs = 0 } = {}) => {
      if (stopped) throw new Error('bcoin node is stopped; start a new one');
      const replay = keepChain ? await readChain(current) : null;
      await close();
      if (downtimeMs > 0) await sleep(downtimeMs);
      await boot(port, replay);
    },
  };
  return handle;
}
