// Every example in examples/ runs here against real things.
import { afterEach, describe, expect, it } from 'vitest';
import { codecDemo } from '../examples/codec-only.js';
import { startStatusServer } from '../examples/peer-status-server.js';
import { type ScriptedPeer, startScriptedPeer } from '../testkit/scripted-peer/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('examples', () => {
  it('peer-status-server serves the live state and RTT of an embedded peer', async () => {
    const peer: ScriptedPeer = await startScriptedPeer();
    cleanups.push(() => peer.close());
    const status = await startStatusServer({ host: peer.host, port: peer.port, network: 'regtest' });
    cleanups.push(() => status.close());
    await peer.waitFor('ping');
    let body: Record<string, unknown> = {};
    for (let i = 0; i < 50 && body.rttMs == null; i++) {
      body = (await (await fetch(status.url)).json()) as Record<string, unknown>;
      if (body.rttMs == null) await new Promise((r) => setTimeout(r, 20));
    }
    expect(body).toMatchObject({
      peer: peer.address,
      state: 'connected',
      userAgent: '/scripted:0.1/',
      version: 70016,
      services: '9',
      retries: 0,
    });
    expect(body.rttMs).toBeGreaterThanOrEqual(0);
  });

  it('codec-only frames, chunks and decodes messages, and shows a typed error', () => {
    const out = codecDemo();
    expect(out.map((m) => m.command)).toEqual(['ping', 'addr', 'inv', 'error']);
    expect(out[0]!.payload).toEqual({ nonce: '72623859790382856' });
    expect(out[1]!.payload).toEqual({
      addresses: [{ time: 1_700_000_000, services: '1', host: '127.0.0.2', port: 18444 }],
    });
    expect(out[3]!.payload).toMatchObject({ code: 'truncated' });
  });
});
