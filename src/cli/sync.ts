// `bitcoin-node sync`: the node (a pool, or only the named peers, and the headers-first sync) on the
// command line, with a progress bar on a terminal, lines otherwise, or JSON Lines.
import { SingleBar } from 'cli-progress';
import type { TipInfo } from '../../machines/sync/types.js';
import { defaultDataDir } from '../chain/data-dir.js';
import { createResolver } from '../dns.js';
import { createNode, NodeError, type NodeEvent } from '../node.js';
import { hashToHex } from '../protocol/hash.js';
import type { CommandIo } from './connect.js';
import { openInspectorFromArgs } from './inspect.js';
import {
  dnsServersOption,
  formatEndpoint,
  formatOptions,
  INSPECT_OPTION,
  INSPECT_OPTIONAL_VALUE,
  integerOption,
  networkOption,
  optionalIntegerOption,
  PEER_OPTIONS,
  PROXY_OPTIONS,
  parseCommandLine,
  parseEndpoint,
  proxyOptions,
} from './options.js';
import { onStopSignal } from './stop-signals.js';
import { EXIT_FAILURE, EXIT_GAVE_UP, EXIT_OK, UsageError } from './usage-error.js';

const { network, 'connect-timeout': connectTimeout, 'handshake-timeout': handshakeTimeout, 'user-agent': userAgent, 'dns-server': dnsServer, json, help } =
  PEER_OPTIONS;

const SYNC_OPTIONS = {
  network,
  'data-dir': { type: 'string', hint: 'dir', help: "where the header store lives (default: the user's data folder, per network)" },
  'until-synced': { type: 'boolean', default: false, help: 'exit 0 once synced: best header less than a day old, with enough work' },
  'max-peers': { type: 'string', hint: 'n', help: 'outbound peers to keep (default: 8, or every peer named)' },
  'connect-timeout': connectTimeout,
  'handshake-timeout': handshakeTimeout,
  'user-agent': userAgent,
  'dns-server': dnsServer,
  ...PROXY_OPTIONS,
  json: { ...json, help: 'JSON Lines on stdout: tip, reorg and synced; the last line is the tip the store ends at' },
  ...INSPECT_OPTION,
  help,
} as const;

export const SYNC_USAGE = `Usage: bitcoin-node sync [host[:port] ...] [options]

Follows the network's chain of block headers, headers-first as Bitcoin Core does: from the named
peers only, or from a pool of peers found through the network's DNS seeds. Headers are validated
and stored in --data-dir; the next run resumes where this one stopped. SIGINT stops cleanly (exit 0).

Options:
${formatOptions(SYNC_OPTIONS)}`;

/** A header as the lines show it: height, hash, and its time in ISO form. */
const describeTip = (tip: TipInfo): string => `${tip.height} ${tip.hash} ${new Date(tip.time * 1000).toISOString()}`;

/** Headers per second over the last few seconds of progress. */
class Rate {
  private readonly samples: { at: number; height: number }[] = [];
  add(height: number, at = performance.now()): number {
    this.samples.push({ at, height });
    while (this.samples.length > 2 && at - this.samples[0]!.at > 10_000) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, Math.round((height - first.height) / seconds)) : 0;
  }
}

export async function runSync(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, SYNC_OPTIONS, INSPECT_OPTIONAL_VALUE);
  if (values.help) {
    io.stdout.write(`${SYNC_USAGE}\n`);
    return EXIT_OK;
  }
  const chosen = networkOption(values);
  const servers = dnsServersOption(values);
  const peers = positionals.map((p) => parseEndpoint(p, chosen.defaultPort));
  if (peers.length === 0 && chosen.dnsSeeds.length === 0) {
    throw new UsageError(`${chosen.name} has no DNS seeds: name a peer, e.g. bitcoin-node sync 127.0.0.1:${chosen.defaultPort} --network ${chosen.name}`);
  }
  const maxPeers = optionalIntegerOption(values, 'max-peers');
  const dataDir = values['data-dir'] === undefined ? defaultDataDir(chosen.name) : String(values['data-dir']);
  if (dataDir === '') throw new UsageError('--data-dir needs a folder');
  const quiet = Boolean(values.json);
  const useBar = !quiet && Boolean(io.stderr.isTTY);

  const inspector = await openInspectorFromArgs(values, io);
  const node = createNode(
    {
      network: chosen.name,
      dataDir,
      ...(peers.length > 0 ? { peers: peers.map(formatEndpoint) } : {}),
      ...(maxPeers === undefined ? {} : { targetOutbound: maxPeers }),
      resolve: createResolver({ servers }),
      peer: {
        connectTimeoutMs: optionalIntegerOption(values, 'connect-timeout'),
        handshakeTimeoutMs: integerOption(values, 'handshake-timeout'),
        userAgent: String(values['user-agent']),
        ...proxyOptions(values),
      },
    },
    inspector ? { inspect: inspector.inspect } : {},
  );

  const line = (fields: Record<string, unknown>): void => {
    io.stdout.write(`${JSON.stringify(fields)}\n`);
  };
  const say = (text: string): void => {
    io.stdout.write(`${text}\n`);
  };
  const bar = useBar
    ? new SingleBar({
        stream: io.stderr as NodeJS.WriteStream,
        format: 'headers [{bar}] {value}/{total} | {peers} peers | {rate} headers/s',
        hideCursor: true,
      })
    : null;
  const rate = new Rate();
  let peersConnected = 0;
  const progress = (height: number): void => {
    const best = Math.max(height, node.sync.getSnapshot().context.bestPeerHeight);
    bar?.setTotal(best);
    bar?.update(height, { peers: peersConnected, rate: rate.add(height) });
  };

  let started = false;
  let finished: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finished = resolve));
  const report = (event: NodeEvent): void => {
    switch (event.type) {
      case 'loaded':
        for (const warning of event.warnings) io.stderr.write(`bitcoin-node: ${warning}\n`);
        if (!quiet) say(`loaded ${event.records} headers from ${dataDir}; tip ${describeTip(event.tip)}`);
        bar?.start(Math.max(event.tip.height, 1), event.tip.height, { peers: 0, rate: 0 });
        return;
      case 'tip':
        if (quiet) line({ type: 'tip', height: event.height, hash: event.hash, time: event.time });
        else if (!bar) say(`tip ${describeTip(event)}`);
        progress(event.height);
        return;
      case 'reorg':
        if (quiet) {
          line({ type: 'reorg', forkHeight: event.forkHeight, disconnected: event.disconnected, connected: event.connected, ...event.tip });
        } else if (!bar) {
          say(`reorg at ${event.forkHeight}: ${event.disconnected.length} disconnected, ${event.connected.length} connected; tip ${describeTip(event.tip)}`);
        }
        return;
      case 'synced':
        if (quiet) line({ type: 'synced', ...event.tip });
        else if (!bar) say(`synced at ${describeTip(event.tip)}`);
        if (values['until-synced']) finished(EXIT_OK);
        return;
      case 'failed':
        // A store that cannot be opened is start()'s error, said once below.
        if (!started) return;
        io.stderr.write(`bitcoin-node: the header store failed: ${event.failure.message}\n`);
        finished(EXIT_FAILURE);
        return;
      default:
        return;
    }
  };
  for (const type of ['loaded', 'tip', 'reorg', 'synced', 'failed'] as const) node.on(type, report);
  const stopListening = onStopSignal(io.signals, () => finished(EXIT_OK));

  try {
    try {
      await node.start();
    } catch (error) {
      if (!(error instanceof NodeError)) throw error;
      bar?.stop();
      io.stderr.write(`bitcoin-node: ${error.message}\n`);
      return error.code === 'no-peers' ? EXIT_GAVE_UP : EXIT_FAILURE;
    }
    started = true;
    node.pool?.on('status', ({ status }) => {
      peersConnected = status.peersByState.connected;
      if (node.tip) progress(node.tip.height);
    });
    const code = await done;
    await node.stop();
    bar?.stop();
    const tip = node.tip;
    if (tip) {
      const final: TipInfo = { height: tip.height, hash: hashToHex(tip.hash), time: tip.time };
      if (quiet) line({ type: 'tip', ...final });
      else say(`stopped at ${describeTip(final)}`);
    }
    return code;
  } finally {
    stopListening();
    bar?.stop();
    await node.stop();
    await inspector?.close();
  }
}
