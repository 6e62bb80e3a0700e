/**
 * The decoders' fast paths (one bounds check per run of fixed-size records, fields read in place,
 * Node's FastBuffer for views, one BigInt for u64 values below 2^53, IPv4/IPv6 text from lookup
 * tables, addresses parsed straight into the writer) against plain reference readers: the same
 * values, the same typed errors, wherever the payload sits in its ArrayBuffer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeMessage, encodePayload, frame } from '../../src/protocol/codec.js';
import type { AddrEntry } from '../../src/protocol/messages/addr.js';
import { type BlockHeader, blockHash, HeadersList } from '../../src/protocol/messages/headers.js';
import { type InvItem, InventoryList } from '../../src/protocol/messages/inventory.js';
import { format16, formatIPv4, formatIPv6, parse16, parseIPv6, writeHostBytes } from '../../src/protocol/messages/ip.js';
import { NETWORKS } from '../../src/protocol/networks.js';
import { Reader } from '../../src/protocol/reader.js';
import { Writer } from '../../src/protocol/writer.js';
import { arbAddr, arbHeaders, arbInventory, arbU64, rfc5952 } from '../../testkit/arbitraries.js';
import { catchProtocolError } from './support.js';

const MAGIC = NETWORKS.regtest.magic;

/** `bytes` copied to `offset` inside a larger buffer, as the framer hands payloads out (views). */
const at = (bytes: Buffer, offset: number): Buffer => {
  const host = Buffer.alloc(bytes.length + offset + 5, 0xee);
  bytes.copy(host, offset);
  return host.subarray(offset, offset + bytes.length);
};

// Plain reference readers: one field at a time with node's Buffer methods.
const refInv = (p: Buffer): InvItem[] => {
  const n = p[0]!;
  return Array.from({ length: n }, (_, i) => ({ type: p.readUInt32LE(1 + 36 * i), hash: Buffer.from(p.subarray(5 + 36 * i, 37 + 36 * i)) }));
};

describe('Reader.u64', () => {
  const edges = [0n, 1n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];

  it('reads the values around 2^32, 2^53 and 2^64 exactly', () => {
    for (const value of edges) {
      const bytes = Buffer.alloc(8);
      bytes.writeBigUInt64LE(value);
      expect(new Reader(at(bytes, 3)).u64()).toBe(value);
      expect(decodePayload('ping', bytes)).toEqual({ command: 'ping', payload: { nonce: value } });
    }
  });

  it('property: agrees with Buffer#readBigUInt64LE at any offset', () => {
    fc.assert(
      fc.property(arbU64, fc.nat({ max: 9 }), (value, offset) => {
        const bytes = Buffer.alloc(8);
        bytes.writeBigUInt64LE(value);
        const view = at(bytes, offset);
        expect(new Reader(view).u64()).toBe(view.readBigUInt64LE(0));
      }),
    );
  });
});

describe('Reader.bytes', () => {
  it('is a real Buffer viewing the payload, at the right place of a pooled ArrayBuffer', () => {
    const payload = at(Buffer.from('00112233445566778899', 'hex'), 7);
    const r = new Reader(payload);
    r.u8();
    const view = r.bytes(4);
    expect(Buffer.isBuffer(view)).toBe(true);
    expect(view).toBeInstanceOf(Buffer);
    expect(view.toString('hex')).toBe('11223344');
    expect(view.buffer).toBe(payload.buffer);
    payload[1] = 0xaa;
    expect(view[0]).toBe(0xaa);
    expect(r.bytes(0)).toEqual(Buffer.alloc(0));
  });
});

describe('inv, getdata, notfound read in place', () => {
  it('property: the same items as a one-field-at-a-time reader, hashes as Buffer views', () => {
    fc.assert(
      fc.property(arbInventory(20), fc.nat({ max: 9 }), (inv, offset) => {
        const payload = at(encodePayload({ command: 'inv', payload: inv }), offset);
        const decoded = decodePayload('getdata', payload);
        expect(decoded).toEqual({ command: 'getdata', payload: inv });
        if (inv.items.length > 0 && inv.items.length < 0xfd) expect((decoded.payload as typeof inv).items).toEqual(refInv(payload));
        for (const item of (decoded.payload as typeof inv).items) expect(Buffer.isBuffer(item.hash)).toBe(true);
      }),
    );
  });

  it('property: length, typeAt and hashAt read each entry in place, as items has it; items is built anew on each read', () => {
    fc.assert(
      fc.property(arbInventory(20), fc.nat({ max: 9 }), (inv, offset) => {
        const payload = at(encodePayload({ command: 'inv', payload: inv }), offset);
        const list = decodePayload('inv', payload).payload as InventoryList;
        expect(list).toBeInstanceOf(InventoryList);
        expect(list.length).toBe(inv.items.length);
        for (let i = 0; i < list.length; i++) {
          expect(list.typeAt(i)).toBe(inv.items[i]!.type);
          const hash = list.hashAt(i);
          expect(hash.equals(inv.items[i]!.hash)).toBe(true);
          // A view of the received bytes, not a copy.
          expect(hash.buffer).toBe(payload.buffer);
        }
        expect(list.items).not.toBe(list.items);
        expect(list.items).toEqual(list.items);
        expect(JSON.parse(JSON.stringify(list))).toEqual(JSON.parse(JSON.stringify(inv)));
        expect({ ...list }).toEqual(inv);
      }),
    );
  });

  it('an entry that is not there is a RangeError, not a read past the payload', () => {
    const list = decodePayload('inv', encodePayload({ command: 'inv', payload: { items: [{ type: 1, hash: Buffer.alloc(32, 7) }] } }))
      .payload as InventoryList;
    for (const i of [-1, 1, 0.5, Number.NaN]) {
      expect(() => list.typeAt(i)).toThrow(RangeError);
      expect(() => list.hashAt(i)).toThrow(RangeError);
    }
  });

  it('a decoded inventory is sent again as it came', () => {
    const payload = encodePayload({ command: 'inv', payload: { items: [{ type: 2, hash: Buffer.alloc(32, 3) }, { type: 5, hash: Buffer.alloc(32, 4) }] } });
    const decoded = decodePayload('getdata', payload);
    expect(encodePayload(decoded).equals(payload)).toBe(true);
  });

  it('one byte short anywhere in the items is truncated', () => {
    const payload = encodePayload({ command: 'inv', payload: { items: [{ type: 2, hash: Buffer.alloc(32, 1) }, { type: 1, hash: Buffer.alloc(32, 2) }] } });
    for (const cut of [1, 2, 36, 37, 40, 72]) {
      const error = catchProtocolError(() => decodePayload('inv', payload.subarray(0, cut)));
      expect(error.code).toBe('truncated');
      expect(error.command).toBe('inv');
    }
  });
});

describe('headers read in place', () => {
  it('property: the same headers at any offset; prevBlock and merkleRoot are Buffers', () => {
    fc.assert(
      fc.property(arbHeaders(10), fc.nat({ max: 9 }), (headers, offset) => {
        const decoded = decodePayload('headers', at(encodePayload({ command: 'headers', payload: headers }), offset));
        expect(decoded).toEqual({ command: 'headers', payload: headers });
        for (const h of (decoded.payload as typeof headers).headers) {
          expect(Buffer.isBuffer(h.prevBlock) && Buffer.isBuffer(h.merkleRoot)).toBe(true);
        }
      }),
    );
  });

  it('property: each header\'s 80 received bytes (views), its hash computed from them, and the fields', () => {
    fc.assert(
      fc.property(arbHeaders(10), fc.nat({ max: 9 }), (headers, offset) => {
        const payload = at(encodePayload({ command: 'headers', payload: headers }), offset);
        const list = decodePayload('headers', payload).payload as HeadersList;
        expect(list).toBeInstanceOf(HeadersList);
        expect(list.length).toBe(headers.headers.length);
        expect(list.rawHeaders).toHaveLength(list.length);
        expect(list.rawHeaders).toEqual(list.rawHeaders);
        headers.headers.forEach((h, i) => {
          const bytes = list.bytesAt(i);
          expect(bytes).toHaveLength(80);
          expect(bytes.buffer).toBe(payload.buffer);
          expect(bytes.equals(payload.subarray(1 + i * 81, 81 + i * 81))).toBe(true);
          expect(list.rawHeaders[i]!.equals(bytes)).toBe(true);
          expect(list.hashAt(i).equals(blockHash(h))).toBe(true);
        });
        expect(() => list.bytesAt(list.length)).toThrow(RangeError);
        expect(list.headers).not.toBe(list.headers);
        expect(list.headers).toEqual(list.headers);
      }),
    );
  });

  it('reads signed versions and unsigned times, bits and nonces', () => {
    const header: BlockHeader = {
      version: -2,
      prevBlock: Buffer.alloc(32, 0xa5),
      merkleRoot: Buffer.alloc(32, 0x5a),
      time: 0xffff_fffe,
      bits: 0x8000_0000,
      nonce: 0xffff_ffff,
    };
    expect(decodePayload('headers', encodePayload({ command: 'headers', payload: { headers: [header] } })).payload).toEqual({
      headers: [header],
    });
  });

  it('transaction counts longer than one byte leave the fast path and are read as Core reads them', () => {
    const h = (nonce: number): BlockHeader => ({ version: 1, prevBlock: Buffer.alloc(32, nonce), merkleRoot: Buffer.alloc(32, 1), time: 2, bits: 3, nonce });
    const one = (nonce: number): Buffer => encodePayload({ command: 'headers', payload: { headers: [h(nonce)] } }).subarray(1, 81);
    // Counts 0, 256 (3 bytes), 0, 2^32 (9 bytes, over MAX_COMPACT_SIZE), written after each header.
    const entries = Buffer.concat([one(1), Buffer.from([0]), one(2), Buffer.from([0xfd, 0x00, 0x01]), one(3), Buffer.from([0x05])]);
    const decoded = decodePayload('headers', at(Buffer.concat([Buffer.from([3]), entries]), 3));
    expect(decoded.payload).toEqual({ headers: [h(1), h(2), h(3)] });
    // The 80 bytes of each header are found past the longer counts too.
    const list = decoded.payload as HeadersList;
    expect([0, 1, 2].map((i) => list.bytesAt(i).equals(one(i + 1)))).toEqual([true, true, true]);
    const tooMany = Buffer.concat([Buffer.from([2]), one(1), Buffer.from([0]), one(2), Buffer.from([0xff, 0, 0, 0, 0, 1, 0, 0, 0])]);
    expect(catchProtocolError(() => decodePayload('headers', tooMany)).code).toBe('too-many-entries');
    const nonCanonical = Buffer.concat([Buffer.from([2]), one(1), Buffer.from([0xfe, 1, 0, 0, 0]), one(2), Buffer.from([0])]);
    expect(catchProtocolError(() => decodePayload('headers', nonCanonical)).code).toBe('non-canonical-compact-size');
  });

  it('a short header is truncated; a transaction count is still checked', () => {
    const payload = encodePayload({
      command: 'headers',
      payload: { headers: [{ version: 1, prevBlock: Buffer.alloc(32), merkleRoot: Buffer.alloc(32), time: 1, bits: 2, nonce: 3 }] },
    });
    for (const cut of [1, 2, 40, 80, 81]) expect(catchProtocolError(() => decodePayload('headers', payload.subarray(0, cut))).code).toBe('truncated');
    // The transaction count after the header, written in 3 bytes: non-canonical, as before.
    const bad = Buffer.concat([payload.subarray(0, 81), Buffer.from([0xfd, 0x01, 0x00])]);
    expect(catchProtocolError(() => decodePayload('headers', bad)).code).toBe('non-canonical-compact-size');
  });
});

describe('addr read in place', () => {
  it('property: the same entries at any offset', () => {
    fc.assert(
      fc.property(arbAddr(20), fc.nat({ max: 9 }), (addr, offset) => {
        expect(decodePayload('addr', at(encodePayload({ command: 'addr', payload: addr }), offset))).toEqual({ command: 'addr', payload: addr });
      }),
    );
  });

  it('reads services past 2^53, big-endian ports, and both address forms', () => {
    const entries: AddrEntry[] = [
      { time: 0xffff_ffff, services: 2n ** 64n - 1n, host: '255.0.10.1', port: 0xfffe },
      { time: 0, services: 2n ** 53n + 1n, host: '2001:db8::1', port: 1 },
      { time: 7, services: 2n ** 53n - 1n, host: '::', port: 0x0102 },
    ];
    const payload = encodePayload({ command: 'addr', payload: { addresses: entries } });
    expect(payload.readUInt16BE(1 + 28)).toBe(0xfffe);
    expect(decodePayload('addr', at(payload, 1)).payload).toEqual({ addresses: entries });
  });

  it('one byte short anywhere in the entries is truncated', () => {
    const payload = encodePayload({ command: 'addr', payload: { addresses: [{ time: 1, services: 1n, host: '1.2.3.4', port: 8333 }] } });
    for (const cut of [1, 5, 13, 29, 30]) expect(catchProtocolError(() => decodePayload('addr', payload.subarray(0, cut))).code).toBe('truncated');
  });
});

describe('address text', () => {
  it('property: format16 and formatIPv6 at an offset match an independent RFC 5952 formatter', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat({ max: 9 }), fc.boolean(), (raw, offset, mapped) => {
        const bytes = Buffer.from(raw);
        if (mapped) bytes.fill(0, 0, 10).fill(0xff, 10, 12);
        const host = Buffer.alloc(offset + 16);
        bytes.copy(host, offset);
        expect(formatIPv6(host, offset)).toBe(rfc5952(bytes));
        expect(format16(host, offset)).toBe(mapped ? `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}` : rfc5952(bytes));
      }),
    );
  });

  it('formatIPv4 writes every byte value without leading zeros', () => {
    for (let b = 0; b < 256; b++) expect(formatIPv4(Uint8Array.of(b, 0, b, 255))).toBe(`${b}.0.${b}.255`);
  });

  it('parseIPv6 accepts and rejects exactly RFC 4291 text', () => {
    const good: [string, string][] = [
      ['::', '00000000000000000000000000000000'],
      ['1::', '00010000000000000000000000000000'],
      ['::1', '00000000000000000000000000000001'],
      ['1:2:3:4:5:6:7::', '00010002000300040005000600070000'],
      ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
      ['ABCD:ef01::FFff', 'abcdef0100000000000000000000ffff'],
      ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
      ['1::2:3.4.5.6', '00010000000000000000000203040506'],
    ];
    for (const [text, bytes] of good) expect(parseIPv6(text)?.toString('hex'), text).toBe(bytes);
    const bad = [
      '',
      ':',
      ':::',
      '1:',
      ':1',
      ':1::',
      '1:::2',
      '1::2::3',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      'g::',
      ' ::1',
      '::1 ',
      '1.2.3.4',
      '::1.2.3',
      '::1.2.3.04',
      '::ffff:1.2.3.4:5',
    ];
    for (const text of bad) expect(parseIPv6(text), JSON.stringify(text)).toBeNull();
  });

  it('parse16 takes dotted quads as IPv4-mapped and bracketed IPv6; anything else is unencodable', () => {
    expect(parse16('1.2.3.4').toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(parse16('[2001:db8::1]').toString('hex')).toBe('20010db8000000000000000000000001');
    for (const host of ['1.2.3.256', 'example.com', '[1.2.3.4]', '::g']) {
      expect(catchProtocolError(() => parse16(host)).code).toBe('unencodable');
    }
  });
});

describe('encoding without intermediate buffers', () => {
  it('addresses are written straight into the writer, every byte, also when it has to grow mid-address', () => {
    for (const host of ['10.0.0.1', 'fe80::1:2', '0.0.0.0', '::ffff:1.2.3.4']) {
      for (let size = 1; size <= 24; size++) {
        for (const prefix of [0, 1, 7, 15, 16, 17]) {
          // allocUnsafe leaves old bytes in the writer's buffer: all sixteen must be written.
          const w = new Writer(size).bytes(Buffer.alloc(prefix, 0x55));
          writeHostBytes(w, host);
          expect(w.finish()).toEqual(Buffer.concat([Buffer.alloc(prefix, 0x55), parse16(host)]));
        }
      }
    }
    expect(catchProtocolError(() => writeHostBytes(new Writer(), 'not an address')).code).toBe('unencodable');
  });

  it('an unknown message is framed from its payload once, and does not alias it', () => {
    const payload = Buffer.from('deadbeef', 'hex');
    const framed = encodeMessage(MAGIC, { command: 'tx', payload, unknown: true });
    expect(framed).toEqual(frame(MAGIC, 'tx', Buffer.from('deadbeef', 'hex')));
    payload[0] = 0;
    expect(framed.subarray(24).toString('hex')).toBe('deadbeef');
    expect(encodeMessage(MAGIC, { command: 'tx', payload: Uint8Array.of(1, 2), unknown: true })).toEqual(frame(MAGIC, 'tx', Buffer.from([1, 2])));
  });
});
