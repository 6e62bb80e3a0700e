// bitcoin-node with --proxy, run as a real process against scripted peers behind the test proxy on
// loopback: connect, the seeds asked through the proxy, no local DNS, typed failures, listen's default.
import { afterEach, describe, expect, it } from 'vitest';
import { formatAddress as formatAddrV2 } from '../../src/protocol/messages/addrv2.js';
import { type ScriptedPeer, type ScriptedPeerOptions, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { type SocksProxyOptions, startSocksProxy, type TestSocksProxy } from '../../testkit/socks-proxy.js';
import { jsonLines, runCli, startCli } from '../cli/run-cli.js';
import { startDnsStandIn } from '../peers/dns-stand-in.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const onion = (n: number): string => formatAddrV2('torv3', Buffer.alloc(32, n));
const NOW = Math.floor(Date.now() / 1000);

async function scripted(options: ScriptedPeerOptions = {}): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer({ addrv2: true, ...options });
  cleanups.push(() => peer.close());
  return peer;
}

async function proxy(options: SocksProxyOptions = {}): Promise<TestSocksProxy> {
  const p = await startSocksProxy(options);
  cleanups.push(() => p.close());
  return p;
}

async function dnsStandIn() {
  const dns = await startDnsStandIn(() => ['127.0.0.1']);
  cleanups.push(() => dns.close());
  return dns;
}

const FAST = ['--network', 'regtest', '--transport', 'v1', '--backoff', '20', '--connect-timeout', '2000', '--handshake-timeout', '2000'];

describe('bitcoin-node connect --proxy', () => {
  it('completes the handshake through the proxy', async () => {
    const peer = await scripted();
    const socks = await proxy();
    const cli = startCli(['connect', peer.address, '--json', '--proxy', socks.url, ...FAST]);
    await cli.waitForStdout(/"state":"connected"/);
    cli.child.kill('SIGTERM');
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    expect(jsonLines(stdout).filter((l) => l.type === 'state').map((l) => l.state)).toEqual(['connecting', 'handshaking', 'connected', 'stopped']);
    expect(socks.requests).toHaveLength(1);
    expect(socks.requests[0]).toMatchObject({ addressType: 'ipv4', host: '127.0.0.1', port: peer.port, methods: [0, 2] });
  });

  it('sends a host name to the proxy and never asks a DNS server', async () => {
    const peer = await scripted();
    const socks = await proxy({ map: { 'some.host.example': { host: '127.0.0.1', port: peer.port } } });
    const dns = await dnsStandIn();
    const cli = startCli(['connect', 'some.host.example', '--json', '--proxy', socks.url, '--dns-server', dns.server, ...FAST]);
    await cli.waitForStdout(/"state":"connected"/);
    cli.child.kill('SIGTERM');
    expect((await cli.exit).code).toBe(0);
    expect(socks.requests[0]).toMatchObject({ addressType: 'domain', host: 'some.host.example', port: 18444 });
    expect(dns.queries).toEqual([]);
  });

  it('with no peer, asks a seed for addresses through the proxy (no DNS), leaves it, and connects to one of them', async () => {
    const target = await scripted();
    const seed = await scripted({ addresses: [{ time: NOW, services: 9n, host: onion(1), port: 8333 }, { time: NOW, services: 9n, host: onion(1), port: 8334 }] });
    const socks = await proxy({
      map: { 'seed.example': { host: '127.0.0.1', port: seed.port }, [onion(1)]: { host: '127.0.0.1', port: target.port } },
    });
    const dns = await dnsStandIn();
    const cli = startCli(['connect', '--json', '--proxy', socks.url, '--dns-seed', 'seed.example', '--dns-server', dns.server, ...FAST]);
    await cli.waitForStdout(/"state":"connected"/);
    const seedConnection = seed.accepted[0]!;
    await seedConnection.waitFor('getaddr');
    await seedConnection.closed;
    await target.waitForConnection();
    cli.child.kill('SIGTERM');
    const { code, stdout, stderr } = await cli.exit;
    expect(code).toBe(0);
    expect(stderr).toMatch(/seed seed\.example:18444 through the proxy: 2 addresses/);
    expect(jsonLines(stdout)[0]).toMatchObject({ type: 'state', state: 'connecting', peer: expect.stringMatching(new RegExp(`^${onion(1)}:833[34]$`)) });
    expect(socks.requests.map((r) => r.host)).toEqual(['seed.example', onion(1)]);
    expect(dns.queries).toEqual([]);
  });

  it('a seed that gives nothing reachable: a clear note and exit 2', async () => {
    const socks = await proxy({ behaviour: { reply: 0x04 } });
    const { code, stdout } = await runCli(['connect', '--proxy', socks.url, '--dns-seed', 'seed.example', ...FAST]);
    expect(code).toBe(2);
    expect(stdout).toMatch(/seed seed\.example:18444 through the proxy: no addresses \(proxy-host-unreachable\)/);
    expect(stdout).toMatch(/no seed gave an address reachable through the proxy/);
  });

  it('says why the proxy refused, in JSON and in the human output', async () => {
    const socks = await proxy({ behaviour: { reply: 0x02 } });
    const json = await runCli(['connect', 'peer.example', '--json', '--proxy', socks.url, '--max-retries', '0', ...FAST]);
    expect(json.code).toBe(2);
    expect(jsonLines(json.stdout).at(-1)).toMatchObject({ type: 'stopped', reason: 'max-retries', cause: 'proxy-not-allowed' });
    const human = await runCli(['connect', 'peer.example', '--proxy', socks.url, '--max-retries', '0', ...FAST]);
    expect(human.stdout).toMatch(/disconnect\s+proxy-not-allowed: the proxy answered 0x02: connection not allowed by ruleset/);
  });

  it('--no-proxy-randomize offers no credentials; --onion-proxy alone leaves IP peers direct', async () => {
    const peer = await scripted();
    const socks = await proxy({ map: { [onion(2)]: { host: '127.0.0.1', port: peer.port } } });
    const plain = startCli(['connect', `${onion(2)}:8333`, '--json', '--proxy', socks.url, '--no-proxy-randomize', ...FAST]);
    await plain.waitForStdout(/"state":"connected"/);
    plain.child.kill('SIGTERM');
    await plain.exit;
    expect(socks.requests[0]).toMatchObject({ addressType: 'domain', host: onion(2), methods: [0], username: null });

    const direct = startCli(['connect', peer.address, '--json', '--onion-proxy', socks.url, ...FAST]);
    await direct.waitForStdout(/"state":"connected"/);
    direct.child.kill('SIGTERM');
    await direct.exit;
    expect(socks.requests).toHaveLength(1);
  });

  it('refuses a proxy that is not socks5://host:port with exit 64', async () => {
    for (const bad of ['http://127.0.0.1:8080', 'socks5://user:pass@127.0.0.1:9050', 'socks5://127.0.0.1:99999']) {
      const { code, stderr } = await runCli(['connect', '127.0.0.1', '--proxy', bad, ...FAST]);
      expect(code, bad).toBe(64);
      expect(stderr).toMatch(/^bitcoin-node: --proxy: /);
    }
  });
});

describe('bitcoin-node crawl --proxy', () => {
  it('crawls onion nodes from a seed asked through the proxy, with no DNS', async () => {
    const b = await scripted();
    const a = await scripted({ addresses: [{ time: NOW, services: 9n, host: onion(11), port: 8333 }, { time: NOW, services: 9n, host: onion(12), port: 8333 }] });
    const seed = await scripted({ addresses: [{ time: NOW, services: 9n, host: onion(10), port: 8333 }, { time: NOW, services: 9n, host: onion(11), port: 8333 }] });
    const socks = await proxy({
      map: {
        'seed.example': { host: '127.0.0.1', port: seed.port },
        [onion(10)]: { host: '127.0.0.1', port: a.port },
        [onion(11)]: { host: '127.0.0.1', port: b.port },
      },
    });
    const dns = await dnsStandIn();
    const { code, stdout, stderr } = await runCli([
      'crawl', '--network', 'regtest', '--json', '--proxy', socks.url, '--dns-seed', 'seed.example', '--dns-server', dns.server,
      '--addr-timeout', '500', '--connect-timeout', '2000', '--handshake-timeout', '2000',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const records = jsonLines(stdout);
    const byAddress = Object.fromEntries(records.map((r) => [r.address, r]));
    expect(byAddress[onion(10)]).toMatchObject({ network: 'torv3', reachable: true });
    expect(byAddress[onion(11)]).toMatchObject({ network: 'torv3', reachable: true });
    expect(byAddress[onion(12)]).toMatchObject({ network: 'torv3', reachable: false, error: 'proxy-host-unreachable' });
    expect(dns.queries).toEqual([]);
  });
});

describe('bitcoin-node listen with a proxy', () => {
  it('does not listen unless --listen says so', async () => {
    const refused = await runCli(['listen', '--network', 'regtest', '--port', '0', '--proxy', 'socks5://127.0.0.1:9050']);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toMatch(/pass --listen/);

    const cli = startCli(['listen', '--network', 'regtest', '--port', '0', '--onion-proxy', 'socks5://127.0.0.1:9050', '--listen', '--json']);
    await cli.waitForStderr(/listening on 127\.0\.0\.1:\d+/);
    cli.child.kill('SIGTERM');
    expect((await cli.exit).code).toBe(0);
  });
});
