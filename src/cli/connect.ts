// bitcoin-node connect: one peer statechart per peer given, or one found through the DNS seeds (or, with a proxy, asked of them).
import { toPromise } from 'xstate';
import { type PeerInput, transportFor } from '../../machines/peer/options.js';
import type { PeerMachine } from '../../machines/peer.js';
import type { NetworkName } from '../protocol/networks.js';
import type { PeerOutput } from '../../machines/peer/types.js';
import { peerMachine } from '../../machines/peer.js';
import { frameCodec } from '../actors/codec.js';
import { createTcpSocket } from '../actors/socket.js';
import { createResolver, pickOne } from '../dns.js';
import { PACKAGE_NAME } from '../package-info.js';
import { createPeer, type PeerActor } from '../peer.js';
import { resolvesThroughProxy } from '../proxy/config.js';
import { seedAddresses, seedTarget } from '../seeds.js';
import {
  dnsSeedsOption,
  dnsServersOption,
  type Endpoint,
  formatEndpoint,
  formatOptions,
  INSPECT_OPTION,
  INSPECT_OPTIONAL_VALUE,
  integerOption,
  networkOption,
  optionalIntegerOption,
  type ParsedArgs,
  PEER_OPTIONS,
  parseCommandLine,
  parseEndpoint,
  PROXY_OPTIONS,
  proxyOptions,
  SEED_OPTION,
  transportOption,
} from './options.js';
import { openInspectorFromArgs } from './inspect.js';
import { describeSeedOutcome, dialableThroughProxy } from './proxy-seeding.js';
import { humanReporter, jsonReporter, type Reporter, type ReporterStreams } from './output.js';
import { onStopSignal } from './stop-signals.js';
import { EXIT_GAVE_UP, EXIT_OK, UsageError } from './usage-error.js';

export interface CommandIo extends ReporterStreams {
  /** Where SIGINT/SIGTERM (and SIGPIPE for a closed stdout) arrive; the binary's relay, or an EventEmitter in tests. */
  signals: NodeJS.EventEmitter;
}

const CONNECT_OPTIONS = {
  ...PEER_OPTIONS,
  ...PROXY_OPTIONS,
  ...SEED_OPTION,
  'on-disconnect': {
    type: 'string',
    default: 'stop',
    hint: 'stop|reconnect',
    help: 'what follows the loss of an established peer',
  },
  ...INSPECT_OPTION,
} as const;

export const CONNECT_USAGE = `Usage: bitcoin-node connect [host[:port] ...] [options]

Connects to each peer given (default port: the network's), or, with none, to one address from the
network's DNS seeds (with --proxy: asked for addresses through the proxy, never resolved here).
Ends when every peer has stopped: exit 0, or 2 if a peer gave up at --max-retries.

Options:
${formatOptions(CONNECT_OPTIONS)}`;

/** Peer options shared by `connect` and `listen`: timeouts and what we announce. */
export function peerInputFromArgs(values: ParsedArgs['values']): Omit<PeerInput, 'host'> & { network: NetworkName } {
  const network = networkOption(values);
  return {
    network: network.name,
    connectTimeoutMs: optionalIntegerOption(values, 'connect-timeout'),
    handshakeTimeoutMs: integerOption(values, 'handshake-timeout'),
    pingIntervalMs: integerOption(values, 'ping-interval'),
    pingTimeoutMs: integerOption(values, 'ping-timeout'),
    userAgent: String(values['user-agent']),
    transport: transportOption(values),
  };
}

export async function runConnect(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandLine(args, CONNECT_OPTIONS, INSPECT_OPTIONAL_VALUE);
  if (values.help) {
    io.stdout.write(`${CONNECT_USAGE}\n`);
    return EXIT_OK;
  }
  const network = networkOption(values);
  const policy = String(values['on-disconnect']);
  if (policy !== 'stop' && policy !== 'reconnect') {
    throw new UsageError(`--on-disconnect must be stop or reconnect, got ${JSON.stringify(policy)}`);
  }
  const proxies = proxyOptions(values);
  const fromSeeds = positionals.length === 0;
  const named = peerInputFromArgs(values);
  const input = {
    ...named,
    ...proxies,
    // A peer the user names is dialled in v2 first (as Core's addnode); one from a DNS seed is an
    // automatic connection, v2 only when known to advertise it, and seeds say nothing of it.
    transport: fromSeeds ? transportFor(named.transport ?? 'auto', 0n) : named.transport,
    maxRetries: integerOption(values, 'max-retries'),
    backoff: { initialMs: integerOption(values, 'backoff') },
    onDisconnect: policy,
  } as const;
  const servers = dnsServersOption(values);
  const seeds = dnsSeedsOption(values, network);

  // null: the seeds are asked through the proxy first, and the peer is one of the addresses they give.
  let endpoints: Endpoint[] | null;
  if (positionals.length > 0) {
    endpoints = positionals.map((p) => parseEndpoint(p, network.defaultPort));
  } else if (seeds.length === 0) {
    throw new UsageError(
      `${network.name} has no DNS seeds: name a peer, e.g. bitcoin-node connect 127.0.0.1:${network.defaultPort}, or a seed with --dns-seed`,
    );
  } else if (resolvesThroughProxy(proxies)) {
    endpoints = null;
  } else {
    // DNS seeds answer each query with a fresh random sample, so every retry resolves again.
    endpoints = [seedTarget(pickOne(seeds), network.defaultPort)];
  }

  const reporter: Reporter = values.json ? jsonReporter(io) : humanReporter(io);
  const inspector = await openInspectorFromArgs(values, io);
  const machine = peerMachine.provide({
    actors: { socket: createTcpSocket({ resolve: createResolver({ servers }) }), codec: frameCodec },
  });
  const actors: PeerActor[] = [];
  const seeding = new AbortController();
  const stopAll = (): void => {
    seeding.abort();
    for (const actor of actors) actor.send({ type: 'STOP' });
  };
  const stopListening = onStopSignal(io.signals, stopAll);

  try {
    if (endpoints === null) {
      const found = await addressFromSeeds(seeds, input, machine, reporter, seeding.signal);
      if (seeding.signal.aborted) return EXIT_OK;
      if (!found) return EXIT_GAVE_UP;
      endpoints = [found];
    }
    const outputs = await Promise.all(
      endpoints.map((endpoint) => {
        const name = formatEndpoint(endpoint);
        const actor = createPeer(
          { ...input, ...endpoint, connectOnStart: true },
          { machine, ...(inspector ? { inspect: inspector.inspect } : {}) },
        );
        actor.on('*', (event) => {
          reporter.event(name, event);
          if (event.type === 'disconnect' && event.reason === 'socket-closed' && event.phase === 'awaiting-version') {
            reporter.note(
              `${PACKAGE_NAME}: ${name} hung up on our ${network.name} version; if it is on another network, pass --network (mainnet, testnet3, testnet4, signet, regtest)`,
            );
          }
          if (event.type === 'disconnect' && event.reason === 'dns-failure') {
            reporter.note(
              `${PACKAGE_NAME}: could not resolve ${endpoint.host} (${event.message}); without internet access, name a peer by address`,
            );
          }
        });
        actors.push(actor);
        actor.start();
        return toPromise(actor).then((output: PeerOutput) => {
          reporter.stopped(name, output);
          return output;
        });
      }),
    );
    return outputs.some((o) => o.reason === 'max-retries') ? EXIT_GAVE_UP : EXIT_OK;
  } finally {
    stopListening();
    // The inspector serves while the node runs; once every peer has stopped it lets the process end.
    await inspector?.close();
  }
}

/**
 * Through a proxy: asks the seeds, in random order and one at a time, until one gives addresses,
 * and picks one of those the proxies reach. Null (and a note saying why) when none did.
 */
async function addressFromSeeds(
  seeds: readonly string[],
  input: Omit<PeerInput, 'host'> & { network: NetworkName },
  machine: PeerMachine,
  reporter: Reporter,
  signal: AbortSignal,
): Promise<Endpoint | null> {
  const shuffled = [...seeds].sort(() => Math.random() - 0.5);
  const result = await seedAddresses({
    network: input.network,
    seeds: shuffled,
    proxy: input.proxy,
    onionProxy: input.onionProxy,
    proxyRandomize: input.proxyRandomize,
    peer: input,
    peerMachine: machine,
    fetch: { concurrency: 1, wanted: 1 },
    signal,
  });
  for (const seed of result.seeds) reporter.note(`${PACKAGE_NAME}: seed ${seed.seed} through the proxy: ${describeSeedOutcome(seed)}`);
  const usable = dialableThroughProxy(result.addresses, input);
  if (usable.length === 0) {
    if (!signal.aborted) reporter.note(`${PACKAGE_NAME}: no seed gave an address reachable through the proxy`);
    return null;
  }
  const { host, port } = pickOne(usable);
  return { host, port };
}
