// `bitcoin-node block`: fetches one block by hash from the peers named (or the DNS seeds' nodes),
// verified, and prints it decoded as JSON or as raw hex.
import { BlockFetchError, startBlockFetcher } from '../fetch.js';
import { blockToJson } from '../protocol/json.js';
import type { CommandIo } from './connect.js';
import { peerInputFromArgs } from './connect.js';
import { dnsServersOption, formatOptions, integerOption, networkOption, PEER_OPTIONS, parseCommandLine } from './options.js';
import { openPeers } from './peer-source.js';
import { progressLine } from './value-output.js';
import { onStopSignal } from './stop-signals.js';
import { EXIT_GAVE_UP, EXIT_OK, UsageError } from './usage-error.js';

const { json: _json, backoff: _backoff, ...SHARED } = PEER_OPTIONS;

const BLOCK_OPTIONS = {
  ...SHARED,
  format: { type: 'string', default: 'json', hint: 'json|hex', help: 'the block decoded as JSON, or its raw bytes as hex' },
  timeout: { type: 'string', default: '120000', hint: 'ms', help: 'give up when no peer delivered a valid block by then' },
  'peer-timeout': { type: 'string', default: '20000', hint: 'ms', help: 'how long one peer has to answer before the next is asked' },
} as const;

export const BLOCK_USAGE = `Usage: bitcoin-node block <hash> [host[:port] ...] [options]

Fetches the block with this hash (64 hex digits, as Core's RPC shows it) from the peers named, or,
with none, from nodes of the network's DNS seeds. Each peer that can serve it is asked in turn
(getdata for the witness block); the block is verified against the hash and its own header (merkle
root, witness commitment, Core's context-free checks) before it is printed. A peer that sends a bad
block is disconnected. Progress goes to stderr. Exit 0 with the block, 2 when no peer delivered one.

Options:
${formatOptions(BLOCK_OPTIONS)}`;

export async function runBlock(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, BLOCK_OPTIONS);
  if (values.help) {
    io.stdout.write(`${BLOCK_USAGE}\n`);
    return EXIT_OK;
  }
  const network = networkOption(values);
  const [hash, ...peers] = positionals;
  if (hash === undefined) throw new UsageError('block needs the hash of the block to fetch');
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new UsageError(`the block hash must be 64 hex digits, got ${JSON.stringify(hash)}`);
  const format = String(values.format);
  if (format !== 'json' && format !== 'hex') throw new UsageError(`--format must be json or hex, got ${JSON.stringify(format)}`);
  const requestTimeoutMs = integerOption(values, 'timeout');
  const blockTimeoutMs = integerOption(values, 'peer-timeout');
  const opened = await openPeers({
    positionals: peers,
    network,
    peer: peerInputFromArgs(values),
    maxRetries: integerOption(values, 'max-retries'),
    dnsServers: dnsServersOption(values),
    targetOutbound: 4,
  });
  const note = (address: string, what: string): void => {
    io.stderr.write(progressLine(address, what));
  };
  opened.onPeerEvent((address, event) => {
    if (event.type === 'handshake') note(address, `connected: ${event.remote.userAgent}, height ${event.remote.startHeight}`);
    if (event.type === 'disconnect' && event.reason !== 'user-stop') note(address, `disconnected: ${event.reason}`);
  });
  const fetcher = startBlockFetcher({ network: network.name, requestTimeoutMs, blockTimeoutMs }, opened.source);
  fetcher.actor.on('requested', (e) => note(e.address, `asked for the block (attempt ${e.attempt})`));
  fetcher.actor.on('attempt-failed', (e) => note(e.address, `failed: ${e.outcome}${e.reason ? ` (${e.reason})` : ''}`));
  let why = '';
  const stopFor = (reason: string) => (): void => {
    why ||= reason;
    fetcher.stop();
  };
  const stopListening = onStopSignal(io.signals, stopFor('stopped by a signal'));
  // Peers named on the command line may all give up: then no block can come.
  void opened.allStopped.then(stopFor('every peer has gone'));
  try {
    const block = await fetcher.getBlock(hash);
    io.stdout.write(format === 'hex' ? `${block.raw.toString('hex')}\n` : `${JSON.stringify(blockToJson(block), null, 2)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof BlockFetchError)) throw error;
    io.stderr.write(`bitcoin-node: ${error.message}${error.reason === 'stopped' && why ? ` (${why})` : ''}\n`);
    return EXIT_GAVE_UP;
  } finally {
    stopListening();
    fetcher.stop();
    await opened.stop();
  }
}
