/**
 * Block decoding: ours (decodePayload('block', raw): block hash, every txid and wtxid from the bytes
 * read, sizes, weight) against bcoin 1.0.2 (Block.fromRaw, block.hash(), every tx.hash() and
 * tx.witnessHash()), on the real blocks of test/vectors/blocks, each contender in its own process.
 * Where our time goes: the hashing alone (our mix of JavaScript and node:crypto, and node:crypto
 * for everything), and verifyBlock after the decode.
 */
import { statSync } from 'node:fs';
import { closeContenders, fastestBcoin, fmtUs, startBlockContenders } from './lib/block-contenders.js';
import { measure, REPS, type Runner, type Sample, speedup, type WithoutInner } from './lib/measure.js';
import { targetsTable } from './lib/report.js';
import { fmtPct, fmtRatio, mbps } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import type { BlockRequest } from './workers/block-protocol.js';
import type { PassResult } from './workers/protocol.js';

const TARGET = 3;

type TimedBlockRequest = WithoutInner<Exclude<BlockRequest, { op: 'load' }>>;

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const contenders = await startBlockContenders('block');
  const { files, ours, procs, loads } = contenders;
  try {
    ctx.log(`processes: ${procs.map((p) => `${p.label} = ${p.backend}`).join('; ')}`);

    const rows: string[][] = [];
    const stageRows: string[][] = [];
    const targets: Target[] = [];
    for (const f of files) {
      const bytes = statSync(f.file).size;
      // The fingerprint is the block hash, then a txid and a wtxid per transaction.
      const transactions = (loads.get('ours')!.fingerprints[f.name]!.split(',').length - 1) / 2;
      const check = (r: PassResult): void => {
        if (r.messages !== 1 || r.bad !== 0) throw new Error(`${f.name}: bad pass ${JSON.stringify(r)}`);
      };
      ctx.log(`${f.name}: ${bytes} bytes, ${transactions} transactions`);
      const runners: Runner<TimedBlockRequest>[] = [
        ...procs.map((proc) => ({ key: proc.key, proc, request: { op: 'decode', block: f.name } as const, check })),
        { key: 'hash', proc: ours, request: { op: 'hash', block: f.name } as const, check },
        { key: 'hash-native', proc: ours, request: { op: 'hash', block: f.name, native: true } as const, check },
        { key: 'verify', proc: ours, request: { op: 'verify', block: f.name } as const, check },
      ];
      const s = await measure(runners, REPS);
      const get = (key: string): Sample => s.get(key)!;
      const { key: fastestKey, sample: fastest } = fastestBcoin(get);
      const ratio = speedup(get('ours'), fastest);
      rows.push([
        f.name,
        bytes.toLocaleString('en'),
        String(transactions),
        fmtUs(get('ours').ms),
        fmtUs(get('js').ms),
        fmtUs(get('node').ms),
        fmtRatio(ratio),
        `${(mbps(bytes, get('ours').ms)).toFixed(0)}`,
      ]);
      stageRows.push([
        f.name,
        fmtUs(get('hash').ms),
        fmtPct(get('hash').ms / get('ours').ms),
        fmtUs(get('hash-native').ms),
        fmtRatio(speedup(get('hash'), get('hash-native'))),
        fmtUs(get('verify').ms),
      ]);
      targets.push({
        name: `decode ${f.name}`,
        goal: `≥ ${TARGET}× bcoin (faster backend)`,
        actual: `${fmtRatio(ratio)} (bcoin ${fastestKey})`,
        met: ratio >= TARGET,
      });
    }

    const decodeTable: Table = {
      title: 'Decoding real blocks (µs per block, median of rounds)',
      columns: ['block', 'bytes', 'txs', 'ours', 'bcoin js', 'bcoin node', 'ours vs faster bcoin', 'ours MB/s'],
      numeric: [1, 2, 3, 4, 5, 6, 7],
      rows,
    };
    const stageTable: Table = {
      title: 'Where our time goes (µs per block)',
      columns: ['block', 'hashing only', 'share of decode', 'hashing, node:crypto only', 'ours vs node:crypto only', 'verifyBlock'],
      numeric: [1, 2, 3, 4, 5],
      rows: stageRows,
    };
    return {
      tables: [decodeTable, stageTable, targetsTable(targets)],
      targets,
      notes: [
        `Same bytes for everyone: the raw blocks in test/vectors/blocks. Ours: \`decodePayload('block', raw)\`, which returns the header and block hash and every transaction with its txid and wtxid (hashed from the received byte ranges, never re-serialised), sizes and weight. bcoin: \`Block.fromRaw(raw)\`, \`block.hash()\`, and \`tx.hash()\` and \`tx.witnessHash()\` for every transaction; NODE_BACKEND=js and =node each in its own process, the ratio against the faster. Before timing, both sides' block hash, txids and wtxids are compared.`,
        `Each contender is its own process; ${REPS} rounds, each contender one sample per round (the pass repeated for at least 40 ms), order rotating; the ratio is the median of per-round ratios.`,
        '"Hashing only": the double SHA-256 of the header and of every txid and wtxid range, as the decode does it (first round in JavaScript up to JS_FIRST_ROUND_LIMIT bytes, node:crypto above; second round always in JavaScript). "node:crypto only": the same hashes with two node:crypto one-shots each. "verifyBlock": merkle root with the CVE-2012-2459 check, witness commitment, coinbase, CheckTransaction, sigops, weight, on the decoded block.',
      ],
    };
  } finally {
    await closeContenders(contenders);
  }
}

export const blockBench: BenchModule = {
  name: 'block',
  title: 'Transactions and blocks (decode with txids, wtxids and block hash)',
  run,
};
