// The command line refuses what makes no sense, in one line that names the option and what it takes,
// and stops quietly when its reader goes away.
import { describe, expect, it } from 'vitest';
import { startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { runCli, startCli } from './run-cli.js';

describe('bitcoin-node options', () => {
  it.each([
    [['connect', '127.0.0.1', '--ping-interval', '0'], '--ping-interval must be a whole number from 1,000 to 86,400,000 ms, got "0"'],
    [['connect', '127.0.0.1', '--max-retries', '-1'], '--max-retries must be a whole number from 0 to 1,000, got "-1"'],
    [['connect', '127.0.0.1', '--backoff', '1.5'], '--backoff must be a whole number from 10 to 3,600,000 ms, got "1.5"'],
    [['connect', '127.0.0.1', '--netwrk', 'regtest'], 'unknown option --netwrk (did you mean --network?)'],
    [['crawl', '127.0.0.1', '--concurency', '5'], 'unknown option --concurency (did you mean --concurrency?)'],
    [['crawl', '127.0.0.1', '--concurrency', '0'], '--concurrency must be a whole number from 1 to 10,000, got "0"'],
    [['listen', '--max-inbound', '-5'], '--max-inbound must be a whole number from 0 to 100,000, got "-5"'],
    [['connect', '127.0.0.1', '--network'], '--network needs a value'],
    [['connect', '127.0.0.1', '--json=yes'], '--json takes no value'],
    [['crawl', '127.0.0.1', '--dns-server', 'localhost'], '--dns-server "localhost" must be an IP address, with an optional :port'],
    [['block', '00'.repeat(32), '--dns-server', 'ns.example:53'], '--dns-server "ns.example:53" must be an IP address, with an optional :port'],
    [['crawl', '127.0.0.1', '--dns-server', '1.2.3.4:0'], '--dns-server "1.2.3.4:0" is not host[:port] with a port from 1 to 65535'],
    [['connect', '--network', 'regtest', '--dns-seed', '::1'], '--dns-seed "::1" is not host[:port] (an IPv6 address in brackets) with a port from 1 to 65535'],
    [['crawl', '--proxy', 'socks5://127.0.0.1:9', '--dns-seed', '::1'], '--dns-seed "::1" is not host[:port] (an IPv6 address in brackets) with a port from 1 to 65535'],
    [['decode', 'zzzz'], 'the frame must be hex (0-9, a-f), and "zzzz" is not'],
    [['decode', 'abc'], 'the frame has 3 hex digits; whole bytes need an even number'],
  ])('%j → exit 64: %s', async (args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect({ code, stdout, stderr }).toEqual({ code: 64, stdout: '', stderr: `bitcoin-node: ${message}\n` });
  });

  it('decode says a frame of another network is not the one named by --network', async () => {
    const { code, stderr } = await runCli(['decode', '--network', 'mainnet', 'fabfb5da76657261636b000000000000000000005df6e0e2']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "ProtocolError [bad-magic]: network magic fabfb5da is regtest's, not mainnet's (it does not match --network mainnet)\n",
    );
  });

  it('stops quietly with exit 0 when the reader of its output goes away (| head -2)', async () => {
    const peer = await startScriptedPeer();
    try {
      const cli = startCli(['connect', peer.address, '--network', 'regtest', '--json', '--on-disconnect', 'reconnect']);
      await cli.waitForStdout(/"state":"connected"/);
      cli.child.stdout!.destroy();
      const { code, stderr } = await cli.exit;
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    } finally {
      await peer.close();
    }
  });
});

describe('what a peer says, on a terminal', () => {
  it('reaches the human output only as safe characters (Core SanitizeString); JSON keeps it exact', async () => {
    const hostile = '/evil\x1b[2J\x07:1.0/\r\n';
    const peer = await startScriptedPeer({ version: { userAgent: hostile } });
    try {
      const human = startCli(['connect', peer.address, '--network', 'regtest']);
      await human.waitForStdout(/connected/);
      human.child.kill('SIGINT');
      const { stdout } = await human.exit;
      expect(stdout).toContain('/evil2J:1.0/ version');
      // eslint-disable-next-line no-control-regex -- the point: no control character reaches the terminal
      expect(stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);

      const json = startCli(['connect', peer.address, '--network', 'regtest', '--json']);
      await json.waitForStdout(/"type":"handshake"/);
      json.child.kill('SIGINT');
      const handshake = (await json.exit).stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; userAgent?: string })
        .find((l) => l.type === 'handshake');
      expect(handshake?.userAgent).toBe(hostile);
    } finally {
      await peer.close();
    }
  });
});
