/**
 * The BIP324 v2 transport against v1, through the codec alone (bench/workers/v2-worker.ts, its own
 * process): throughput on a ping flood and on 1 MB payloads (v1: frame + Framer; v2: V2Transport
 * encode + push, both decoding 1,460-byte chunks), the AEAD's JavaScript and OpenSSL paths by size
 * (where JS_MAX_PLAINTEXT comes from), and handshakes in memory and over loopback.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from './lib/child.js';
import { measure, type Proc, REPS, type Runner, speedup } from './lib/measure.js';
import { targetsTable } from './lib/report.js';
import { fmtMBps, fmtMs, fmtRatio, mbps, median, perSecond, si } from './lib/stats.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import type { PassResult } from './workers/protocol.js';
import type { HandshakeResult, V2LoadResult, V2Mix, V2WorkerRequest } from './workers/v2-protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Handshakes per transport and kind, measured in rounds of ROUND with the order alternating. */
const HANDSHAKES = Number(process.env.BENCH_V2_HANDSHAKES ?? 200);
const ROUND = 20;
const WARMUP = 20;
const AEAD_SIZES = [16, 64, 128, 256, 384, 512, 1024, 4096] as const;

type PassRequest = Extract<V2WorkerRequest, { op: 'pass' | 'aead' }>;
type Request = PassRequest extends infer R ? (R extends unknown ? Omit<R, 'inner'> : never) : never;

const MIX_LABEL: Record<V2Mix, string> = { ping: 'ping flood (8-byte payloads)', bulk: '1 MB payloads' };

/** v1, v2 with fresh keys, v2 with keys generated before the clock starts. */
const HANDSHAKE_KINDS = [
  { key: 'v1', label: 'v1', request: { transport: 'v1', keysAhead: false } },
  { key: 'v2', label: 'v2', request: { transport: 'v2', keysAhead: false } },
  { key: 'v2-ahead', label: 'v2, keys generated ahead', request: { transport: 'v2', keysAhead: true } },
] as const;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

async function run(ctx: BenchContext): Promise<ModuleReport> {
  const proc: Proc = {
    key: 'v2',
    label: 'codec',
    worker: Worker.start('v2', path.join(here, 'workers/v2-worker.ts'), { execArgv: ['--import', 'tsx'] }),
    backend: '',
  };
  try {
    const loaded = await proc.worker.request<V2LoadResult>({ op: 'load' });
    proc.backend = loaded.backend;
    ctx.log(`worker: ${loaded.backend}`);

    // Throughput: v1 and v2 on each mix, in the same interleaved rounds.
    const mixes: V2Mix[] = ['ping', 'bulk'];
    const passRunners: Runner<Request>[] = mixes.flatMap((mix) =>
      (['v1', 'v2'] as const).map((transport) => ({
        key: `${mix}:${transport}`,
        proc,
        request: { op: 'pass', transport, mix } as const,
        check: (r: PassResult) => {
          if (r.bad !== 0 || r.messages !== loaded.messages[mix]) {
            throw new Error(`${mix} ${transport}: ${r.messages} messages, ${r.bad} bad`);
          }
        },
      })),
    );
    ctx.log('throughput: ping flood and 1 MB payloads, v1 and v2');
    const passes = await measure(passRunners, REPS);

    ctx.log(`AEAD by size: ${AEAD_SIZES.join(', ')} bytes`);
    const aeadRunners: Runner<Request>[] = AEAD_SIZES.flatMap((size) =>
      (['js', 'native'] as const).map((aeadPath) => ({
        key: `${size}:${aeadPath}`,
        proc,
        request: { op: 'aead', path: aeadPath, size, count: Math.max(50, Math.floor(2_000_000 / (size + 400))) } as const,
        check: (r: PassResult) => {
          if (r.bad !== 0) throw new Error(`aead ${aeadPath} ${size}: ${r.bad} failed`);
        },
      })),
    );
    const aead = await measure(aeadRunners, REPS);

    ctx.log(`handshakes: ${HANDSHAKES} each, in memory and over loopback`);
    const handshakes = new Map<string, number[]>();
    const roundRatios = new Map<string, number[]>();
    for (const op of ['handshake-memory', 'handshake-tcp'] as const) {
      for (const kind of HANDSHAKE_KINDS) {
        await proc.worker.request<HandshakeResult>({ op, ...kind.request, count: WARMUP });
        handshakes.set(`${op}:${kind.key}`, []);
        roundRatios.set(`${op}:${kind.key}`, []);
      }
      for (let round = 0; round * ROUND < HANDSHAKES; round++) {
        const medians = new Map<string, number>();
        for (let k = 0; k < HANDSHAKE_KINDS.length; k++) {
          const kind = HANDSHAKE_KINDS[(round + k) % HANDSHAKE_KINDS.length]!;
          const { ms } = await proc.worker.request<HandshakeResult>({ op, ...kind.request, count: ROUND });
          handshakes.get(`${op}:${kind.key}`)!.push(...ms);
          medians.set(kind.key, median(ms));
        }
        for (const kind of HANDSHAKE_KINDS) roundRatios.get(`${op}:${kind.key}`)!.push(medians.get(kind.key)! / medians.get('v1')!);
      }
    }
    return report(loaded, passes, aead, handshakes, roundRatios);
  } finally {
    await proc.worker.close();
  }
}

function report(
  loaded: V2LoadResult,
  passes: Awaited<ReturnType<typeof measure>>,
  aead: Awaited<ReturnType<typeof measure>>,
  handshakes: Map<string, number[]>,
  roundRatios: Map<string, number[]>,
): ModuleReport {
  const throughputRows: string[][] = [];
  const targets: Target[] = [];
  for (const mix of ['ping', 'bulk'] as const) {
    const v1 = passes.get(`${mix}:v1`)!;
    const v2 = passes.get(`${mix}:v2`)!;
    // v2 relative to v1: the median over rounds of v1's time / v2's time in the same round.
    const ratio = speedup(v2, v1);
    for (const [transport, sample] of [
      ['v1', v1],
      ['v2', v2],
    ] as const) {
      throughputRows.push([
        MIX_LABEL[mix],
        transport === 'v1' ? 'v1: frame + Framer' : 'v2: encode + push',
        si(perSecond(loaded.messages[mix], sample.ms)),
        fmtMBps(mbps(loaded.payloadBytes[mix], sample.ms)),
        si(loaded.streamBytes[mix][transport]),
        fmtMs(sample.ms),
        `${(sample.spread * 100).toFixed(0)}%`,
        transport === 'v2' ? fmtRatio(ratio) : '',
      ]);
    }
    targets.push({
      name: `v2 throughput, ${MIX_LABEL[mix]}`,
      goal: '≥ 80 % of v1',
      actual: `${(ratio * 100).toFixed(0)} % of v1`,
      met: ratio >= 0.8,
    });
  }
  const throughput: Table = {
    title: 'Throughput through the codec alone: encode every message, decode the stream in 1,460-byte chunks',
    columns: ['stream', 'transport', 'msgs/s', 'payload MB/s', 'stream bytes', 'ms/pass', 'spread', 'v2 ÷ v1¹'],
    numeric: [2, 3, 4, 5, 6, 7],
    rows: throughputRows,
    notes: ['¹ throughput of v2 relative to v1: median over rounds of v1 time ÷ v2 time in the same round.'],
  };

  const aeadRows = AEAD_SIZES.map((size) => {
    const js = aead.get(`${size}:js`)!;
    const native = aead.get(`${size}:native`)!;
    const count = Math.max(50, Math.floor(2_000_000 / (size + 400)));
    const nativeOverJs = speedup(js, native);
    return [
      String(size),
      fmtMs((js.ms * 1000) / count),
      fmtMs((native.ms * 1000) / count),
      fmtRatio(nativeOverJs),
      nativeOverJs >= 1 ? 'JavaScript' : 'OpenSSL',
    ];
  });
  const aeadTable: Table = {
    title: 'ChaCha20-Poly1305, one seal + one open (µs): where the JavaScript path pays',
    columns: ['plaintext bytes', 'JavaScript', 'OpenSSL (node:crypto)', 'JS speed-up', 'faster'],
    numeric: [0, 1, 2, 3],
    rows: aeadRows,
    notes: [`The transport uses JavaScript up to JS_MAX_PLAINTEXT (${loaded.backend.match(/up to (\d+)/)?.[1] ?? '?'} bytes of header and contents) and OpenSSL above.`],
  };

  const hsRows: string[][] = [];
  const p50 = (key: string): number => percentile([...handshakes.get(key)!].sort((a, b) => a - b), 50);
  for (const [op, label] of [
    ['handshake-memory', 'in memory (keys, exchange, version/verack)'],
    ['handshake-tcp', 'loopback TCP (connect to verack both ways)'],
  ] as const) {
    for (const kind of HANDSHAKE_KINDS) {
      const ms = [...handshakes.get(`${op}:${kind.key}`)!].sort((a, b) => a - b);
      const isV1 = kind.key === 'v1';
      hsRows.push([
        label,
        kind.label,
        fmtMs(percentile(ms, 50)),
        fmtMs(percentile(ms, 90)),
        fmtMs(percentile(ms, 99)),
        isV1 ? '' : fmtRatio(percentile(ms, 50) / p50(`${op}:v1`)),
        isV1 ? '' : fmtRatio(median(roundRatios.get(`${op}:${kind.key}`)!)),
      ]);
    }
  }
  for (const kind of HANDSHAKE_KINDS.slice(1)) {
    const ratio = median(roundRatios.get(`handshake-tcp:${kind.key}`)!);
    targets.push({
      name: `handshake p50 over loopback, ${kind.label}`,
      goal: '≤ 2× v1',
      actual: `${fmtRatio(ratio)} (${fmtMs(p50(`handshake-tcp:${kind.key}`))} vs ${fmtMs(p50('handshake-tcp:v1'))} ms)`,
      met: ratio <= 2,
    });
  }
  const hsTable: Table = {
    title: `Handshakes, ${HANDSHAKES} per transport and kind (ms)`,
    columns: ['kind', 'transport', 'p50', 'p90', 'p99', 'v2 ÷ v1 (p50)', 'paired²'],
    numeric: [2, 3, 4, 5, 6],
    rows: hsRows,
    notes: ['² median over rounds of the v2 median ÷ the v1 median in the same round.'],
  };

  return {
    tables: [throughput, aeadTable, hsTable, targetsTable(targets)],
    targets,
    notes: [
      `Worker: ${loaded.backend}; one process for both transports, samples interleaved in rotating rounds.`,
      'Throughput: v1 = frame(magic, command, payload) per message, Framer.push per chunk (checksums verified); v2 = V2Transport.encode per message, push per chunk, on a pair established once and kept (the ciphers rekey every 224 packets as they go). Only the encoding and the decoding are timed; joining the encoded messages into a stream and cutting it into chunks is not. Payloads are not decoded (the same work on both).',
      'AEAD: seal then open of one plaintext, no AAD, each path alone (AEAD_PATHS), fresh nonce per message.',
      'Handshakes in memory: v1 = version, then version + verack, then verack, through Framers with the version decoded; v2 = two new V2Transports (key generation, ElligatorSwift encoding and decoding, ECDH, HKDF), the key exchange with garbage, terminators and version packets, then the same version/verack exchange in packets. Over loopback: a listener in the worker detects the transport from the first bytes as Core does; sequential connections, timed from connect() until the client has both messages and has written its verack.',
      'Bulk has a ceiling below v1 that codec work cannot lift where SHA-256 has hardware help: v1 hashes each payload once per direction (SHA-256, about 1.6 GB/s here at best), v2 runs OpenSSL’s ChaCha20-Poly1305 (about 1.1 GB/s here at best), and node:crypto cannot encrypt into a given buffer, so v2 copies once more each way.',
      'This machine is shared: re-measure on a quiet one; only the ratios within a run carry over.',
    ],
  };
}

export const v2Bench: BenchModule = {
  name: 'v2',
  title: 'BIP324 v2 transport against v1 (codec only)',
  run,
};
