// bitcoin-node listen: accepts inbound peers, each running the peer statechart in its inbound role.
import { loadAddressBook, saveAddressBook } from '../address-book-file.js';
import { AddressBook } from '../address-book.js';
import { BanList } from '../addrman/bans.js';
import { loadBanList, saveBanList } from '../ban-list-file.js';
import { startListener } from '../listener.js';
import type { CommandIo } from './connect.js';
import { peerInputFromArgs } from './connect.js';
import { onStopSignal } from './stop-signals.js';
import { openInspectorFromArgs } from './inspect.js';
import {
  formatOptions,
  INSPECT_OPTION,
  INSPECT_OPTIONAL_VALUE,
  integerOption,
  networkOption,
  PEER_OPTIONS,
  parseCommandLine,
  PROXY_OPTIONS,
  proxyOptions,
} from './options.js';
import { humanReporter, jsonReporter } from './output.js';
import { EXIT_OK, UsageError } from './usage-error.js';

const { 'max-retries': _r, backoff: _b, 'dns-server': _d, ...SHARED } = PEER_OPTIONS;
const { 'no-proxy-randomize': _n, ...PROXIES } = PROXY_OPTIONS;


const LISTEN_OPTIONS = {
  ...SHARED,
  bind: { type: 'string', default: '127.0.0.1', hint: 'host', help: 'address to listen on' },
  port: { type: 'string', hint: 'n', help: "port to listen on (default: the network's)" },
  'max-inbound': { type: 'string', default: '125', hint: 'n', help: 'inbound peers at most' },
  'max-inbound-per-address': { type: 'string', default: '16', hint: 'n', help: 'inbound peers from one address at most' },
  'address-book': { type: 'string', hint: 'file', help: 'answer getaddr from this book, and save what peers tell us into it' },
  'ban-list': { type: 'string', hint: 'file', help: 'refuse the addresses banned in this file, ban misbehaving peers into it (saved on exit)' },
  ...PROXIES,
  listen: {
    type: 'boolean',
    default: false,
    help: 'accept inbound peers even though a proxy is set (as Core\'s -listen=1 with -proxy)',
  },
  ...INSPECT_OPTION,
} as const;

export const LISTEN_USAGE = `Usage: bitcoin-node listen [options]

Accepts inbound peers: each runs the peer statechart in its inbound role (waits for the remote
version, answers with its own) and gets at most 1000 addresses, once, for its getaddr. Output as
for connect. Runs until SIGINT/SIGTERM. With --proxy or --onion-proxy set it does not listen
unless --listen is given, as Bitcoin Core does not with -proxy.

Options:
${formatOptions(LISTEN_OPTIONS)}`;

export async function runListen(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, LISTEN_OPTIONS, INSPECT_OPTIONAL_VALUE);
  if (values.help) {
    io.stdout.write(`${LISTEN_USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`listen takes no peers, got ${JSON.stringify(positionals[0])}`);
  const network = networkOption(values);
  const proxies = proxyOptions(values);
  if ((proxies.proxy || proxies.onionProxy) && values.listen !== true) {
    throw new UsageError(
      'a proxy is set, so inbound connections are off, as in Bitcoin Core (listening would tie this node to its proxied identity); pass --listen to accept them anyway',
    );
  }
  const port = values.port === undefined ? network.defaultPort : integerOption(values, 'port');
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const file = values['address-book'] === undefined ? undefined : String(values['address-book']);
  const reporter = values.json ? jsonReporter(io) : humanReporter(io);
  let book = new AddressBook();
  if (file) {
    const loaded = await loadAddressBook(file);
    book = loaded.book;
    if (loaded.warning) reporter.note(`bitcoin-node: ${loaded.warning}`);
  }
  const banFile = values['ban-list'] === undefined ? undefined : String(values['ban-list']);
  let bans = new BanList();
  if (banFile) {
    const loaded = await loadBanList(banFile);
    bans = loaded.bans;
    if (loaded.warning) reporter.note(`bitcoin-node: ${loaded.warning}`);
  }
  const { network: _n, ...peer } = peerInputFromArgs(values);
  const inspector = await openInspectorFromArgs(values, io);
  try {
    const listener = await startListener({
      bind: String(values.bind),
      port,
      network: network.name,
      maxInbound: integerOption(values, 'max-inbound'),
      maxInboundPerAddress: integerOption(values, 'max-inbound-per-address'),
      book,
      bans,
      peer,
      ...(inspector ? { inspect: inspector.inspect } : {}),
      onPeer: (actor, address) => actor.on('*', (event) => reporter.event(address, event)),
      onPeerStopped: (address, output) => reporter.stopped(address, output),
    }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot listen on ${String(values.bind)}:${port}: ${error.code ?? error.message}`);
    });
    // Listening for stop signals before saying where we listen: whoever reads that line may signal at once.
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const stopListening = onStopSignal(io.signals, () => stop());
    reporter.note(`listening on ${listener.address} (${network.name}), ${book.size} addresses in the book`);
    await stopped;
    stopListening();
    await listener.close();
    if (file) await saveAddressBook(book, file);
    if (banFile) await saveBanList(bans, banFile);
    return EXIT_OK;
  } finally {
    await inspector?.close();
  }
}
