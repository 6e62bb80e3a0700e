/** Helpers shared by the codec's test files (not a test file itself). */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { decodePayload, encodePayload, type OutgoingMessage } from '../../src/protocol/codec.js';
import { ProtocolError, type ProtocolErrorCode } from '../../src/protocol/errors.js';
import type { Message } from '../../src/protocol/messages/index.js';

/** Hex with any whitespace in it, as written in the tests for readability. */
export const hex = (text: string): Buffer => {
  const clean = text.replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`bad hex in test: ${text}`);
  return Buffer.from(clean, 'hex');
};

/** Double SHA-256 computed here with node:crypto directly, independently of src/protocol/hash.ts. */
export const dsha256 = (data: Uint8Array): Buffer =>
  createHash('sha256').update(createHash('sha256').update(data).digest()).digest();

/** Bitcoin's merkle tree, written plainly with node:crypto: the reference the merkle code is checked against. */
export function naiveMerkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return Buffer.alloc(32);
  let level = leaves;
  while (level.length > 1) {
    if (level.length % 2) level = [...level, level[level.length - 1]!];
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(dsha256(Buffer.concat([level[i]!, level[i + 1]!])));
    level = next;
  }
  return level[0]!;
}

/** Builds a frame by hand: magic, NUL-padded command, length, checksum, payload. */
export function handFrame(
  magicHex: string,
  command: string | Buffer,
  payload: Buffer,
  checksum?: Buffer,
): Buffer {
  const header = Buffer.alloc(24);
  hex(magicHex).copy(header, 0);
  (typeof command === 'string' ? Buffer.from(command, 'latin1') : command).copy(header, 4, 0, 12);
  header.writeUInt32LE(payload.length, 16);
  (checksum ?? dsha256(payload)).copy(header, 20, 0, 4);
  return Buffer.concat([header, payload]);
}

/** Runs `fn` and returns the ProtocolError it throws; fails the test on any other outcome. */
export function catchProtocolError(fn: () => unknown): ProtocolError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error('expected a ProtocolError, nothing was thrown');
  if (!(thrown instanceof ProtocolError)) {
    throw new Error(`expected a ProtocolError, got ${String(thrown)}`, { cause: thrown });
  }
  return thrown;
}

export function expectProtocolError(fn: () => unknown, code: ProtocolErrorCode): ProtocolError {
  const error = catchProtocolError(fn);
  expect(error.code, error.message).toBe(code);
  return error;
}

/** encode → decode must give back the same message, and decode → encode the same bytes. */
export function expectRoundTrip(message: OutgoingMessage): Buffer {
  const bytes = encodePayload(message);
  const decoded: Message = decodePayload(message.command, bytes);
  expect(decoded).toEqual(message);
  expect(encodePayload(decoded as OutgoingMessage).equals(bytes)).toBe(true);
  return bytes;
}

export interface VectorMessage {
  command: string;
  frameHex: string;
}

export interface VectorFile {
  peer: string;
  session: string;
  messages: VectorMessage[];
}

/**
 * The frames captured from real peers (test/vectors/sessions, see its README). A missing directory
 * is an error, never a reason to skip.
 */
export const VECTORS_DIR = new URL('../vectors/sessions/', import.meta.url);

export function loadVectors(from: URL = VECTORS_DIR): Map<string, VectorFile> {
  const dir = fileURLToPath(from);
  if (!existsSync(dir)) {
    throw new Error(`test vectors not found at ${dir}`);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  if (files.length === 0) throw new Error(`no *.json vectors in ${dir}`);
  const out = new Map<string, VectorFile>();
  for (const f of files.sort()) out.set(f, JSON.parse(readFileSync(new URL(f, from), 'utf8')) as VectorFile);
  return out;
}
