// `bitcoin-node connect --inspect`, as a real process against a scripted peer: where it listens,
// what it prints, and that it lets the process end when the peers have stopped.
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../cli/run-cli.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { accepts, fetchText, readEvents, stderrMatch } from './support.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function scripted(): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer();
  cleanups.push(() => peer.close());
  return peer;
}

const FAST = ['--network', 'regtest', '--backoff', '20', '--connect-timeout', '2000', '--handshake-timeout', '2000'];
const URL_LINE = /inspector: (http:\/\/127\.0\.0\.1:(\d+)\/)/;

describe('bitcoin-node connect --inspect', () => {
  it('is in --help', async () => {
    const { code, stdout } = await runCli(['connect', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--inspect\[=\[host:\]port\|stately\]\s+serve the live statechart inspector \(alone: 127\.0\.0\.1:4848/);
  });

  it.each(['nope', '127.0.0.1:70000', 'example.com:80', 'stately:x'])('refuses --inspect=%s with exit 64', async (value) => {
    const { code, stderr } = await runCli(['connect', '127.0.0.1:1', `--inspect=${value}`]);
    expect(code).toBe(64);
    expect(stderr).toMatch(/^bitcoin-node: --inspect must be \[host:\]port/);
  });

  it('serves the inspector on 127.0.0.1 while the node runs, then exits and frees the port', async () => {
    const peer = await scripted();
    const cli = startCli(['connect', peer.address, '--json', '--inspect=127.0.0.1:0', ...FAST]);
    const [, url, port] = await stderrMatch(cli.child, URL_LINE);
    const page = await fetchText(url!);
    expect(page.body).toContain('<title>btc-statechart inspector</title>');
    const events = await readEvents(`${url}events`);
    cleanups.push(() => events.close());
    const conn = await peer.waitForConnection();
    await events.waitFor((m) => m.kind === 'event' && m.eventType === 'payload.verack');
    const connected = await events.waitFor(
      (m) => m.kind === 'snapshot' && (m.active as string[]).includes('peer.session.link.connected'),
    );
    expect(connected.context).toMatchObject({ retries: 0, remote: { userAgent: '/scripted:0.1/', services: '9' } });
    conn.close();
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    expect(stdout).toContain('"type":"stopped"');
    await events.ended;
    expect(await accepts('127.0.0.1', Number(port))).toBe(false);
  });

  it('--inspect=stately bridges to Stately on 127.0.0.1 and still lets the process end', async () => {
    const peer = await scripted();
    const cli = startCli(['connect', peer.address, '--inspect=stately:0', ...FAST]);
    const [line, url] = await stderrMatch(cli.child, /inspector: (http:\/\/127\.0\.0\.1:\d+\/).*$/m);
    expect(line).toContain("Stately's hosted inspector");
    expect((await fetchText(url!)).body).toContain('https://stately.ai/inspect');
    const conn = await peer.waitForConnection();
    await conn.waitFor('ping');
    conn.close();
    expect((await cli.exit).code).toBe(0);
  });

  it('says so when the port is taken: exit 64', async () => {
    const peer = await scripted();
    const first = startCli(['connect', peer.address, '--inspect=0', ...FAST]);
    const [, , port] = await stderrMatch(first.child, URL_LINE);
    const { code, stderr } = await runCli(['connect', peer.address, `--inspect=${port}`, ...FAST]);
    expect(code).toBe(64);
    expect(stderr).toContain(`--inspect cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    first.child.kill('SIGINT');
    expect((await first.exit).code).toBe(0);
  });
});
