// bitcoin-node crawl: the breadth-first crawl from given peers or the seeds, records as JSON Lines or CSV.
import { createWriteStream } from 'node:fs';
import { isIP } from 'node:net';
import { SingleBar } from 'cli-progress';
import { toPromise } from 'xstate';
import type { CrawlSummary, CrawlTarget, NodeRecord } from '../../machines/crawl/types.js';
import { peerMachine } from '../../machines/peer.js';
import { frameCodec } from '../actors/codec.js';
import { createTcpSocket } from '../actors/socket.js';
import type { PeerMachine } from '../../machines/peer.js';
import { type CrawlActor, createCrawl, startsLocal } from '../crawl.js';
import { createResolver, type HostResolver } from '../dns.js';
import { networkOfHost } from '../net-address.js';
import type { Network } from '../protocol/networks.js';
import { type ProxySettings, resolvesThroughProxy } from '../proxy/config.js';
import { seedAddresses, seedTarget } from '../seeds.js';
import type { CommandIo } from './connect.js';
import { openInspectorFromArgs } from './inspect.js';
import {
  dnsSeedsOption,
  dnsServersOption,
  formatOptions,
  INSPECT_OPTION,
  INSPECT_OPTIONAL_VALUE,
  integerOption,
  networkOption,
  optionalIntegerOption,
  PEER_OPTIONS,
  parseCommandLine,
  parseEndpoint,
  PROXY_OPTIONS,
  proxyOptions,
  SEED_OPTION,
  transportOption,
} from './options.js';
import { describeSeedOutcome, dialableThroughProxy } from './proxy-seeding.js';
import { sanitise } from './sanitise.js';
import { onStopSignal } from './stop-signals.js';
import { EXIT_GAVE_UP, EXIT_OK, UsageError } from './usage-error.js';

const { 'max-retries': _retries, backoff: _backoff, 'ping-interval': _interval, ...SHARED } = PEER_OPTIONS;

const CRAWL_OPTIONS = {
  ...SHARED,
  ...PROXY_OPTIONS,
  ...SEED_OPTION,
  ...INSPECT_OPTION,
  concurrency: { type: 'string', default: '50', hint: 'n', help: 'connections at once' },
  'max-nodes': { type: 'string', default: '10000', hint: 'n', help: 'nodes recorded at most' },
  'addr-timeout': { type: 'string', default: '30000', hint: 'ms', help: 'how long to wait for addr after the handshake' },
  out: { type: 'string', hint: 'file', help: 'write the records here (default: stdout)' },
  format: { type: 'string', default: 'jsonl', hint: 'jsonl|csv', help: 'record format' },
  json: { type: 'boolean', default: false, help: 'no progress and no summary on stderr' },
} as const;

export const CRAWL_USAGE = `Usage: bitcoin-node crawl [host[:port] ...] [options]

Crawls the network breadth-first from the given peers (or the network's DNS seeds): connect,
handshake, getaddr, record, disconnect, and queue every new address. Public addresses only, unless
the crawl starts from a loopback or private address. With a proxy that reaches Tor, .onion nodes
are crawled too; names (and the seeds) are then asked for addresses through the proxy, never
resolved here. One record per node heard of, as JSON Lines or CSV. SIGINT writes what was found so
far and exits 0.

Options:
${formatOptions(CRAWL_OPTIONS)}`;

const CSV_COLUMNS = ['address', 'port', 'network', 'reachable', 'version', 'services', 'userAgent', 'startHeight', 'rttMs', 'addressesGiven', 'transport', 'error', 'time'] as const;

const csvField = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const formatRecord = (record: NodeRecord, format: 'jsonl' | 'csv'): string =>
  format === 'csv' ? CSV_COLUMNS.map((c) => csvField(record[c])).join(',') : JSON.stringify(record);

/** Where names and seeds go, and how the crawl's peers are made, for startTargets. */
interface StartContext {
  network: Network;
  resolve: HostResolver;
  proxies: ProxySettings;
  seeds: readonly string[];
  peerMachine: PeerMachine;
  peer: Parameters<typeof createCrawl>[0]['peer'];
  /** Says how each seed went (stderr), unless --json. */
  note: (text: string) => void;
  signal: AbortSignal;
}

const ipTarget = (host: string, port: number): CrawlTarget => ({ network: isIP(host) === 6 ? 'ipv6' : 'ipv4', host, port });

/**
 * The crawl's first targets: IP and `.onion` peers given as they are; names resolved here, or,
 * with a proxy, asked for addresses through it (as the seeds are when no peer is given).
 */
async function startTargets(positionals: string[], context: StartContext): Promise<CrawlTarget[]> {
  const { network, resolve, proxies } = context;
  const endpoints =
    positionals.length > 0
      ? positionals.map((p) => parseEndpoint(p, network.defaultPort))
      : context.seeds.map((seed) => seedTarget(seed, network.defaultPort));
  if (endpoints.length === 0) throw new UsageError(`${network.name} has no DNS seeds: name a peer to start from, or a seed with --dns-seed`);
  const direct: CrawlTarget[] = [];
  const names: { host: string; port: number }[] = [];
  for (const { host, port } of endpoints) {
    if (isIP(host)) direct.push(ipTarget(host, port));
    else if (networkOfHost(host) === 'torv3') direct.push({ network: 'torv3', host, port });
    else names.push({ host, port });
  }
  if (names.length === 0) return direct;
  if (resolvesThroughProxy(proxies)) {
    const result = await seedAddresses({
      network: network.name,
      seeds: names.map(({ host, port }) => `${host}:${port}`),
      ...proxies,
      peer: context.peer,
      peerMachine: context.peerMachine,
      signal: context.signal,
    });
    for (const seed of result.seeds) context.note(`bitcoin-node: ${seed.seed} through the proxy: ${describeSeedOutcome(seed)}`);
    const heard = dialableThroughProxy(result.addresses, proxies);
    return [...direct, ...heard];
  }
  const resolved = await Promise.allSettled(
    names.map(async ({ host, port }) => (await resolve(host)).map((h) => ipTarget(h, port))),
  );
  return [...direct, ...resolved.flatMap((r) => (r.status === 'fulfilled' ? r.value : []))];
}

const createPeerMachineFor = (resolve: HostResolver): PeerMachine =>
  peerMachine.provide({ actors: { socket: createTcpSocket({ resolve }), codec: frameCodec } });

function summarise(summary: CrawlSummary, written: number): string {
  const top = (tally: Record<string, number>): string =>
    Object.entries(tally)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, n]) => `${n} ${sanitise(k)}`)
      .join(', ') || 'none';
  const unreachable = Object.values(summary.unreachable).reduce((a, b) => a + b, 0);
  return [
    `crawl ${summary.interrupted ? 'interrupted' : 'complete'}: ${written} nodes recorded, ${summary.reachable} reachable, ${unreachable} unreachable`,
    `  unreachable by reason: ${top(summary.unreachable)}`,
    `  user agents: ${top(summary.userAgents)}`,
    `  versions: ${top(summary.versions)}`,
  ].join('\n');
}

export async function runCrawl(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, CRAWL_OPTIONS, INSPECT_OPTIONAL_VALUE);
  if (values.help) {
    io.stdout.write(`${CRAWL_USAGE}\n`);
    return EXIT_OK;
  }
  const network = networkOption(values);
  const format = String(values.format);
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv, got ${JSON.stringify(format)}`);
  const concurrency = integerOption(values, 'concurrency');
  const maxNodes = integerOption(values, 'max-nodes');
  if (concurrency < 1) throw new UsageError('--concurrency must be at least 1');
  const quiet = Boolean(values.json);
  const servers = dnsServersOption(values);
  const resolve = createResolver({ servers });
  const proxies = proxyOptions(values);
  const peer = {
    connectTimeoutMs: optionalIntegerOption(values, 'connect-timeout'),
    handshakeTimeoutMs: integerOption(values, 'handshake-timeout'),
    pingTimeoutMs: integerOption(values, 'ping-timeout'),
    userAgent: String(values['user-agent']),
    transport: transportOption(values),
  };
  const addrTimeoutMs = integerOption(values, 'addr-timeout');
  const machine = createPeerMachineFor(resolve);

  // One stop handler for both phases: it ends the seeding, or the crawl once there is one.
  const seeding = new AbortController();
  let crawl: CrawlActor | null = null;
  const stopListening = onStopSignal(io.signals, () => {
    seeding.abort();
    crawl?.send({ type: 'STOP' });
  });
  const inspector = await openInspectorFromArgs(values, io);
  try {
    const start = await startTargets(positionals, {
      network,
      resolve,
      proxies,
      seeds: dnsSeedsOption(values, network),
      peerMachine: machine,
      peer,
      note: (text) => quiet || io.stderr.write(`${text}\n`),
      signal: seeding.signal,
    });
    if (seeding.signal.aborted) return EXIT_OK;
    if (start.length === 0) {
      io.stderr.write(
        resolvesThroughProxy(proxies)
          ? `bitcoin-node: no start address came through the proxy (is it running? name a peer by address)\n`
          : `bitcoin-node: none of the start addresses resolved (no internet? name a peer by address)\n`,
      );
      return EXIT_GAVE_UP;
    }
    crawl = createCrawl(
      { network: network.name, start, concurrency, maxNodes, addrTimeoutMs, followLocal: startsLocal(start), ...proxies, peer },
      { peerMachine: machine, ...(inspector ? { inspect: inspector.inspect } : {}) },
    );
    return await runToEnd(crawl, start.length, { io, format, quiet, out: values.out === undefined ? null : String(values.out) });
  } finally {
    stopListening();
    await inspector?.close();
  }
}

/** Runs a created crawl: its records to the output, the progress bar and the summary to stderr. */
async function runToEnd(
  crawl: CrawlActor,
  starting: number,
  { io, format, quiet, out: file }: { io: CommandIo; format: 'jsonl' | 'csv'; quiet: boolean; out: string | null },
): Promise<number> {
  const out: NodeJS.WritableStream = file ? createWriteStream(file) : io.stdout;
  if (format === 'csv') out.write(`${CSV_COLUMNS.join(',')}\n`);
  const bar = quiet ? null : new SingleBar({ stream: io.stderr as NodeJS.WriteStream, format: 'crawl [{bar}] {value}/{total} nodes | {active} active | {reachable} reachable', hideCursor: true });
  bar?.start(starting, 0, { active: 0, reachable: 0 });
  let written = 0;
  let reachable = 0;
  crawl.on('node', ({ record }) => {
    written += 1;
    if (record.reachable) reachable += 1;
    out.write(`${formatRecord(record, format)}\n`);
  });
  crawl.on('progress', (p) => {
    bar?.setTotal(p.heard);
    bar?.update(written, { active: p.active, reachable });
  });
  crawl.start();
  const summary = await toPromise(crawl);
  bar?.update(written, { active: 0, reachable });
  bar?.stop();
  if (out !== io.stdout) await new Promise<void>((resolveEnd) => out.end(resolveEnd));
  if (!quiet) io.stderr.write(`${summarise(summary, written)}\n`);
  return EXIT_OK;
}
