/**
 * Fixed vectors: inputs the fuzz campaign found failing (and a few made by hand), one JSON file
 * each in test/endurance/vectors/, replayed by test/endurance/vectors.test.ts through the same
 * checks as the campaign. A vector that fails there is a bug still open; once fixed, it guards
 * against its return.
 *
 * A file:
 *   {
 *     "name": "what the stream is",
 *     "target": "codec" | "peer",          // which campaign target found it; replay runs both checks
 *     "failure": "hand-made" | "exception" | "oracle" | "hang" | "growth" | "crash",
 *     "found": "2026-11-24T04:00:00.000Z", // or "hand-made"
 *     "problem": "what was wrong when found",
 *     "reproduce": { "seed": 123, "path": "17:3" },  // fast-check run that found it, if any
 *     "expected": { "end": "connected" | "framing-error" | "protocol-violation", "pings": 1 },
 *     "repeat": 1,                         // growth: replayed this many times, memory must stay bounded
 *     "chunks": ["fabfb5da…", { "repeat": "ab", "times": 2000000 }]
 *   }
 * Chunks are hex, one socket read each; a run of one byte may be written as { repeat, times }.
 * `expected` is the oracle's class of the stream (how a connected peer must end, how many pings it
 * answers before); without it only the invariants are checked.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCodec, checkPeer, type Expected, predict } from './checks.js';
import { TARGET_NAMES, type TargetName } from './targets.js';

export const VECTORS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/endurance/vectors');

export const FAILURES = ['hand-made', 'exception', 'oracle', 'hang', 'growth', 'crash'] as const;
export type Failure = (typeof FAILURES)[number];

const ENDS: readonly Expected['end'][] = ['connected', 'framing-error', 'protocol-violation'];

export type ChunkText = string | { repeat: string; times: number };

export interface ExpectedClass {
  end: Expected['end'];
  pings: number;
}

export interface Vector {
  name: string;
  target: TargetName;
  failure: Failure;
  found: string;
  problem?: string;
  reproduce?: { seed: number; path: string };
  expected?: ExpectedClass;
  repeat?: number;
  chunks: ChunkText[];
}

// ---------------------------------------------------------------------------------------------
// Chunks as text

const HEX = /^(?:[0-9a-f]{2})*$/i;

export function chunkFromText(chunk: ChunkText): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'hex');
  return Buffer.alloc(chunk.times, Buffer.from(chunk.repeat, 'hex'));
}

/** Hex, except a long run of one byte value. */
export function chunkToText(chunk: Buffer): ChunkText {
  if (chunk.length >= 64 && chunk.every((b) => b === chunk[0])) return { repeat: chunk.toString('hex', 0, 1), times: chunk.length };
  return chunk.toString('hex');
}

export const vectorChunks = (vector: Vector): Buffer[] => vector.chunks.map(chunkFromText);

// ---------------------------------------------------------------------------------------------
// Files

/** Checks a parsed file's shape; throws with the file name and the first thing wrong. */
export function parseVector(value: unknown, file: string): Vector {
  const fail = (what: string): never => {
    throw new Error(`${file}: ${what}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.name !== 'string' || v.name === '') fail('"name" must be a non-empty string');
  if (!TARGET_NAMES.includes(v.target as TargetName)) fail(`"target" must be one of ${TARGET_NAMES.join(', ')}`);
  if (!FAILURES.includes(v.failure as Failure)) fail(`"failure" must be one of ${FAILURES.join(', ')}`);
  if (typeof v.found !== 'string') fail('"found" must be a string');
  if (v.problem !== undefined && typeof v.problem !== 'string') fail('"problem" must be a string');
  if (v.repeat !== undefined && !(Number.isInteger(v.repeat) && (v.repeat as number) >= 1)) fail('"repeat" must be a positive integer');
  if (v.expected !== undefined) {
    const e = v.expected as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) fail('"expected" must be an object');
    if (!ENDS.includes(e!.end as Expected['end'])) fail(`"expected.end" must be one of ${ENDS.join(', ')}`);
    if (!(Number.isInteger(e!.pings) && (e!.pings as number) >= 0)) fail('"expected.pings" must be a count');
  }
  if (!Array.isArray(v.chunks) || v.chunks.length === 0) fail('"chunks" must be a non-empty array');
  for (const [i, c] of (v.chunks as unknown[]).entries()) {
    if (typeof c === 'string') {
      if (!HEX.test(c)) fail(`chunk ${i} is not hex`);
    } else {
      const r = c as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null || typeof r.repeat !== 'string' || !/^[0-9a-f]{2}$/i.test(r.repeat)) {
        fail(`chunk ${i} must be hex or { "repeat": "<one byte of hex>", "times": n }`);
      }
      if (!(Number.isInteger(r!.times) && (r!.times as number) >= 1)) fail(`chunk ${i}: "times" must be a positive integer`);
    }
  }
  return value as Vector;
}

export interface VectorEntry {
  file: string;
  vector: Vector;
}

/** Every *.json in `dir`, parsed and checked, sorted by name; throws if `dir` does not exist. */
export function loadVectors(dir = VECTORS_DIR): VectorEntry[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, vector: parseVector(JSON.parse(readFileSync(path.join(dir, f), 'utf8')), f) }));
}

/** Writes a vector as `<timestamp>-<target>-<failure>.json` in `dir`; returns the path. */
export function writeVector(vector: Vector, dir = VECTORS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}-${vector.target}-${vector.failure}.json`);
  writeFileSync(file, `${JSON.stringify(vector, null, 2)}\n`);
  return file;
}

/** The oracle's class of a stream, or undefined when the framer cannot even run over it. */
export function classify(chunks: readonly Buffer[]): ExpectedClass | undefined {
  try {
    const expected = predict(chunks);
    return { end: expected.end, pings: expected.pings.length };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Replay

/**
 * Runs a vector's chunks through the codec checks, then (if they pass) the oracle's class is
 * compared with the vector's and the peer machine checked. Returns the problems; none = pass.
 */
export function replayVector(vector: Vector, chunks: readonly Buffer[] = vectorChunks(vector)): string[] {
  const problems = checkCodec(chunks).map((p) => `codec: ${p}`);
  if (problems.length > 0) return problems;
  const expected = predict(chunks);
  if (vector.expected) {
    const got: ExpectedClass = { end: expected.end, pings: expected.pings.length };
    if (got.end !== vector.expected.end || got.pings !== vector.expected.pings) {
      problems.push(
        `oracle: the stream is now ${got.end} with ${got.pings} ping(s), the vector says ${vector.expected.end} with ${vector.expected.pings}`,
      );
    }
  }
  problems.push(...checkPeer(chunks, expected).map((p) => `peer: ${p}`));
  return problems;
}
