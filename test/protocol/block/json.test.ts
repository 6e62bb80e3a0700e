/**
 * What `bitcoin-node decode` prints for transactions and blocks (messageToJson), field by field
 * against bcoin's reading of the same bytes, and the command itself on a framed tx and block.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { encodeMessage, frame } from '../../../src/protocol/codec.js';
import { messageToJson } from '../../../src/protocol/json.js';
import { NETWORKS } from '../../../src/protocol/networks.js';
import { decodeBlockBytes, readBlock } from '../../helpers/chain-vectors.js';
import { hex } from '../support.js';

process.env.NODE_BACKEND ??= 'js';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const bcoin: Any = createRequire(import.meta.url)('bcoin');

const raw = readBlock('mainnet-482683');
const block = decodeBlockBytes(raw);
const theirs: Any = bcoin.Block.fromRaw(raw);
const rpc = (wire: string): string => Buffer.from(wire, 'hex').reverse().toString('hex');

function expectTxJson(json: Any, tx: Any): void {
  expect(json.txid).toBe(tx.txid());
  expect(json.wtxid).toBe(tx.wtxid());
  expect(json).toMatchObject({
    version: tx.version,
    size: tx.getSize(),
    vsize: tx.getVirtualSize(),
    weight: tx.getWeight(),
    locktime: tx.locktime,
  });
  expect(json.inputs).toEqual(
    tx.inputs.map((i: Any) => ({
      prevout: { txid: rpc(i.prevout.hash), vout: i.prevout.index },
      scriptSig: i.script.toRaw().toString('hex'),
      sequence: i.sequence,
      witness: i.witness.items.map((w: Buffer) => w.toString('hex')),
    })),
  );
  expect(json.outputs).toEqual(tx.outputs.map((o: Any) => ({ value: String(o.value), scriptPubKey: o.script.toRaw().toString('hex') })));
}

async function decodeCli(hex: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(['decode', hex], { stdout, stderr, stdin: Readable.from(['']), env: {}, signals: new EventEmitter() });
  return { code, stdout: out, stderr: err };
}

describe('JSON for transactions and blocks', () => {
  it('a witness transaction: txid and wtxid in RPC order, satoshis as strings, scripts and witness items as hex', () => {
    const index = block.transactions.findIndex((t, i) => i > 0 && t.hasWitness);
    const json = messageToJson({ command: 'tx', payload: block.transactions[index]! }) as Any;
    expectTxJson(json, theirs.txs[index]);
    expect(Object.keys(json)).toEqual(['txid', 'wtxid', 'version', 'size', 'vsize', 'weight', 'locktime', 'inputs', 'outputs']);
    expect(json.inputs.some((i: Any) => i.witness.length > 0)).toBe(true);
  });

  it('a block: the header fields and hash, sizes, weight, and every transaction the same way', () => {
    const json = messageToJson({ command: 'block', payload: block }) as Any;
    expect(json).toMatchObject({
      hash: theirs.rhash(),
      version: theirs.version,
      prevBlock: rpc(theirs.prevBlock),
      merkleRoot: rpc(theirs.merkleRoot),
      time: theirs.time,
      bits: theirs.bits,
      nonce: theirs.nonce,
      size: raw.length,
      weight: theirs.getWeight(),
      txCount: 12,
    });
    expect(json.strippedSize).toBe((json.weight - json.size) / 3);
    json.transactions.forEach((t: Any, i: number) => expectTxJson(t, theirs.txs[i]));
    // Plain JSON: it survives a round trip through text.
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('bitcoin-node decode', () => {
  it('prints a framed tx and a framed block', async () => {
    const tx = block.transactions[10]!;
    const txResult = await decodeCli(encodeMessage(NETWORKS.mainnet.magic, { command: 'tx', payload: tx }).toString('hex'));
    expect(txResult.code).toBe(0);
    const txJson = JSON.parse(txResult.stdout);
    expect(txJson).toMatchObject({ network: 'mainnet', command: 'tx' });
    expectTxJson(txJson.payload, theirs.txs[10]);

    const blockResult = await decodeCli(frame(NETWORKS.mainnet.magic, 'block', raw).toString('hex'));
    expect(blockResult.code).toBe(0);
    const blockJson = JSON.parse(blockResult.stdout);
    expect(blockJson.payload.hash).toBe('000000000000000000c238240ef6dcb26c37e75e16514e6ffc0aef7eee73e747');
    expect(blockJson.payload.transactions).toHaveLength(12);
  });

  it('a tx with a witness flag and no witness exits 1 with the typed error', async () => {
    // Version, marker and flag, one input, one output, one empty witness stack, locktime.
    const bytes = hex(`01000000 0001 01 ${'11'.repeat(32)} 00000000 00 ffffffff 01 0100000000000000 01 51 00 00000000`);
    const result = await decodeCli(frame(NETWORKS.mainnet.magic, 'tx', bytes).toString('hex'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[superfluous-witness]');
    expect(result.stdout).toBe('');
  });
});
