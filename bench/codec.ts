/**
 * Codec benchmark: our sans-I/O framer + decoder (src/protocol) against bcoin 1.0.2's Parser,
 * on the same bytes, each contender in its own process (see workers/).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from './lib/child.js';
import {
  buildStream,
  BULK_COMMAND,
  CHUNK,
  LINEAR_CHUNK,
  LINEAR_LARGE_CHUNK,
  LINEAR_PAYLOAD,
  LINEAR_SMALL_PAYLOAD,
  MIXES,
  SEED,
} from './lib/codec-mixes.js';
import { type MixResult, report } from './lib/codec-report.js';
import { ENCODE_REPS, measure, type Proc, REPS, type Runner, type TimedRequest } from './lib/measure.js';
import type { BenchContext, BenchModule, ModuleReport } from './lib/types.js';
import type { LoadResult, MixFile, PassResult } from './workers/protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** A copy of src/protocol with changes to try, measured as an extra contender "candidate". */
const CANDIDATE = process.env.BENCH_CANDIDATE;

const BCOIN_BACKENDS = ['js', 'node'] as const;

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const started = performance.now();
  ctx.log(`building streams (seed 0x${SEED.toString(16)}) in ${ctx.tmpDir}`);
  const streams = MIXES.map((spec, i) => buildStream(spec, ctx.tmpDir, i));
  const linear = buildStream(
    {
      name: 'linear',
      label: '4 MB payload',
      target: 0,
      streamBytes: 1,
      message: (p) => ({ command: BULK_COMMAND, payload: p.bytes(LINEAR_PAYLOAD), unknown: true }),
    },
    ctx.tmpDir,
    99,
  );
  const linearSmall = buildStream(
    {
      name: 'linear-small',
      label: '64 KB payload',
      target: 0,
      streamBytes: 1,
      message: (p) => ({ command: BULK_COMMAND, payload: p.bytes(LINEAR_SMALL_PAYLOAD), unknown: true }),
    },
    ctx.tmpDir,
    98,
  );
  const files: MixFile[] = [...streams, linear, linearSmall].map((s) => ({ name: s.spec.name, file: s.file }));

  const bcoinScript = path.join(here, 'workers/codec-bcoin.cjs');
  const ours: Proc = {
    key: 'ours',
    label: 'ours',
    worker: Worker.start('ours', path.join(here, 'workers/codec-ours.ts'), { execArgv: ['--import', 'tsx'] }),
    backend: '',
  };
  const candidate: Proc[] = CANDIDATE
    ? [
        {
          key: 'cand',
          label: 'candidate',
          worker: Worker.start('candidate', path.join(here, 'workers/codec-ours.ts'), {
            execArgv: ['--import', 'tsx'],
            env: { BENCH_PROTOCOL_DIR: CANDIDATE },
          }),
          backend: '',
        },
      ]
    : [];
  const bcoins: Proc[] = BCOIN_BACKENDS.map((key) => ({
    key,
    label: `bcoin ${key}`,
    worker: Worker.start(`bcoin-${key}`, bcoinScript, { env: { NODE_BACKEND: key } }),
    backend: '',
  }));
  // bcrypto's compiled addon (NODE_BACKEND unset), shown for reference when it is built here.
  const native: Proc = {
    key: 'native',
    label: 'bcoin native',
    worker: Worker.start('bcoin-native', bcoinScript, { env: { NODE_BACKEND: '' } }),
    backend: '',
  };
  const started4 = [ours, ...candidate, ...bcoins, native];
  try {
    for (const p of started4)
      p.backend = (await p.worker.request<LoadResult>({ op: 'load', mixes: files })).backend;
    const nativeBuilt = native.backend.endsWith('native');
    const procs = nativeBuilt ? started4 : [ours, ...candidate, ...bcoins];
    if (!nativeBuilt) await native.worker.close();
    ctx.log(`processes: ${procs.map((p) => `${p.label} = ${p.backend}`).join('; ')}`);

    const mixes: MixResult[] = [];
    for (const stream of streams) {
      const mix = stream.spec.name;
      const whole = (r: PassResult): void => {
        if (r.messages !== stream.messages || r.bad !== 0) {
          throw new Error(`${mix}: ${r.messages} messages (${r.bad} bad), expected ${stream.messages}`);
        }
      };
      let entries: number | undefined;
      const sameEntries = (r: PassResult): void => {
        whole(r);
        entries ??= r.items;
        if (r.items !== entries)
          throw new Error(`${mix}: ${r.items} entries read, another decoder read ${entries}`);
      };
      ctx.log(
        `${stream.spec.label}: ${stream.messages} messages, ${(stream.bytes / 1e6).toFixed(1)} MB — decoding`,
      );
      // Decoders, the checksum ceiling and our stages, all in the same rounds.
      const decodeRunners: Runner[] = [
        ...procs.map((proc) => ({
          key: proc.key,
          proc,
          request: { op: 'decode', mix, chunk: CHUNK } as const,
          check: sameEntries,
        })),
        // Ours with every inventory entry and header built, as bcoin's packets are (decoding leaves them in the bytes).
        { key: 'built', proc: ours, request: { op: 'decode', mix, chunk: CHUNK, build: true } as const, check: sameEntries },
        { key: 'ceiling', proc: ours, request: { op: 'hash', mix } as const, check: whole },
        {
          key: 'frame',
          proc: ours,
          request: { op: 'decode', mix, chunk: CHUNK, decode: false, verify: false } as const,
          check: whole,
        },
        {
          key: 'checksum',
          proc: ours,
          request: { op: 'decode', mix, chunk: CHUNK, decode: false, verify: true } as const,
          check: whole,
        },
      ];
      const decode = await measure(decodeRunners, REPS);

      ctx.log(`${stream.spec.label}: encoding`);
      const encodeFailures = new Map<string, string>();
      const encoders: Proc[] = [];
      for (const proc of procs) {
        try {
          if (proc === ours || proc.key === 'cand') {
            const check = await proc.worker.request<PassResult>({ op: 'encode-check', mix });
            if (check.bad) throw new Error(`${proc.key}: encodeMessage output differs from the stream`);
          }
          encoders.push(proc);
        } catch (error) {
          encodeFailures.set(proc.key, shortError(error));
        }
      }
      const encode = await measure(
        encoders.map((proc) => ({
          key: proc.key,
          proc,
          request: { op: 'encode', mix } as const,
          check: (r: PassResult) => {
            if (r.messages !== stream.messages || r.bytes !== stream.bytes) {
              throw new Error(`${mix}: ${proc.label} encoded ${r.messages} messages, ${r.bytes} bytes`);
            }
          },
        })),
        ENCODE_REPS,
      );
      mixes.push({ stream, decode, encode, encodeFailures });
      for (const proc of procs) await proc.worker.request({ op: 'release', mix });
    }

    ctx.log(`${linear.spec.label} and ${linearSmall.spec.label} in ${LINEAR_CHUNK}-byte chunks; ${linear.spec.label} in 64 KiB and one chunk`);
    const one = (r: PassResult): void => {
      if (r.messages !== 1 || r.bad !== 0) throw new Error(`linear: ${r.messages} messages, ${r.bad} bad`);
    };
    const linearSamples = await measure<TimedRequest>(
      procs.flatMap((proc): Runner[] => [
        {
          key: `${proc.key}:small`,
          proc,
          request: { op: 'decode', mix: 'linear', chunk: LINEAR_CHUNK } as const,
          check: one,
        },
        {
          key: `${proc.key}:large`,
          proc,
          request: { op: 'decode', mix: 'linear', chunk: LINEAR_LARGE_CHUNK } as const,
          check: one,
        },
        {
          key: `${proc.key}:one`,
          proc,
          request: { op: 'decode', mix: 'linear', chunk: 0 } as const,
          check: one,
        },
        {
          key: `${proc.key}:small-payload`,
          proc,
          request: { op: 'decode', mix: 'linear-small', chunk: LINEAR_CHUNK } as const,
          check: one,
        },
      ]),
      REPS,
    );

    return report({
      mixes,
      procs,
      nativeBuilt,
      linear: linearSamples,
      seconds: (performance.now() - started) / 1e3,
    });
  } finally {
    await Promise.all(started4.map((p) => p.worker.close()));
  }
}

/** "ours: RangeError [ERR_OUT_OF_RANGE]: The value of ..." → "throws RangeError [ERR_OUT_OF_RANGE]". */
function shortError(error: unknown): string {
  const line = (error instanceof Error ? error.message : String(error))
    .split('\n')[0]!
    .replace(/^[^:]*: /, '');
  return line.startsWith('encodeMessage') ? line : `throws ${line.split(':')[0]}`;
}

export const codecBench: BenchModule = {
  name: 'codec',
  title: 'Wire codec (framing, checksum, payload codecs)',
  run,
};
