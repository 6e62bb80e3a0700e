// `bitcoin-node sync` as a real process against bcoin (in this process, on loopback): until synced,
// stopped by SIGINT and resumed, and the errors it reports. Needs the build (`npm test` builds first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/node.js';
import { type BcoinNode, startBcoin } from '../../testkit/bcoin-harness.js';
import { dataDir, storedChain } from '../sync/support.js';
import { jsonLines, runCli, startCli } from './run-cli.js';

let bcoin: BcoinNode;

beforeAll(async () => {
  bcoin = await startBcoin({ blocks: 0 });
  await bcoin.mine(2500);
}, 120_000);

afterAll(async () => {
  await bcoin?.stop();
});

const REGTEST = ['--network', 'regtest'];

describe('bitcoin-node sync', () => {
  it('--json --until-synced: tip lines, a synced line, exit 0, and a last line with the tip it ends at', async () => {
    const dir = dataDir();
    const { code, stdout, stderr } = await runCli(['sync', bcoin.address, ...REGTEST, '--data-dir', dir, '--json', '--until-synced']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    const tip = { height: 2500, hash: bcoin.tipHash() };
    expect(lines.at(-1)).toMatchObject({ type: 'tip', ...tip });
    expect(lines.find((l) => l.type === 'synced')).toMatchObject(tip);
    expect(lines.filter((l) => l.type === 'tip').map((l) => l.height)).toEqual([0, 2000, 2500, 2500]);
    for (const line of lines) expect(Object.keys(line)).toEqual(['type', 'height', 'hash', 'time']);
    expect(storedChain(dir)).toMatchObject({ records: 2500, tipHash: bcoin.tipHash() });
  });

  it('stops on SIGINT with exit 0, leaving a store the next run resumes from', async () => {
    const dir = dataDir();
    const first = startCli(['sync', bcoin.address, ...REGTEST, '--data-dir', dir, '--json']);
    await first.waitForStdout(/"height":2500/);
    first.child.kill('SIGINT');
    const stopped = await first.exit;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toBe('');
    expect(jsonLines(stopped.stdout).at(-1)).toMatchObject({ type: 'tip', height: 2500 });

    const [next] = await bcoin.mine(1);
    const second = await runCli(['sync', bcoin.address, ...REGTEST, '--data-dir', dir, '--json', '--until-synced']);
    expect(second.code).toBe(0);
    const tips = jsonLines(second.stdout).filter((l) => l.type === 'tip');
    // It starts from the 2,500 headers stored and fetches only the new one.
    expect(tips.map((l) => l.height)).toEqual([2500, 2501, 2501]);
    expect(tips.at(-1)).toMatchObject({ hash: next });
  });

  it('says what it does on a terminal-less stdout without --json', async () => {
    const dir = dataDir();
    const { code, stdout } = await runCli(['sync', bcoin.address, ...REGTEST, '--data-dir', dir, '--until-synced']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^loaded 0 headers from ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; tip 0 `));
    expect(stdout).toMatch(/\ntip 2000 [0-9a-f]{64} \d{4}-/);
    expect(stdout).toMatch(/\nsynced at 25\d\d /);
    expect(stdout.trim().split('\n').at(-1)).toMatch(/^stopped at 25\d\d [0-9a-f]{64} /);
  });

  it('refuses a store another process holds (exit 1), a network without seeds and no peer, and bad numbers (exit 64)', async () => {
    const dir = dataDir();
    const holder = createNode({ network: 'regtest', dataDir: dir, peers: [bcoin.address] });
    await holder.start();
    try {
      const locked = await runCli(['sync', bcoin.address, ...REGTEST, '--data-dir', dir, '--json']);
      expect(locked.code).toBe(1);
      expect(locked.stdout).toBe('');
      expect(locked.stderr).toMatch(/^bitcoin-node: header store is in use by process \d+/);
    } finally {
      await holder.stop();
    }
    const noPeer = await runCli(['sync', ...REGTEST, '--data-dir', dir]);
    expect(noPeer).toMatchObject({ code: 64, stdout: '' });
    expect(noPeer.stderr).toMatch(/regtest has no DNS seeds: name a peer/);
    const badPeers = await runCli(['sync', bcoin.address, ...REGTEST, '--max-peers', '0']);
    expect(badPeers.code).toBe(64);
    expect(badPeers.stderr).toMatch(/--max-peers must be a whole number from 1 to 125/);
  });
});
