// The inspector page in a real browser: headless Chromium (Debian's package) driven by
// playwright-core, against the real CLI and a scripted peer on loopback. Without Chromium the test
// is skipped with a notice, except in CI, where .ci/run installs it and its absence is a failure.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../cli/run-cli.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { findChromium, launchChromium } from './chromium.js';
import { stderrMatch } from './support.js';

const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const LIFECYCLE = ['disconnected', 'connecting', 'handshaking', 'connected', 'backoff', 'stopped'];
const chromium = findChromium();
const MISSING = 'no `chromium` on PATH (install Debian\'s package: apt-get install -y chromium)';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function scripted(): Promise<ScriptedPeer> {
  const peer = await startScriptedPeer();
  cleanups.push(() => peer.close());
  return peer;
}

let shared: Promise<Browser> | null = null;
/** One browser for the file, started on first use; each test gets its own page. */
function browser(path: string): Promise<Browser> {
  shared ??= launchChromium(path);
  return shared;
}
afterAll(async () => {
  if (shared) await (await shared).close();
});

describe('the inspector page in Chromium', () => {
  if (!chromium) {
    if (process.env.CI) {
      it('needs Chromium in CI', () => {
        throw new Error(`${MISSING}; .ci/run installs it when it runs as root`);
      });
    } else {
      console.warn(`\n[inspector] the browser test is SKIPPED: ${MISSING}\n`);
      it.skip(`draws the live statechart (skipped: ${MISSING})`, () => {});
    }
    return;
  }

  it('draws the chart, follows the peer from connected to backoff, logs the handshake, asks only 127.0.0.1', async () => {
    const peer = await scripted();
    // The browser starts first: the CLI's real-time guard only counts from its own start.
    const page = await (await browser(chromium)).newPage({ viewport: { width: 1600, height: 1000 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(String(error)));

    // A long backoff keeps the peer visibly in `backoff` until the test stops it.
    const cli = startCli([
      'connect',
      peer.address,
      '--inspect=127.0.0.1:0',
      '--network',
      'regtest',
      '--on-disconnect',
      'reconnect',
      '--backoff',
      '60000',
    ]);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    const [, url] = await stderrMatch(cli.child, /inspector: (http:\/\/127\.0\.0\.1:\d+\/)/);
    await page.goto(url!);
    await page.waitForSelector('body[data-chart="ready"]', { timeout: 30_000 });

    for (const key of LIFECYCLE) {
      expect(await page.locator(`#chart g.state[data-key="${key}"]`).count(), key).toBe(1);
    }
    expect(await page.locator('#chart g.edge').count()).toBeGreaterThan(20);

    const conn = await peer.waitForConnection();
    await page.waitForSelector('#chart g.state.active[data-id="peer.session.link.connected"]', { state: 'attached' });
    await page.waitForSelector('#log li[data-type="payload.verack"]', { state: 'attached' });
    const rows = await page.locator('#log li').allTextContents();
    expect(rows.some((r) => r.includes('payload.version') && r.includes('codec → peer'))).toBe(true);
    expect(rows.some((r) => r.includes('codec.frame') && r.includes('→ version'))).toBe(true);
    expect(rows.some((r) => r.includes('codec.frame') && r.includes('→ verack'))).toBe(true);
    expect(await page.locator('#context').textContent()).toContain('/scripted:0.1/');

    // Filtering by event type hides the rest of the log.
    await page.fill('#filter', 'payload.ver');
    const shown = await page.locator('#log li:not([hidden]) .type').allTextContents();
    expect(new Set(shown)).toEqual(new Set(['payload.version', 'payload.verack']));
    await page.fill('#filter', '');

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: `${OUTPUT}inspector-connected.png` });

    conn.close(); // the peer goes away
    await page.waitForSelector('#chart g.state.active[data-id="peer.backoff"]', { state: 'attached' });
    expect(await page.locator('#active').textContent()).toBe('backoff');
    expect(await page.locator('#chart g.state.active[data-id="peer.session.link.connected"]').count()).toBe(0);
    await page.screenshot({ path: `${OUTPUT}inspector.png` });

    const origin = new URL(url!).origin;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((r) => !r.startsWith(`${origin}/`))).toEqual([]);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(errors).toEqual([]);

    cli.child.kill('SIGINT');
    expect((await cli.exit).code).toBe(0);
  }, 60_000);

  it('lists the actors of several peers and shows the one picked', async () => {
    const [first, second] = [await scripted(), await scripted()];
    const page = await (await browser(chromium)).newPage({ viewport: { width: 1400, height: 900 } });
    cleanups.push(() => page.close());
    const cli = startCli(['connect', first.address, second.address, '--inspect=127.0.0.1:0', '--network', 'regtest']);
    cleanups.push(() => cli.child.kill('SIGKILL'));
    const [, url] = await stderrMatch(cli.child, /inspector: (http:\/\/127\.0\.0\.1:\d+\/)/);
    await Promise.all([first.waitFor('verack'), second.waitFor('verack')]);
    await page.goto(url!);
    await page.waitForSelector('body[data-chart="ready"]', { timeout: 30_000 });
    const options = page.locator('#actor option');
    await expect.poll(() => options.count()).toBe(2);
    const labels = await options.allTextContents();
    expect(labels.some((l) => l.includes(first.address))).toBe(true);
    expect(labels.some((l) => l.includes(second.address))).toBe(true);

    const other = await page.$eval('#actor', (select) => (select as unknown as { options: { value: string }[] }).options[1]!.value);
    await page.selectOption('#actor', other);
    const shownPeer = labels[1]!.includes(first.address) ? first.address : second.address;
    await expect.poll(() => page.locator('#context').textContent()).toContain(shownPeer);
    await page.waitForSelector('#chart g.state.active[data-id="peer.session.link.connected"]', { state: 'attached' });
    expect(await page.locator('#log li[data-type="payload.verack"]').count()).toBe(1);

    cli.child.kill('SIGINT');
    expect((await cli.exit).code).toBe(0);
  }, 60_000);
});
