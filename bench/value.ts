/**
 * Moving value: what receiving a requested block costs before it is handed over (decode with every
 * hash, then verification against the hash asked for), ours against bcoin 1.0.2 on the real blocks
 * of test/vectors/blocks, each contender in its own process; and what our two machines add on top:
 * one request through the fetcher machine, one `getdata` served by the broadcaster machine.
 */
import { statSync } from 'node:fs';
import { closeContenders, fastestBcoin, fmtUs, startBlockContenders } from './lib/block-contenders.js';
import { measure, REPS, type Runner, type Sample, speedup, type WithoutInner } from './lib/measure.js';
import { fmtPct, fmtRatio } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table } from './lib/types.js';
import type { PassResult } from './workers/protocol.js';
import type { ValueRequest } from './workers/value-protocol.js';


type TimedValueRequest = WithoutInner<Exclude<ValueRequest, { op: 'load' }>>;

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const contenders = await startBlockContenders('value');
  const { files, ours, procs } = contenders;
  try {
    ctx.log(`processes: ${procs.map((p) => `${p.label} = ${p.backend}`).join('; ')}`);
    const check = (r: PassResult): void => {
      if (r.messages !== 1 || r.bad !== 0) throw new Error(`bad pass ${JSON.stringify(r)}`);
    };

    const rows: string[][] = [];
    for (const f of files) {
      ctx.log(`${f.name}: ${statSync(f.file).size} bytes`);
      const runners: Runner<TimedValueRequest>[] = [
        ...procs.map((proc) => ({ key: proc.key, proc, request: { op: 'receive', block: f.name } as const, check })),
        { key: 'cycle', proc: ours, request: { op: 'fetch-cycle', block: f.name } as const, check },
      ];
      const s = await measure(runners, REPS);
      const get = (key: string): Sample => s.get(key)!;
      const { key: fastestKey, sample: fastest } = fastestBcoin(get);
      const machine = Math.max(0, get('cycle').ms - get('ours').ms);
      rows.push([
        f.name,
        statSync(f.file).size.toLocaleString('en'),
        fmtUs(get('ours').ms),
        fmtUs(get('js').ms),
        fmtUs(get('node').ms),
        `${fmtRatio(speedup(get('ours'), fastest))} (${fastestKey})`,
        fmtUs(get('cycle').ms),
        `${fmtUs(machine)} (${fmtPct(machine / get('cycle').ms)})`,
      ]);
    }
    const served = await measure<TimedValueRequest>([{ key: 'serve', proc: ours, request: { op: 'serve' }, check }], REPS);

    const receiveTable: Table = {
      title: 'Receiving a requested block: decode and verify (µs per block, median of rounds)',
      columns: ['block', 'bytes', 'ours', 'bcoin js', 'bcoin node', 'ours vs faster bcoin', 'fetcher cycle', 'fetcher machine'],
      numeric: [1, 2, 3, 4, 5, 6, 7],
      rows,
    };
    const serveTable: Table = {
      title: 'Serving our transaction (µs per getdata)',
      columns: ['what', 'µs'],
      numeric: [1],
      rows: [['broadcaster machine: getdata in, tx out to the link', fmtUs(served.get('serve')!.ms)]],
    };
    return {
      tables: [receiveTable, serveTable],
      targets: [],
      notes: [
        'Same bytes for everyone: the raw blocks in test/vectors/blocks; before timing, both sides\' block hash, txids and wtxids are compared. Ours: `decodePayload(\'block\', raw)` then `verifyBlock(block, { expectedHash })` (merkle root with the CVE-2012-2459 check, witness commitment, coinbase, CheckTransaction, sigops, weight). bcoin: `Block.fromRaw(raw)`, `block.hash()`, every `tx.hash()` and `tx.witnessHash()`, `block.verifyBody()`, and for a block with a commitment `createCommitmentHash()` against `getCommitmentHash()` (bcoin checks the commitment in its chain, not in `verifyBody`). NODE_BACKEND=js and =node each in its own process, the ratio against the faster.',
        '"Fetcher cycle": one request through the fetcher machine with one peer and a link that only counts: GET_BLOCK (getdata out, timers set), the block decoded and sent in as the peer\'s, verified, the `block` event out, the timers cancelled. "Fetcher machine" is the cycle less the receive: what the statechart and its bookkeeping add per block.',
        `Each contender is its own process; ${REPS} rounds, each contender one sample per round (the pass repeated for at least 40 ms), order rotating; the ratio is the median of per-round ratios. On a shared machine only the ratios carry over.`,
      ],
    };
  } finally {
    await closeContenders(contenders);
  }
}

export const valueBench: BenchModule = {
  name: 'value',
  title: 'Moving value (receiving requested blocks, serving our transactions)',
  run,
};
