import { decodeFrame } from '../protocol/codec.js';
import { ProtocolError } from '../protocol/errors.js';
import { messageToJson } from '../protocol/json.js';
import type { CommandIo } from './connect.js';
import { networkOption, parseCommandLine } from './options.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './usage-error.js';

export const DECODE_USAGE = `Usage: bitcoin-node decode [--network N] <hex | ->

Decodes exactly one framed message (24-byte header and payload), given as hex or on stdin with -,
and prints {"network","command","payload"} as JSON. Without --network the magic names the network.
Exit 1 for a frame that does not decode (the typed error goes to stderr), 64 for input that is not hex.`;

export async function runDecode(
  args: string[],
  io: CommandIo & { stdin: NodeJS.ReadableStream },
): Promise<number> {
  const { values, positionals } = parseCommandLine(args, {
    network: { type: 'string', help: 'expected network' },
    help: { type: 'boolean', short: 'h', default: false, help: 'show this help' },
  });
  if (values.help) {
    io.stdout.write(`${DECODE_USAGE}\n`);
    return EXIT_OK;
  }
  if (positionals.length !== 1)
    throw new UsageError('decode takes exactly one argument: the frame as hex, or - for stdin');
  const network = values.network === undefined ? undefined : networkOption(values);
  const text = (positionals[0] === '-' ? await readAll(io.stdin) : positionals[0]!)
    .replace(/\s+/g, '')
    .replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]*$/.test(text)) {
    const shown = text.length > 24 ? `${text.slice(0, 24)}…` : text;
    throw new UsageError(`the frame must be hex (0-9, a-f), and ${JSON.stringify(shown)} is not`);
  }
  if (text.length === 0) throw new UsageError('the frame is empty: give its hex, or - to read it from stdin');
  if (text.length % 2 !== 0) throw new UsageError(`the frame has ${text.length} hex digits; whole bytes need an even number`);
  try {
    const { network: detected, message } = decodeFrame(Buffer.from(text, 'hex'), network?.magic);
    const name = network?.name ?? detected?.name;
    io.stdout.write(
      `${JSON.stringify({ network: name, command: message.command, payload: messageToJson(message) })}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const hint = error.code === 'bad-magic' && network ? ` (it does not match --network ${network.name})` : '';
    io.stderr.write(`${error.name} [${error.code}]: ${error.message}${hint}\n`);
    return EXIT_FAILURE;
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
