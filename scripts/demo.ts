// `npm start`: the whole lifecycle in about twenty seconds, offline. A real regtest full node
// (bcoin, in memory, on 127.0.0.1) is started here, and `bitcoin-node connect` runs against it:
// handshake, pings, addresses, the peer going away, backoff, reconnection, and a clean stop.
// Extra arguments (`npm start -- --json`) go to bitcoin-node.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBcoin } from '../testkit/bcoin-harness.js';

const BIN = fileURLToPath(new URL('../bin/bitcoin-node.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const say = (text: string): void => {
  process.stderr.write(`\n  demo: ${text}\n\n`);
};

say('starting a regtest full node (bcoin 1.0.2, in memory, 127.0.0.1 only) and mining 3 blocks');
const bcoin = await startBcoin({ blocks: 3, addresses: ['127.0.0.2:18444', '127.0.0.3:18444', '127.0.0.4:18444'] });
say(`bcoin listens on ${bcoin.address}; running bitcoin-node connect ${bcoin.address}`);

const node = spawn(
  process.execPath,
  [
    BIN,
    'connect',
    bcoin.address,
    '--network',
    'regtest',
    '--on-disconnect',
    'reconnect',
    '--backoff',
    '500',
    '--max-retries',
    '5',
    '--ping-interval',
    '2000',
    ...process.argv.slice(2),
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
const exited = new Promise<number>((resolve) => node.on('close', (code) => resolve(code ?? 1)));
const interrupt = (): void => {
  node.kill('SIGINT');
};
process.once('SIGINT', interrupt);

try {
  await bcoin.waitForPeer({ timeoutMs: 10_000 });
  await sleep(2500);
  say('bcoin pings us; our node answers with pong');
  bcoin.pingPeers();
  await sleep(1500);
  say('bcoin goes away for 2.5 s: watch the disconnect, the backoff and the retries');
  await bcoin.restart({ downtimeMs: 2500 });
  await bcoin.waitForPeer({ timeoutMs: 15_000 });
  say('reconnected; retries start from 0 again');
  await sleep(3000);
  say('stopping with SIGINT, as Ctrl-C would');
  node.kill('SIGINT');
} catch (error) {
  say(`something went wrong: ${(error as Error).message}`);
  node.kill('SIGINT');
}
const code = await exited;
process.off('SIGINT', interrupt);
await bcoin.stop();
say(`bitcoin-node exited with ${code}`);
process.exitCode = code;
