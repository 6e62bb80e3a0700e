// The real peer statechart, over real sockets, against a real full node: bcoin 1.0.2 in memory
// on 127.0.0.1. bcoin runs on the real clock; our machine's waits run on a simulated one.
// Never send bcoin malformed frames: it bans 127.0.0.1 for a day (fault tests use scripted peers).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashToHex, hexToHash } from '../../src/protocol/hash.js';
import { blockHash, type BlockHeader } from '../../src/protocol/messages/headers.js';
import { ZERO_HASH } from '../../src/protocol/messages/locator.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { type PeerRun, runPeer } from '../machines/harness.js';
import { type BcoinNode, networkGuard, startBcoin } from '../../testkit/bcoin-harness.js';

let bcoin: BcoinNode;
const runs: PeerRun[] = [];

beforeAll(async () => {
  bcoin = await startBcoin({ blocks: 3, addresses: ['127.0.0.2:18444', '127.0.0.3:18445'] });
});

afterEach(async () => {
  for (const r of runs.splice(0)) {
    r.actor.send({ type: 'STOP' });
    await r.done;
  }
  expect(networkGuard.violations).toEqual([]);
});

afterAll(async () => {
  await bcoin.stop();
  expect(bcoin.isBanned()).toBe(false);
});

function connect(extra: Parameters<typeof runPeer>[0] extends infer I ? Partial<I> : never = {}): PeerRun {
  const r = runPeer({ host: bcoin.host, port: bcoin.port, connectOnStart: true, maxRetries: 0, ...extra });
  runs.push(r);
  return r;
}

describe('against bcoin 1.0.2', () => {
  it('completes the handshake and records bcoin’s version, services, user agent and height', async () => {
    const r = connect();
    await r.waitForState('connected');
    expect(r.of('handshake')[0]?.remote).toMatchObject({
      version: 70015,
      services: 9n,
      userAgent: '/bcoin:v1.0.2/',
      startHeight: bcoin.height(),
      relay: true,
    });
    // bcoin is below 70016: no wtxidrelay/sendaddrv2 from us.
    const sent = r.of('message').filter((m) => m.direction === 'out').map((m) => m.command);
    expect(sent).not.toContain('wtxidrelay');
    expect(sent).toContain('verack');
  });

  it('answers bcoin’s ping with our pong, and gets a pong with an RTT for our own ping', async () => {
    const r = connect();
    await r.until((e) => e.some((x) => x.type === 'rtt'));
    const [rtt] = r.of('rtt');
    expect(rtt!.lastMs).toBeGreaterThanOrEqual(0);
    expect(rtt!.minMs).toBe(rtt!.lastMs);

    await bcoin.waitForPeer();
    expect(bcoin.pingPeers()).toBe(1);
    await r.until((e) => e.some((x) => x.type === 'message' && x.direction === 'out' && x.command === 'pong'));
    const deadline = Date.now() + 5000;
    while (bcoin.peerList()[0]?.awaitingPong && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    const [seen] = bcoin.peerList();
    expect(seen?.awaitingPong).toBe(false);
    expect(seen?.lastPong).toBeGreaterThanOrEqual(seen!.lastPing);
  });

  it('getaddr brings back the addresses in bcoin’s address manager', async () => {
    const r = connect();
    await r.until((e) => e.some((x) => x.type === 'addresses'));
    const heard = r.of('addresses')[0]!;
    expect(heard.command).toBe('addr');
    expect(heard.addresses.map((a) => `${a.host}:${a.port}`).sort()).toEqual(['127.0.0.2:18444', '127.0.0.3:18445']);
  });

  it('getheaders from genesis brings back every header, linked from genesis to bcoin’s tip', async () => {
    await bcoin.mine(4);
    const r = connect();
    await r.waitForState('connected');
    r.actor.send({
      type: 'SEND',
      message: {
        command: 'getheaders',
        payload: { version: 70016, locator: [hexToHash(NETWORKS.regtest.genesisHash)], stopHash: ZERO_HASH },
      },
    });
    await r.until((e) => e.some((x) => x.type === 'message' && x.direction === 'in' && x.command === 'headers'));
    const message = r.of('message').find((m) => m.direction === 'in' && m.command === 'headers')!;
    const { headers } = message.payload as { headers: BlockHeader[] };
    expect(headers).toHaveLength(bcoin.height());
    let previous = NETWORKS.regtest.genesisHash;
    for (const header of headers) {
      expect(hashToHex(header.prevBlock)).toBe(previous);
      previous = hashToHex(blockHash(header));
    }
    expect(previous).toBe(bcoin.tipHash());
  });
});

describe('when bcoin goes away', () => {
  it('under the stop policy, the machine stops: disconnected, socket-closed', async () => {
    const r = connect();
    await r.waitForState('connected');
    await bcoin.restart({ downtimeMs: 0 });
    expect(await r.done).toEqual({ reason: 'disconnected', cause: 'socket-closed', retries: 0 });
  });

  it('under reconnect, backs off and reconnects when it returns on the same port', async () => {
    const r = connect({ onDisconnect: 'reconnect', maxRetries: 5, backoff: { initialMs: 1000, multiplier: 2 } });
    await r.waitForState('connected');
    const restarted = bcoin.restart({ downtimeMs: 1500 });
    await r.waitForState('backoff');
    r.clock.increment(1000); // the first retry, while bcoin is still down
    await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'backoff').length === 2);
    expect(r.of('disconnect').map((d) => d.reason)).toEqual(['socket-closed', 'connection-refused']);
    await restarted;
    r.clock.increment(2000);
    await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'connected').length === 2);
    expect(r.of('handshake')).toHaveLength(2);
    expect(r.actor.getSnapshot().context.retries).toBe(0);
  });

  it('kept down, stops after exactly maxRetries attempts', async () => {
    const r = connect({ onDisconnect: 'reconnect', maxRetries: 3, backoff: { initialMs: 100, multiplier: 1 } });
    await r.waitForState('connected');
    const port = bcoin.port;
    await bcoin.stop();
    for (let i = 1; i <= 3; i++) {
      await r.until((e) => e.filter((x) => x.type === 'state' && x.state === 'backoff').length === i);
      r.clock.increment(100);
    }
    expect(await r.done).toEqual({ reason: 'max-retries', cause: 'connection-refused', retries: 3 });
    expect(r.actor.getSnapshot().context.attempts).toBe(1 + 3);
    bcoin = await startBcoin({ port, blocks: 3 });
  });
});

describe('the v2 transport against bcoin, a v1-only node', () => {
  it('auto: our key goes unanswered; after v2ResponseTimeout we dial again in v1 and complete the handshake', async () => {
    const r = connect({ transport: 'auto', v2ResponseTimeoutMs: 5000 });
    await r.until(() => r.actor.getSnapshot().matches({ session: { link: { handshaking: 'keyExchange' } } }));
    // bcoin reads our 64-byte key as two bad headers and says nothing (it never closes on them).
    await new Promise((resolve) => setTimeout(resolve, 200));
    r.clock.increment(5000);
    await r.waitForState('connected');
    expect(r.of('disconnect')[0]?.reason).toBe('v2-unsupported');
    expect(r.of('handshake')[0]?.remote).toMatchObject({ userAgent: '/bcoin:v1.0.2/', transport: 'v1', sessionId: null });
    expect(r.actor.getSnapshot().context).toMatchObject({ retries: 0, attempts: 2 });
  });
});
