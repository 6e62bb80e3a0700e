import { createWriteStream } from 'node:fs';
import { isIP } from 'node:net';
import { SingleBar } from 'cli-progress';
import { toPromise } from 'xstate';
import type { CrawlSummary, CrawlTarget, NodeRecord } from '../../machines/crawl/types.js';
import { peerMachine } from '../../machines/peer.js';
import { frameCodec } from '../actors/codec.js';
import { createTcpSocket } from '../actors/socket.js';
import { createCrawl, startsLocal } from '../crawl.js';
import { createResolver, type HostResolver } from '../dns.js';
import type { Network } from '../protocol/networks.js';
import type { CommandIo } from './connect.js';
import { openInspectorFromArgs } from './inspect.js';
import {
  formatOptions,
  INSPECT_OPTION,
  INSPECT_OPTIONAL_VALUE,
  integerOption,
  networkOption,
  PEER_OPTIONS,
  parseCommandLine,
  parseEndpoint,
  transportOption,
} from './options.js';
import { sanitise } from './sanitise.js';
import { onStopSignal } from './stop-signals.js';
import { EXIT_GAVE_UP, EXIT_OK, UsageError } from './usage-error.js';

const { 'max-retries': _retries, backoff: _backoff, 'ping-interval': _interval, ...SHARED } = PEER_OPTIONS;

const CRAWL_OPTIONS = {
  ...SHARED,
  concurrency: { type: 'string', default: '50', hint: 'n', help: 'connections at once' },
  'max-nodes': { type: 'string', default: '10000', hint: 'n', help: 'nodes recorded at most' },
  'addr-timeout': { type: 'string', default: '30000', hint: 'ms', help: 'how long to wait for addr after the handshake' },
  out: { type: 'string', hint: 'file', help: 'write the records here (default: stdout)' },
  format: { type: 'string', default: 'jsonl', hint: 'jsonl|csv', help: 'record format' },
  json: { type: 'boolean', default: false, help: 'no progress and no summary on stderr' },
  ...INSPECT_OPTION,
} as const;

export const CRAWL_USAGE = `Usage: bitcoin-node crawl [host[:port] ...] [options]

Crawls the network breadth-first from the given peers (or the network's DNS seeds): connect,
handshake, getaddr, record, disconnect, and queue every new address. Public addresses only, unless
the crawl starts from a loopback or private address. One record per node heard of, as JSON Lines
or CSV. SIGINT writes what was found so far and exits 0.

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

async function startTargets(positionals: string[], network: Network, resolve: HostResolver): Promise<CrawlTarget[]> {
  const endpoints =
    positionals.length > 0
      ? positionals.map((p) => parseEndpoint(p, network.defaultPort))
      : network.dnsSeeds.map((host) => ({ host, port: network.defaultPort }));
  if (endpoints.length === 0) throw new UsageError(`${network.name} has no DNS seeds: name a peer to start from`);
  const resolved = await Promise.allSettled(
    endpoints.map(async ({ host, port }) => (isIP(host) ? [host] : await resolve(host)).map((h) => ({ host: h, port }))),
  );
  return resolved
    .flatMap((r) => (r.status === 'fulfilled' ? r.value : []))
    .map(({ host, port }) => ({ network: isIP(host) === 6 ? ('ipv6' as const) : ('ipv4' as const), host, port }));
}

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
  const servers = (values['dns-server'] as string[] | undefined) ?? [];
  const resolve = createResolver({ servers });

  const start = await startTargets(positionals, network, resolve);
  if (start.length === 0) {
    io.stderr.write(`bitcoin-node: none of the start addresses resolved (no internet? name a peer by address)\n`);
    return EXIT_GAVE_UP;
  }

  const inspector = await openInspectorFromArgs(values, io);
  const out: NodeJS.WritableStream = values.out ? createWriteStream(String(values.out)) : io.stdout;
  if (format === 'csv') out.write(`${CSV_COLUMNS.join(',')}\n`);
  const bar = quiet ? null : new SingleBar({ stream: io.stderr as NodeJS.WriteStream, format: 'crawl [{bar}] {value}/{total} nodes | {active} active | {reachable} reachable', hideCursor: true });
  bar?.start(start.length, 0, { active: 0, reachable: 0 });

  const crawl = createCrawl(
    {
      network: network.name,
      start,
      concurrency,
      maxNodes,
      addrTimeoutMs: integerOption(values, 'addr-timeout'),
      followLocal: startsLocal(start),
      peer: {
        connectTimeoutMs: integerOption(values, 'connect-timeout'),
        handshakeTimeoutMs: integerOption(values, 'handshake-timeout'),
        pingTimeoutMs: integerOption(values, 'ping-timeout'),
        userAgent: String(values['user-agent']),
        transport: transportOption(values),
      },
    },
    {
      peerMachine: peerMachine.provide({ actors: { socket: createTcpSocket({ resolve }), codec: frameCodec } }),
      ...(inspector ? { inspect: inspector.inspect } : {}),
    },
  );
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
  const stop = (): void => crawl.send({ type: 'STOP' });
  const stopListening = onStopSignal(io.signals, stop);
  crawl.start();
  try {
    const summary = await toPromise(crawl);
    bar?.update(written, { active: 0, reachable });
    bar?.stop();
    if (out !== io.stdout) await new Promise<void>((resolveEnd) => out.end(resolveEnd));
    if (!quiet) io.stderr.write(`${summarise(summary, written)}\n`);
    return EXIT_OK;
  } finally {
    stopListening();
    await inspector?.close();
  }
}
