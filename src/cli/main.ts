import { PACKAGE_NAME, PACKAGE_VERSION } from '../package-info.js';
import { runBlock } from './block.js';
import { runBroadcast } from './broadcast.js';
import { type CommandIo, runConnect } from './connect.js';
import { runCrawl } from './crawl.js';
import { runDecode } from './decode.js';
import { runListen } from './listen.js';
import { runSync } from './sync.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';

export const USAGE = `Usage: bitcoin-node <command> [options]

Commands:
  connect [host[:port] ...]   connect to peers (or a DNS seed), handshake, stay alive, back off, stop
  crawl [host[:port] ...]     crawl the network breadth-first, one record per node
  listen                      accept inbound peers and answer their getaddr
  sync [host[:port] ...]      follow the chain of block headers into a store on disk
  block <hash> [peer ...]     fetch one block, verified, and print it (JSON or hex)
  broadcast <tx-hex | -> [peer ...]
                              announce a transaction and wait until it propagates
  decode <hex | ->            decode one framed P2P message to JSON

Run bitcoin-node <command> --help for its options.
  -h, --help      show this help
  -v, --version   show the version (${PACKAGE_VERSION})`;

export type MainIo = CommandIo & { stdin: NodeJS.ReadableStream };

// Each command prints its own usage on --help.
const COMMANDS: Record<string, (args: string[], io: MainIo) => Promise<number>> = {
  connect: runConnect,
  decode: runDecode,
  crawl: runCrawl,
  listen: runListen,
  sync: runSync,
  block: runBlock,
  broadcast: runBroadcast,
};

/** Runs the CLI and returns its exit code; never throws for bad input. */
export async function main(argv: string[], io: MainIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${PACKAGE_NAME} ${PACKAGE_VERSION}\n`);
    return EXIT_OK;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  try {
    if (!entry) throw new UsageError(`unknown command ${JSON.stringify(command)}; try bitcoin-node --help`);
    return await entry(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`bitcoin-node: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
