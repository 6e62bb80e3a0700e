/**
 * Core's limits (MAX_ADDR_TO_SEND, MAX_INV_SZ, MAX_LOCATOR_SZ, MAX_HEADERS_RESULTS,
 * MAX_SUBVERSION_LENGTH): one over is a typed ProtocolError, exactly at the limit is accepted.
 * Then truncation: every strict prefix of a valid payload is 'truncated' (or a valid shorter
 * message where the layout has optional trailing fields), never another exception; and bytes
 * after the known fields are tolerated, except after a tx or a block.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload, type OutgoingMessage } from '../../src/protocol/codec.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import {
  MAX_ADDR_TO_SEND,
  MAX_HEADERS_RESULTS,
  MAX_INV_SZ,
  MAX_LOCATOR_SZ,
  MAX_SUBVERSION_LENGTH,
} from '../../src/protocol/limits.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import type { AddrV2Entry } from '../../src/protocol/messages/addrv2.js';
import type { BlockHeader } from '../../src/protocol/messages/headers.js';
import type { KnownMessage } from '../../src/protocol/messages/index.js';
import type { VersionPayload } from '../../src/protocol/messages/version.js';
import { arbKnownMessage } from '../../testkit/arbitraries.js';
import { expectProtocolError, hex } from './support.js';

const addrEntry: AddrEntry = { time: 1, services: 1n, host: '1.2.3.4', port: 8333 };
const addrV2Entry: AddrV2Entry = {
  time: 1,
  services: 1n,
  network: 'ipv6',
  networkId: 2,
  host: '2001:db8::1',
  port: 8333,
};
const header: BlockHeader = {
  version: 1,
  prevBlock: Buffer.alloc(32, 1),
  merkleRoot: Buffer.alloc(32, 2),
  time: 3,
  bits: 4,
  nonce: 5,
};
const hash = Buffer.alloc(32, 7);

const version = (userAgent: string): VersionPayload => ({
  version: 70016,
  services: 0n,
  timestamp: 0n,
  receiver: { services: 0n, host: '::', port: 0 },
  sender: { services: 0n, host: '::', port: 0 },
  nonce: 1n,
  userAgent,
  startHeight: 0,
  relay: false,
});

/** Decodes an at-limit payload; compares bytes, not objects (deep equality of 50,000 items is slow). */
const atLimit = (message: OutgoingMessage, field: string, entries: number): void => {
  const bytes = encodePayload(message);
  const decoded = decodePayload(message.command, bytes);
  const value = (decoded as { payload: Record<string, { length: number }> }).payload[field];
  expect(value?.length).toBe(entries);
  expect(encodePayload(decoded as OutgoingMessage).equals(bytes)).toBe(true);
};

describe('entry count and string limits', () => {
  it(`addr: ${MAX_ADDR_TO_SEND} accepted, ${MAX_ADDR_TO_SEND + 1} → too-many-entries`, () => {
    atLimit(
      { command: 'addr', payload: { addresses: new Array(MAX_ADDR_TO_SEND).fill(addrEntry) } },
      'addresses',
      1000,
    );
    const over = encodePayload({ command: 'addr', payload: { addresses: new Array(1001).fill(addrEntry) } });
    const error = expectProtocolError(() => decodePayload('addr', over), 'too-many-entries');
    expect(error.command).toBe('addr');
  });

  it(`addrv2: ${MAX_ADDR_TO_SEND} accepted, ${MAX_ADDR_TO_SEND + 1} → too-many-entries`, () => {
    atLimit(
      { command: 'addrv2', payload: { addresses: new Array(MAX_ADDR_TO_SEND).fill(addrV2Entry) } },
      'addresses',
      1000,
    );
    const over = encodePayload({
      command: 'addrv2',
      payload: { addresses: new Array(1001).fill(addrV2Entry) },
    });
    expectProtocolError(() => decodePayload('addrv2', over), 'too-many-entries');
  });

  it.each(['inv', 'getdata', 'notfound'] as const)(
    `%s: ${MAX_INV_SZ} accepted, ${MAX_INV_SZ + 1} → too-many-entries`,
    (command) => {
      const item = { type: 1, hash };
      atLimit(
        { command, payload: { items: new Array(MAX_INV_SZ).fill(item) } } as OutgoingMessage,
        'items',
        50_000,
      );
      const over = encodePayload({
        command,
        payload: { items: new Array(50_001).fill(item) },
      } as OutgoingMessage);
      expectProtocolError(() => decodePayload(command, over), 'too-many-entries');
    },
  );

  it.each(['getheaders', 'getblocks'] as const)(
    `%s: locator of ${MAX_LOCATOR_SZ} accepted, ${MAX_LOCATOR_SZ + 1} → too-many-entries`,
    (command) => {
      atLimit(
        {
          command,
          payload: { version: 70016, locator: new Array(MAX_LOCATOR_SZ).fill(hash), stopHash: hash },
        } as OutgoingMessage,
        'locator',
        101,
      );
      const over = encodePayload({
        command,
        payload: { version: 70016, locator: new Array(102).fill(hash), stopHash: hash },
      } as OutgoingMessage);
      expectProtocolError(() => decodePayload(command, over), 'too-many-entries');
    },
  );

  it(`headers: ${MAX_HEADERS_RESULTS} accepted, ${MAX_HEADERS_RESULTS + 1} → too-many-entries`, () => {
    atLimit(
      { command: 'headers', payload: { headers: new Array(MAX_HEADERS_RESULTS).fill(header) } },
      'headers',
      2000,
    );
    const over = encodePayload({ command: 'headers', payload: { headers: new Array(2001).fill(header) } });
    expectProtocolError(() => decodePayload('headers', over), 'too-many-entries');
  });

  it(`version: user agent of ${MAX_SUBVERSION_LENGTH} bytes accepted, 257 → string-too-long`, () => {
    atLimit({ command: 'version', payload: version('x'.repeat(MAX_SUBVERSION_LENGTH)) }, 'userAgent', 256);
    const over = encodePayload({ command: 'version', payload: version('x'.repeat(257)) });
    const error = expectProtocolError(() => decodePayload('version', over), 'string-too-long');
    expect(error.command).toBe('version');
  });

  it('reject: command over 12 bytes → string-too-long', () => {
    atLimit({ command: 'reject', payload: { message: 'x'.repeat(12), code: 1, reason: '' } }, 'message', 12);
    const over = encodePayload({
      command: 'reject',
      payload: { message: 'x'.repeat(13), code: 1, reason: '' },
    });
    expectProtocolError(() => decodePayload('reject', over), 'string-too-long');
  });

  it('counts are checked before anything is read: a huge count with no entries is too-many, not truncated', () => {
    for (const [command, count] of [
      ['addr', 'fde903'], // 1001
      ['addrv2', 'fde903'],
      ['inv', 'fd51c3'], // 50001
      ['headers', 'fdd107'], // 2001
      ['inv', 'ffffffffffffffffff'],
    ] as const) {
      expectProtocolError(() => decodePayload(command, hex(count)), 'too-many-entries');
    }
    expectProtocolError(() => decodePayload('getheaders', hex('80110100 66')), 'too-many-entries');
    // At the limit but with nothing behind it: truncated.
    expectProtocolError(() => decodePayload('addr', hex('fde803')), 'truncated');
    expectProtocolError(() => decodePayload('headers', hex('fdd007')), 'truncated');
  });
});

/** Which strict prefixes of `message`'s encoding are themselves valid payloads. */
function validPrefix(message: KnownMessage, length: number, cut: number): boolean {
  // version: as Core reads it, everything after the receiver's address is optional, field by field:
  // a cut right after the receiver (46 bytes), after the sender and nonce (80), after the user
  // agent, or before the relay byte leaves a valid, shorter version.
  if (message.command === 'version') {
    const ua = Buffer.byteLength(message.payload.userAgent, 'latin1');
    const afterUserAgent = 80 + (ua < 0xfd ? 1 : 3) + ua;
    return [46, 80, afterUserAgent, afterUserAgent + 4].includes(cut) && cut < length;
  }
  // reject: the hash is only read when 32 bytes remain; a cut inside it leaves a reject without one.
  if (message.command === 'reject') return message.payload.hash !== undefined && cut >= length - 32;
  return false;
}

describe('truncation and trailing bytes', () => {
  it('every strict prefix of a valid payload is truncated (or a valid shorter message), nothing else', () => {
    let prefixes = 0;
    fc.assert(
      fc.property(arbKnownMessage, (message) => {
        const bytes = encodePayload(message);
        for (let cut = 0; cut < bytes.length; cut++) {
          prefixes++;
          const prefix = bytes.subarray(0, cut);
          let outcome: unknown;
          try {
            outcome = decodePayload(message.command, prefix);
          } catch (error) {
            outcome = error;
          }
          if (validPrefix(message, bytes.length, cut)) {
            expect(outcome).not.toBeInstanceOf(Error);
          } else {
            expect(outcome, `${message.command} cut at ${cut}/${bytes.length}`).toBeInstanceOf(ProtocolError);
            expect((outcome as ProtocolError).code).toBe('truncated');
            expect((outcome as ProtocolError).command).toBe(message.command);
          }
        }
      }),
      { numRuns: 150, seed: 6 },
    );
    expect(prefixes).toBeGreaterThan(1000);
  });

  it('bytes after the known fields are tolerated and do not change the result (tx and block: refused)', () => {
    fc.assert(
      fc.property(arbKnownMessage, fc.uint8Array({ minLength: 1, maxLength: 31 }), (message, extra) => {
        const bytes = encodePayload(message);
        const padded = Buffer.concat([bytes, extra]);
        if (message.command === 'tx' || message.command === 'block') {
          // Stricter than Core, which ignores them: `raw` must be exactly what was hashed and relayed.
          expectProtocolError(() => decodePayload(message.command, padded), 'trailing-bytes');
          return;
        }
        const decoded = decodePayload(message.command, padded);
        if (message.command === 'version' && message.payload.relay === undefined) {
          // The first extra byte is where the relay flag would be: Core reads it the same way.
          expect(decoded).toEqual({ ...message, payload: { ...message.payload, relay: extra[0] !== 0 } });
        } else {
          expect(decoded).toEqual(message);
        }
      }),
      { numRuns: 300, seed: 8 },
    );
  });

  it('a reject followed by 32 extra bytes reads them as the hash (BIP61 has no length for it)', () => {
    const bytes = encodePayload({ command: 'reject', payload: { message: 'tx', code: 0x10, reason: 'bad' } });
    const decoded = decodePayload('reject', Buffer.concat([bytes, hash]));
    expect(decoded).toEqual({
      command: 'reject',
      payload: { message: 'tx', code: 0x10, reason: 'bad', hash },
    });
  });
});
