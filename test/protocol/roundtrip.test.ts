/**
 * Round-trip properties for every message in PAYLOAD_CODECS: encode → decode gives back the same
 * value, decode → encode gives back the same bytes, and a whole frame survives encodeMessage →
 * decodeFrame. Variants that change the layout (version relay, reject hash, addrv2 networks, every
 * inventory type) get their own properties so none is left to chance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodePayload,
  encodeMessage,
  encodePayload,
  frame,
  type OutgoingMessage,
} from '../../src/protocol/codec.js';
import { COMMANDS, isKnownCommand, PAYLOAD_CODECS } from '../../src/protocol/messages/index.js';
import { InvType } from '../../src/protocol/messages/inventory.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import {
  arbAddrV2,
  arbBlockHeader,
  arbBytes,
  arbHash,
  arbInventory,
  arbKnownMessage,
  arbReject,
  arbU32,
  arbUnknownMessage,
  arbVersion,
  PAYLOAD_ARBITRARIES,
} from '../../testkit/arbitraries.js';
import { expectRoundTrip } from './support.js';

const RUNS = { numRuns: 150 } as const;

describe('coverage', () => {
  it('the arbitraries cover exactly the commands in PAYLOAD_CODECS', () => {
    expect(Object.keys(PAYLOAD_ARBITRARIES).sort()).toEqual(Object.keys(PAYLOAD_CODECS).sort());
    expect([...COMMANDS].sort()).toEqual(Object.keys(PAYLOAD_CODECS).sort());
    for (const c of COMMANDS) expect(isKnownCommand(c)).toBe(true);
    for (const c of ['cmpctblock', 'foo', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(isKnownCommand(c)).toBe(false);
    }
  });
});

describe.each(COMMANDS)('%s', (command) => {
  it('encode → decode → deep-equal, decode → encode → same bytes', () => {
    fc.assert(
      fc.property(PAYLOAD_ARBITRARIES[command], (message) => {
        expectRoundTrip(message);
      }),
      { ...RUNS, seed: command.length * 1009 },
    );
  });

  it('whole frames round-trip on every network', () => {
    fc.assert(
      fc.property(
        PAYLOAD_ARBITRARIES[command],
        fc.constantFrom(...Object.values(NETWORKS)),
        (message, network) => {
          const bytes = encodeMessage(network.magic, message);
          const decoded = decodeFrame(bytes);
          expect(decoded.network).toBe(network);
          expect(decoded.message).toEqual(message);
          expect(decodeFrame(bytes, network.magic).message).toEqual(message);
        },
      ),
      { numRuns: 40, seed: command.length * 7 },
    );
  });
});

describe('layout variants', () => {
  it('version with relay: last byte is the relay flag', () => {
    fc.assert(
      fc.property(arbVersion({ relay: 'with' }), (payload) => {
        const bytes = expectRoundTrip({ command: 'version', payload });
        expect(bytes[bytes.length - 1]).toBe(payload.relay ? 1 : 0);
      }),
      { ...RUNS, seed: 1 },
    );
  });

  it('version without relay: one byte shorter, no relay key after decoding', () => {
    fc.assert(
      fc.property(arbVersion({ relay: 'without' }), (payload) => {
        const bytes = expectRoundTrip({ command: 'version', payload });
        const withRelay = encodePayload({ command: 'version', payload: { ...payload, relay: true } });
        expect(withRelay.length).toBe(bytes.length + 1);
        expect(withRelay.subarray(0, bytes.length).equals(bytes)).toBe(true);
        const decoded = decodePayload('version', bytes) as { payload: object };
        expect('relay' in decoded.payload).toBe(false);
      }),
      { ...RUNS, seed: 2 },
    );
  });

  it('version: the fixed part is 80 bytes plus the user agent, plus the relay byte', () => {
    fc.assert(
      fc.property(arbVersion({ relay: 'with' }), (payload) => {
        const bytes = encodePayload({ command: 'version', payload });
        const ua = payload.userAgent.length;
        expect(bytes.length).toBe(4 + 8 + 8 + 26 + 26 + 8 + (ua < 0xfd ? 1 : 3) + ua + 4 + 1);
      }),
      { numRuns: 50, seed: 3 },
    );
  });

  it.each(['ipv4', 'ipv6', 'torv3', 'i2p', 'cjdns', 'unknown'] as const)(
    'addrv2 with %s addresses',
    (net) => {
      fc.assert(
        fc.property(arbAddrV2(8, net), (payload) => {
          expectRoundTrip({ command: 'addrv2', payload });
        }),
        { numRuns: 80, seed: net.length },
      );
    },
  );

  it.each(Object.entries(InvType))('inventory type %s in inv, getdata and notfound', (_name, type) => {
    fc.assert(
      fc.property(fc.array(arbHash, { minLength: 1, maxLength: 5 }), (hashes) => {
        for (const command of ['inv', 'getdata', 'notfound'] as const) {
          const bytes = expectRoundTrip({
            command,
            payload: { items: hashes.map((hash) => ({ type, hash })) },
          } as OutgoingMessage);
          expect(bytes.readUInt32LE(1)).toBe(type);
        }
      }),
      { numRuns: 20, seed: type },
    );
  });

  it('inventory: unknown types are kept as they are', () => {
    fc.assert(
      fc.property(arbInventory(), arbU32, (payload, type) => {
        expectRoundTrip({
          command: 'inv',
          payload: { items: [...payload.items, { type, hash: Buffer.alloc(32) }] },
        });
      }),
      { numRuns: 50, seed: 11 },
    );
  });

  it('reject with and without the hash', () => {
    fc.assert(
      fc.property(arbReject({ hash: 'with' }), arbReject({ hash: 'without' }), (withHash, without) => {
        const a = expectRoundTrip({ command: 'reject', payload: withHash });
        const b = expectRoundTrip({ command: 'reject', payload: without });
        expect(a.subarray(a.length - 32).equals(withHash.hash!)).toBe(true);
        expect(decodePayload('reject', b)).not.toHaveProperty('payload.hash');
      }),
      { ...RUNS, seed: 12 },
    );
  });

  it('unknown commands are carried as raw bytes through encodeMessage and decodeFrame', () => {
    fc.assert(
      fc.property(arbUnknownMessage, (message) => {
        fc.pre(!isKnownCommand(message.command));
        const bytes = encodeMessage(NETWORKS.mainnet.magic, message);
        const { message: decoded } = decodeFrame(bytes);
        expect(decoded).toEqual({
          command: message.command,
          payload: Buffer.from(message.payload),
          unknown: true,
        });
      }),
      { numRuns: 100, seed: 13 },
    );
  });

  it('any known message frames with the right length and checksum fields', () => {
    fc.assert(
      fc.property(arbKnownMessage, (message) => {
        const payload = encodePayload(message);
        const bytes = encodeMessage(NETWORKS.regtest.magic, message);
        expect(bytes.readUInt32LE(16)).toBe(payload.length);
        expect(bytes.subarray(24).equals(payload)).toBe(true);
        expect(frame(NETWORKS.regtest.magic, message.command, payload).equals(bytes)).toBe(true);
      }),
      { numRuns: 100, seed: 14 },
    );
  });
});

describe('decode → encode from raw bytes (canonical layouts built byte by byte)', () => {
  const u32le = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const cs = (n: number): Buffer => (n < 0xfd ? Buffer.from([n]) : Buffer.from([0xfd, n & 0xff, n >> 8]));

  const rawCases: [string, fc.Arbitrary<Buffer>][] = [
    ['ping', arbBytes(8)],
    ['pong', arbBytes(8)],
    ['feefilter', arbBytes(8)],
    [
      'sendcmpct',
      fc.tuple(fc.constantFrom(0, 1), arbBytes(8)).map(([b, v]) => Buffer.concat([Buffer.from([b]), v])),
    ],
    [
      'inv',
      fc
        .array(fc.tuple(arbU32, arbBytes(32)), { maxLength: 300 })
        .map((items) => Buffer.concat([cs(items.length), ...items.flatMap(([t, h]) => [u32le(t), h])])),
    ],
    [
      'getheaders',
      fc
        .tuple(arbU32, fc.array(arbBytes(32), { maxLength: 101 }), arbBytes(32))
        .map(([v, loc, stop]) => Buffer.concat([u32le(v), cs(loc.length), ...loc, stop])),
    ],
    [
      'headers',
      fc
        .array(arbBytes(80), { maxLength: 260 })
        .map((hs) => Buffer.concat([cs(hs.length), ...hs.flatMap((h) => [h, Buffer.from([0])])])),
    ],
    [
      'addr',
      fc
        .array(fc.tuple(arbBytes(12), fc.oneof(arbBytes(16), arbBytes(4)), arbBytes(2)), { maxLength: 20 })
        .map((entries) =>
          Buffer.concat([
            cs(entries.length),
            ...entries.flatMap(([timeServices, ip, port]) => [
              timeServices,
              ip.length === 4 ? Buffer.concat([Buffer.from('00000000000000000000ffff', 'hex'), ip]) : ip,
              port,
            ]),
          ]),
        ),
    ],
  ];

  it.each(rawCases)('%s', (command, arb) => {
    fc.assert(
      fc.property(arb, (bytes) => {
        const decoded = decodePayload(command, bytes);
        expect(encodePayload(decoded as OutgoingMessage).equals(bytes)).toBe(true);
      }),
      { numRuns: 60, seed: command.length },
    );
  });

  it('block headers survive the trip field by field', () => {
    fc.assert(
      fc.property(fc.array(arbBlockHeader, { maxLength: 5 }), (headers) => {
        expectRoundTrip({ command: 'headers', payload: { headers } });
      }),
      { numRuns: 50, seed: 15 },
    );
  });
});
