// `bitcoin-node block` and `bitcoin-node broadcast`, run as real processes against bcoin 1.0.2 in
// memory and against scripted peers on loopback, with short timeouts passed as options. Needs the
// build (`npm test` builds before it runs the suite).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodePayload } from '../../src/protocol/codec.js';
import { hashToHex } from '../../src/protocol/hash.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { type BcoinNode, startBcoin } from '../../testkit/bcoin-harness.js';
import { spend, superfluousWitnessBytes } from '../../testkit/blocks.js';
import { type ScriptedPeer, startScriptedPeer } from '../../testkit/scripted-peer/index.js';
import { TestKey } from '../../testkit/wallet.js';
import { startDnsStandIn } from '../peers/dns-stand-in.js';
import { decodeBlockBytes, readBlock } from '../helpers/chain-vectors.js';
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

/** A scripted peer that asks for every transaction announced to it, as Core does. */
const requestingPeer = (): Promise<ScriptedPeer> => scripted({ negotiate: true, requestTransactions: true });

const FAST = ['--network', 'regtest', '--connect-timeout', '2000', '--handshake-timeout', '2000', '--max-retries', '0'];

let bcoin: BcoinNode;
const key = new TestKey('the value CLI');
let funded = '';

beforeAll(async () => {
  bcoin = await startBcoin({ blocks: 1 });
  [funded] = (await bcoin.mine(1, key.scriptPubKey)) as [string];
  // Mature, and past bcoin's segwit activation at 432 (see test/value/bcoin.test.ts).
  await bcoin.mine(438);
}, 60_000);

afterAll(async () => {
  await bcoin?.stop();
});

describe('bitcoin-node block', () => {
  it('prints a block from bcoin as its exact bytes in hex', async () => {
    const hash = bcoin.tipHash();
    const { code, stdout, stderr } = await runCli(['block', hash, bcoin.address, '--format', 'hex', ...FAST]);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe((await bcoin.rawBlock(hash)).toString('hex'));
    expect(stderr).toMatch(/asked for the block \(attempt 1\)/);
  });

  it('prints it decoded as JSON: header fields, every transaction with txid, wtxid, inputs, outputs and witnesses', async () => {
    // After segwit: the coinbase has its witness (the reserved value) and a commitment output.
    const hash = bcoin.tipHash();
    const { code, stdout } = await runCli(['block', hash, bcoin.address, ...FAST]);
    expect(code).toBe(0);
    const block = JSON.parse(stdout) as Record<string, unknown> & { transactions: Record<string, unknown>[] };
    expect(block.hash).toBe(hash);
    expect(block).toMatchObject({ version: expect.any(Number), prevBlock: expect.any(String), merkleRoot: expect.any(String) });
    const decoded = decodePayload('block', await bcoin.rawBlock(hash));
    if (decoded.command !== 'block' || 'unknown' in decoded) throw new Error('not a block');
    const coinbase = decoded.payload.transactions[0]!;
    expect(coinbase.hasWitness).toBe(true);
    expect(block.transactions[0]).toMatchObject({
      txid: hashToHex(coinbase.txid),
      wtxid: hashToHex(coinbase.wtxid),
      inputs: [{ witness: coinbase.inputs[0]!.witness.map((w) => w.toString('hex')) }],
      outputs: coinbase.outputs.map((o) => ({ value: o.value.toString(), scriptPubKey: o.scriptPubKey.toString('hex') })),
    });
  });

  it('with no peer named, fetches through a pool of the DNS seeds’ nodes (a loopback stand-in here)', async () => {
    const raw = readBlock('mainnet-482683');
    const hash = hashToHex(decodeBlockBytes(raw).hash);
    await scripted({ host: '127.0.0.78', port: 8333, network: 'mainnet', negotiate: true, blocks: [raw] });
    const dns = await startDnsStandIn(() => ['127.0.0.78']);
    cleanups.push(() => dns.close());
    const { code, stdout, stderr } = await runCli(['block', hash, '--network', 'mainnet', '--dns-server', dns.server, '--format', 'hex']);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe(raw.toString('hex'));
    expect(stderr).toMatch(/127\.0\.0\.78:8333\s+asked for the block/);
    expect(dns.queries.length).toBeGreaterThan(0);
  });

  it('exits 2 with what each peer did when no peer delivers, and 64 for a hash that is not one', async () => {
    const silent = await scripted({ negotiate: true });
    const { code, stderr } = await runCli(['block', funded, silent.address, '--timeout', '1500', '--peer-timeout', '500', ...FAST]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${silent.address}: timeout`);
    await silent.waitFor('getdata', (m) => m.payload.items[0]?.type === InvType.WITNESS_BLOCK);
    const bad = await runCli(['block', 'abc', ...FAST]);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/64 hex digits/);
    expect((await runCli(['block', funded, '--format', 'xml', ...FAST])).code).toBe(64);
  });
});

describe('bitcoin-node broadcast', () => {
  it('through two connections to bcoin: requested by one, announced back on the other, exit 0', async () => {
    const decoded = decodePayload('block', await bcoin.rawBlock(funded));
    if (decoded.command !== 'block' || 'unknown' in decoded) throw new Error('not a block');
    const coinbase = decoded.payload.transactions[0]!;
    const tx = key.spend({ txid: hashToHex(coinbase.txid), vout: 0, value: coinbase.outputs[0]!.value }, 20_000n);
    const { code, stdout, stderr } = await runCli(['broadcast', tx.toString('hex'), bcoin.address, bcoin.address, '--json', ...FAST]);
    expect(code, stderr).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines[0]).toMatchObject({ type: 'transaction', txid: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // One connection may be ready before the other: the second is then kept back when it comes.
    const types = lines.map((l) => l.type).filter((t) => t !== 'peer' && t !== 'watching');
    expect(types).toEqual(['transaction', 'announced', 'requested', 'propagated', 'result']);
    expect(lines.filter((l) => l.type === 'watching')).toHaveLength(1);
    expect(lines.at(-1)).toMatchObject({ type: 'result', outcome: 'propagated' });
    expect(bcoin.mempoolHas(String(lines[0]!.txid))).toBe(true);
  }, 30_000);

  it('with one peer nobody can watch: exit 0 once --min-peers peers asked; txid and wtxid first, read from stdin', async () => {
    const peer = await requestingPeer();
    const tx = spend(11);
    const cli = startCli(['broadcast', '-', peer.address, ...FAST]);
    cli.child.stdin!.end(`${tx.raw.toString('hex')}\n`);
    const { code, stdout } = await cli.exit;
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`txid   ${hashToHex(tx.txid)}`);
    expect(lines[1]).toBe(`wtxid  ${hashToHex(tx.wtxid)}`);
    expect(stdout).toMatch(/announced \(inv by wtxid, round 1\)/);
    expect(stdout).toMatch(/asked for it and was sent it/);
    expect(lines.at(-1)).toMatch(/asked for by 1 peer\(s\); no peer left to watch/);
    const served = await peer.waitFor('tx');
    expect(Buffer.from(served.payload.raw).equals(tx.raw)).toBe(true);
  });

  it('exits 2 when the timeout passes first', async () => {
    const peer = await requestingPeer();
    const { code, stdout } = await runCli(['broadcast', spend(12).raw.toString('hex'), peer.address, '--min-peers', '2', '--timeout', '1000', ...FAST]);
    expect(code).toBe(2);
    expect(stdout.trim().split('\n').at(-1)).toBe('not propagated within 1000 ms');
  });

  it('exits 64 on a transaction that does not decode, before any connection', async () => {
    const peer = await scripted();
    const { code, stdout, stderr } = await runCli(['broadcast', superfluousWitnessBytes(spend(13)).toString('hex'), peer.address, ...FAST]);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/TransactionRefusedError \[superfluous-witness\]/);
    expect(peer.connections).toBe(0);
    expect((await runCli(['broadcast', 'xyz', ...FAST])).code).toBe(64);
  });
});
