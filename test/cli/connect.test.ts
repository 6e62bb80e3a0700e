// The installed command, run as a real process against scripted peers on loopback, with short
// timeouts passed as options. Needs the build (`npm test` builds before it runs the suite).
import { afterEach, describe, expect, it } from 'vitest';
import { startDnsStandIn } from '../peers/dns-stand-in.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { jsonLines, runCli, startCli } from './run-cli.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function scripted(options: Parameters<typeof startScriptedPeer>[0] = {}): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer(options);
  cleanups.push(() => peer.close());
  return peer;
}

const FAST = [
  '--network',
  'regtest',
  // The lifecycle of a v1 peer; the v2 dial and its fallback have tests of their own.
  '--transport',
  'v1',
  '--backoff',
  '20',
  '--connect-timeout',
  '2000',
  '--handshake-timeout',
  '2000',
];

describe('bitcoin-node connect', () => {
  it('prints the lifecycle as JSON Lines and exits 0 when the peer leaves under the stop policy', async () => {
    const peer = await scripted({
      addresses: [{ time: 1_700_000_000, services: 1n, host: '127.0.0.3', port: 18444 }],
    });
    const cli = startCli(['connect', peer.address, '--json', ...FAST]);
    const conn = await peer.waitForConnection();
    await conn.waitFor('getaddr');
    await conn.waitFor('ping');
    await cli.waitForStdout(/"type":"addresses"/);
    conn.close();
    const { code, stdout, stderr } = await cli.exit;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    for (const line of lines) {
      expect(line.peer).toBe(peer.address);
      expect(new Date(String(line.time)).toISOString()).toBe(line.time);
    }
    expect(lines.filter((l) => l.type === 'state').map((l) => l.state)).toEqual([
      'connecting',
      'handshaking',
      'connected',
      'stopped',
    ]);
    expect(lines.find((l) => l.type === 'handshake')).toMatchObject({
      version: 70016,
      services: '9',
      userAgent: '/scripted:0.1/',
      startHeight: 0,
      relay: true,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'message', direction: 'out', command: 'version' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ type: 'message', direction: 'in', command: 'verack' }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ type: 'addresses', count: 1 }));
    expect(lines.find((l) => l.type === 'state' && l.state === 'stopped')).toMatchObject({
      reason: 'socket-closed',
    });
    expect(lines.at(-1)).toMatchObject({
      type: 'stopped',
      reason: 'disconnected',
      cause: 'socket-closed',
      retries: 0,
    });
  });

  it('gives up after --max-retries against a dead port: exit 2', async () => {
    const peer = await scripted();
    await peer.stopListening();
    const { code, stdout } = await runCli(['connect', peer.address, '--json', '--max-retries', '2', ...FAST]);
    expect(code).toBe(2);
    const lines = jsonLines(stdout);
    expect(lines.filter((l) => l.type === 'state').map((l) => [l.state, l.retries, l.reason])).toEqual([
      ['connecting', 0, undefined],
      ['backoff', 1, 'connection-refused'],
      ['connecting', 1, undefined],
      ['backoff', 2, 'connection-refused'],
      ['connecting', 2, undefined],
      ['stopped', 2, 'connection-refused'],
    ]);
    expect(lines.at(-1)).toMatchObject({
      type: 'stopped',
      reason: 'max-retries',
      cause: 'connection-refused',
      retries: 2,
    });
  });

  it('stops gracefully on SIGINT with exit 0, and human output without colours when not a TTY', async () => {
    const peer = await scripted();
    const cli = startCli(['connect', peer.address, ...FAST]);
    await cli.waitForStdout(/connected/);
    cli.child.kill('SIGINT');
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    expect(stdout).toMatch(/127\.0\.0\.1:\d+\s+connected/);
    expect(stdout).toMatch(/stopped\s+user-stop/);
    expect(stdout.includes(String.fromCharCode(27))).toBe(false);
  });

  it('with no peer, resolves the network DNS seeds (a loopback stand-in here) and connects to an address from them', async () => {
    const peer = await scripted({ host: '127.0.0.77', port: 8333, network: 'mainnet' });
    const dns = await startDnsStandIn(() => ['127.0.0.77']);
    cleanups.push(() => dns.close());
    const cli = startCli([
      'connect',
      '--json',
      '--network',
      'mainnet',
      '--dns-server',
      dns.server,
      '--max-retries',
      '0',
    ]);
    const conn = await peer.waitForConnection();
    await conn.waitFor('ping');
    await cli.waitForStdout(/"state":"connected"/);
    cli.child.kill('SIGTERM');
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    expect(dns.queries.length).toBeGreaterThan(0);
    expect(dns.queries[0]).toMatch(/\./);
    expect(jsonLines(stdout).at(-1)).toMatchObject({ type: 'stopped', reason: 'user-stop' });
  });

  it('a seed that does not resolve is a failed attempt with cause dns-failure and a clear message', async () => {
    const dns = await startDnsStandIn(() => []);
    cleanups.push(() => dns.close());
    const { code, stdout, stderr } = await runCli([
      'connect',
      '--json',
      '--network',
      'testnet4',
      '--dns-server',
      dns.server,
      '--max-retries',
      '1',
      '--backoff',
      '10',
    ]);
    expect(code).toBe(2);
    expect(jsonLines(stdout).at(-1)).toMatchObject({
      type: 'stopped',
      reason: 'max-retries',
      cause: 'dns-failure',
      retries: 1,
    });
    expect(stderr).toMatch(/could not resolve seed\./);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 64 with one line naming a bad argument', async () => {
    for (const args of [
      ['connect', '--max-retries', 'many'],
      ['connect', '--network', 'moon', '127.0.0.1'],
      ['connect', '127.0.0.1:99999', '--network', 'regtest'],
      ['connect', '--on-disconnect', 'idle', '127.0.0.1'],
      ['connect', '--network', 'regtest'],
      ['connect', '--no-such-option'],
      ['frobnicate'],
      ['toString'],
    ]) {
      const { code, stderr, stdout } = await runCli(args);
      expect(code, args.join(' ')).toBe(64);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('--help shows every option with its default, --version the version', async () => {
    const help = await runCli(['connect', '--help']);
    expect(help.code).toBe(0);
    for (const option of [
      '--network',
      '--max-retries',
      '--backoff',
      '--connect-timeout',
      '--handshake-timeout',
      '--ping-interval',
      '--ping-timeout',
      '--on-disconnect',
      '--user-agent',
      '--json',
    ]) {
      expect(help.stdout).toContain(option);
    }
    expect(help.stdout).toContain('(default: 3)');
    const version = await runCli(['--version']);
    expect(version.stdout).toMatch(/^btc-statechart \d+\.\d+\.\d+\n$/);
  });
});
