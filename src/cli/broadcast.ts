// `bitcoin-node broadcast`: announces one transaction to the peers named (or the DNS seeds' nodes),
// serves it to those that ask, and ends once it has propagated, or was asked for by enough peers
// when nobody is left to watch for it coming back.
import type { BroadcastEmitted } from '../../machines/broadcast/types.js';
import { startBroadcaster, parseTransaction, TransactionRefusedError } from '../broadcast.js';
import { hashToHex } from '../protocol/hash.js';
import { Services } from '../protocol/limits.js';
import type { Transaction } from '../protocol/messages/tx.js';
import type { CommandIo } from './connect.js';
import { peerInputFromArgs } from './connect.js';
import { dnsServersOption, formatOptions, integerOption, networkOption, PEER_OPTIONS, parseCommandLine } from './options.js';
import { openPeers } from './peer-source.js';
import { onStopSignal } from './stop-signals.js';
import { EXIT_GAVE_UP, EXIT_OK, EXIT_USAGE, UsageError } from './usage-error.js';
import { progressLine } from './value-output.js';

const { backoff: _backoff, ...SHARED } = PEER_OPTIONS;

const BROADCAST_OPTIONS = {
  ...SHARED,
  timeout: { type: 'string', default: '120000', hint: 'ms', help: 'exit 2 when the transaction has not propagated by then' },
  'min-peers': {
    type: 'string',
    default: '1',
    hint: 'n',
    help: 'when no peer is left to watch for it coming back, exit 0 once this many peers asked for it',
  },
  fee: {
    type: 'string',
    hint: 'sat',
    help: 'the fee it pays: peers whose feefilter asks more are not told (without it, every peer is)',
  },
} as const;

export const BROADCAST_USAGE = `Usage: bitcoin-node broadcast <tx-hex | -> [host[:port] ...] [options]

Broadcasts one transaction (hex, or - to read it from stdin) to the peers named or, with none, to
nodes of the network's DNS seeds: an inv to each (by wtxid to peers that negotiated wtxidrelay),
the transaction to those that ask, again every minute to those that did not. One peer is kept back
to watch: when it announces the transaction to us, it has propagated. Prints the txid and wtxid
first, then what happens. Exit 0 once it propagated (or, with nobody left to watch, once --min-peers
peers asked for it), 2 when --timeout passes first, 64 when it does not decode or is invalid.

Options:
${formatOptions(BROADCAST_OPTIONS)}`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** How a broadcast's lines are written: JSON Lines, or lines for people. */
interface BroadcastPrinter {
  transaction(tx: Transaction): void;
  peer(address: string, what: 'connected' | 'disconnected', detail: string): void;
  event(event: BroadcastEmitted): void;
  result(outcome: string, text: string): void;
}

function jsonPrinter(out: NodeJS.WritableStream): BroadcastPrinter {
  const line = (fields: Record<string, unknown>): void => {
    out.write(`${JSON.stringify({ type: fields.type, time: new Date().toISOString(), ...fields })}\n`);
  };
  return {
    transaction: (tx) =>
      line({ type: 'transaction', txid: hashToHex(tx.txid), wtxid: hashToHex(tx.wtxid), size: tx.size, vsize: tx.vsize, weight: tx.weight }),
    peer: (address, what, detail) => line({ type: 'peer', peer: address, event: what, detail }),
    event: (e) => {
      switch (e.type) {
        case 'announced':
          line({ type: e.type, round: e.round, peers: e.peers.map((p) => p.address) });
          return;
        case 'watching':
          line({ type: e.type, peers: e.peers.map((p) => p.address) });
          return;
        case 'filtered':
          line({ type: e.type, peer: e.address, feeFilter: e.feeFilter.toString() });
          return;
        case 'requested':
          line({ type: e.type, peer: e.address, witness: e.witness, observable: e.observable });
          return;
        case 'rejected':
          line({ type: e.type, peer: e.address, code: e.code, reason: e.reason });
          return;
        case 'propagated':
          line({ type: e.type, peer: e.address });
          return;
        case 'expired':
        case 'refused':
          return;
      }
    },
    result: (outcome, text) => line({ type: 'result', outcome, text }),
  };
}

function humanPrinter(out: NodeJS.WritableStream): BroadcastPrinter {
  const say = (address: string, what: string): void => {
    out.write(progressLine(address, what));
  };
  return {
    transaction: (tx) => out.write(`txid   ${hashToHex(tx.txid)}\nwtxid  ${hashToHex(tx.wtxid)}\n`),
    peer: (address, what, detail) => say(address, `${what}${detail ? `: ${detail}` : ''}`),
    event: (e) => {
      switch (e.type) {
        case 'announced':
          for (const p of e.peers) say(p.address, `announced (inv by ${p.inv === 'wtx' ? 'wtxid' : 'txid'}, round ${e.round})`);
          return;
        case 'watching':
          for (const p of e.peers) say(p.address, 'kept back to watch for it coming back');
          return;
        case 'filtered':
          say(e.address, `not told: its feefilter asks ${e.feeFilter} sat/kvB`);
          return;
        case 'requested':
          say(e.address, 'asked for it and was sent it');
          return;
        case 'rejected':
          say(e.address, `rejected it: ${e.reason} (code 0x${e.code.toString(16)})`);
          return;
        case 'propagated':
          say(e.address, 'announced it to us: it propagated');
          return;
        case 'expired':
        case 'refused':
          return;
      }
    },
    result: (_outcome, text) => out.write(`${text}\n`),
  };
}

export async function runBroadcast(args: string[], io: CommandIo & { stdin: NodeJS.ReadableStream }): Promise<number> {
  const { values, positionals } = parseCommandLine(args, BROADCAST_OPTIONS);
  if (values.help) {
    io.stdout.write(`${BROADCAST_USAGE}\n`);
    return EXIT_OK;
  }
  const network = networkOption(values);
  const [given, ...peers] = positionals;
  if (given === undefined) throw new UsageError('broadcast needs the transaction as hex, or - to read it from stdin');
  const timeoutMs = integerOption(values, 'timeout');
  const minPeers = integerOption(values, 'min-peers');
  const fee = values.fee === undefined ? undefined : BigInt(integerOption(values, 'fee'));
  let tx: Transaction;
  try {
    tx = parseTransaction(given === '-' ? await readAll(io.stdin) : given);
  } catch (error) {
    if (!(error instanceof TransactionRefusedError)) throw error;
    io.stderr.write(`bitcoin-node: ${error.name} [${error.code}]: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const printer = values.json ? jsonPrinter(io.stdout) : humanPrinter(io.stdout);
  printer.transaction(tx);

  const opened = await openPeers({
    positionals: peers,
    network,
    // Peers must ask for transactions to announce ours back, and say they can serve witnesses,
    // or a node asks for the transaction without them (MSG_TX) and cannot check its signatures.
    peer: { ...peerInputFromArgs(values), relay: true, services: Services.WITNESS },
    maxRetries: integerOption(values, 'max-retries'),
    dnsServers: dnsServersOption(values),
    targetOutbound: 8,
  });
  opened.onPeerEvent((address, event) => {
    if (event.type === 'handshake') printer.peer(address, 'connected', `${event.remote.userAgent}, ${event.remote.wtxidRelay ? 'wtxidrelay' : 'no wtxidrelay'}`);
    if (event.type === 'disconnect' && event.reason !== 'user-stop') printer.peer(address, 'disconnected', event.reason);
  });
  const broadcaster = startBroadcaster({ timeoutMs }, opened.source);
  const key = hashToHex(tx.txid);
  let finish!: (code: number, outcome: string, text: string) => void;
  const finished = new Promise<number>((resolve) => {
    let done = false;
    finish = (code, outcome, text) => {
      if (done) return;
      done = true;
      printer.result(outcome, text);
      resolve(code);
    };
  });
  broadcaster.actor.on('*', (event: BroadcastEmitted) => {
    if (event.key === key) printer.event(event);
  });
  // Propagation can be seen only while a peer that was not told is connected; without one, the
  // peers that asked for the transaction are the evidence.
  const requesters = new Set<string>();
  broadcaster.actor.on('requested', (e) => requesters.add(e.peer));
  broadcaster.actor.subscribe((snapshot) => {
    const record = snapshot.context.transactions[key];
    if (!record || record.status !== 'pending' || requesters.size < minPeers) return;
    if (!record.observers.some((id) => id in snapshot.context.peers)) {
      finish(EXIT_OK, 'requested', `asked for by ${requesters.size} peer(s); no peer left to watch for it coming back`);
    }
  });
  const stopListening = onStopSignal(io.signals, () => finish(EXIT_GAVE_UP, 'stopped', 'stopped before it propagated'));
  void opened.allStopped.then(() => finish(EXIT_GAVE_UP, 'no-peers', 'every peer has gone: not propagated'));
  void broadcaster.broadcast(tx, fee === undefined ? {} : { fee }).then((result) => {
    if (result.outcome === 'propagated') finish(EXIT_OK, 'propagated', `propagated: ${result.propagatedBy} announced it back`);
    else if (result.outcome === 'expired') finish(EXIT_GAVE_UP, 'expired', `not propagated within ${timeoutMs} ms`);
    else finish(EXIT_GAVE_UP, result.outcome, `not propagated: ${result.outcome}`);
  });
  try {
    return await finished;
  } finally {
    stopListening();
    broadcaster.stop();
    await opened.stop();
  }
}
