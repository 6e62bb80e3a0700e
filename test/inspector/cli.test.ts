// `bitcoin-node connect|listen|crawl|sync --inspect`, as real processes against scripted peers: where
// the inspector listens, what it prints, that no request ends the node, that every peer (spawned
// ones too) shows up, and that it lets the process end when the peers have stopped.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../cli/run-cli.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { runPeer } from '../machines/harness.js';
import { dataDir, regtestChain } from '../sync/support.js';
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

const FAST = ['--network', 'regtest', '--transport', 'v1', '--backoff', '20', '--connect-timeout', '2000', '--handshake-timeout', '2000'];
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

  it('stays up through requests that used to end it (`GET //` from any page, bad percent-encoding)', async () => {
    const peer = await scripted();
    const cli = startCli(['connect', peer.address, '--inspect=127.0.0.1:0', ...FAST]);
    const [, url, port] = await stderrMatch(cli.child, URL_LINE);
    const conn = await peer.waitForConnection();
    for (const head of ['GET // HTTP/1.1\r\nHost: evil.example', `GET /machines/%ZZ.json HTTP/1.1\r\nHost: 127.0.0.1:${port}`]) {
      const answer = await rawRequest(Number(port), `${head}\r\nConnection: close\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    expect(cli.child.exitCode).toBeNull();
    expect((await fetchText(url!)).status).toBe(200);
    conn.close();
    expect((await cli.exit).code).toBe(0);
  });
});

/** Sends one raw request and resolves with everything the server said before it closed. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('bitcoin-node listen --inspect and crawl --inspect', () => {
  it('listen: --inspect is in --help, and each inbound peer shows up as its own machine', async () => {
    expect((await runCli(['listen', '--help'])).stdout).toMatch(/--inspect\[=\[host:\]port\|stately\]/);
    const cli = startCli(['listen', '--network', 'regtest', '--port', '0', '--json', '--inspect=127.0.0.1:0']);
    const [, url, inspectorPort] = await stderrMatch(cli.child, URL_LINE);
    const port = Number((await cli.waitForStderr(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const events = await readEvents(`${url}events`);
    cleanups.push(() => events.close());
    const client = runPeer({ host: '127.0.0.1', port, connectOnStart: true, maxRetries: 0 });
    await client.waitForState('connected');
    const inbound = await events.waitFor(
      (m) => m.kind === 'snapshot' && (m.context as { options?: { role?: string } } | null)?.options?.role === 'inbound',
    );
    const actors = (await fetchText(`${url}actors.json`)).body;
    expect(JSON.parse(actors)).toContainEqual(expect.objectContaining({ sessionId: inbound.sessionId, machine: 'peer', parentId: null }));
    cli.child.kill('SIGINT');
    expect((await cli.exit).code).toBe(0);
    await client.done;
    await events.ended;
    expect(await accepts('127.0.0.1', Number(inspectorPort))).toBe(false);
  });

  it('crawl: --inspect shows the crawl and the peers it spawns, then ends with the crawl', async () => {
    expect((await runCli(['crawl', '--help'])).stdout).toMatch(/--inspect\[=\[host:\]port\|stately\]/);
    const peer = await scripted();
    // No addresses come back: the crawl waits --addr-timeout for them, long enough to look.
    const cli = startCli(['crawl', peer.address, '--network', 'regtest', '--json', '--addr-timeout', '3000', '--inspect=127.0.0.1:0']);
    const [, url, inspectorPort] = await stderrMatch(cli.child, URL_LINE);
    const events = await readEvents(`${url}events`);
    cleanups.push(() => events.close());
    const crawl = await events.waitFor((m) => m.kind === 'actor' && m.machine === 'crawl');
    const spawned = await events.waitFor((m) => m.kind === 'actor' && m.machine === 'peer' && m.parentId === crawl.sessionId);
    expect(spawned.rootId).toBe(crawl.sessionId);
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    expect(stdout).toContain(`"address":"127.0.0.1"`);
    await events.ended;
    expect(await accepts('127.0.0.1', Number(inspectorPort))).toBe(false);
  });

  it('sync: --inspect shows the sync next to the pool and its peers, and ends on SIGINT', async () => {
    expect((await runCli(['sync', '--help'])).stdout).toMatch(/--inspect\[=\[host:\]port\|stately\]/);
    const peer = await startScriptedPeer({ headers: regtestChain(10).headers });
    cleanups.push(() => peer.close());
    const cli = startCli(['sync', peer.address, '--network', 'regtest', '--json', '--data-dir', dataDir(), '--inspect=127.0.0.1:0']);
    const [, url, inspectorPort] = await stderrMatch(cli.child, URL_LINE);
    const events = await readEvents(`${url}events`);
    cleanups.push(() => events.close());
    const following = await events.waitFor(
      (m) => m.kind === 'snapshot' && (m.active as string[]).includes('sync.running.following'),
    );
    const actors = JSON.parse((await fetchText(`${url}actors.json`)).body) as { sessionId: string; machine: string; parentId: string | null }[];
    const pool = actors.find((a) => a.machine === 'pool');
    expect(actors).toContainEqual(expect.objectContaining({ sessionId: following.sessionId, machine: 'sync', parentId: null }));
    expect(actors).toContainEqual(expect.objectContaining({ machine: 'peer', parentId: pool?.sessionId }));
    expect(following.headline).toMatchObject({ state: 'following', detail: 'the tip at height 10, 1 peer' });
    cli.child.kill('SIGINT');
    expect((await cli.exit).code).toBe(0);
    await events.ended;
    expect(await accepts('127.0.0.1', Number(inspectorPort))).toBe(false);
  });
});
