/**
 * Text forms of the 16-byte address fields. The oracle for IPv6 text is the WHATWG URL parser built
 * into Node (its IPv6 serializer is RFC 5952 without the dotted tail), not the codec's own code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from '../../src/protocol/base32.js';
import { format16, formatIPv6, parse16, parseIPv4, parseIPv6 } from '../../src/protocol/messages/ip.js';
import { arbIPv6Bytes, base32, rfc5952 } from '../../testkit/arbitraries.js';
import { expectProtocolError, hex } from './support.js';

const whatwg = (text: string): string => new URL(`http://[${text}]/`).hostname.slice(1, -1);

describe('IPv6 text', () => {
  it.each([
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00010000000000000000000000000000', '1::'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['00010000000200000003000000040000', '1:0:2:0:3:0:4:0'],
    ['fc000001000200030004000500060007', 'fc00:1:2:3:4:5:6:7'],
    ['00000000000000000000ffff01020304', '::ffff:102:304'],
  ])('%s → %s (RFC 5952)', (bytes, text) => {
    expect(formatIPv6(hex(bytes))).toBe(text);
    expect(whatwg(text)).toBe(text);
    expect(parseIPv6(text)?.toString('hex')).toBe(bytes);
  });

  it('property: formatIPv6 is what the WHATWG serializer and an independent RFC 5952 formatter write', () => {
    fc.assert(
      fc.property(arbIPv6Bytes, (bytes) => {
        const text = formatIPv6(bytes);
        expect(text).toBe(rfc5952(bytes));
        expect(whatwg(text)).toBe(text);
        expect(parseIPv6(text)?.equals(bytes)).toBe(true);
      }),
      { numRuns: 1000, seed: 5952 },
    );
  });

  it('parses the non-canonical spellings too (upper case, leading zeros, dotted tail)', () => {
    expect(parseIPv6('2001:0DB8:0000:0000:0000:0000:0000:0001')?.toString('hex')).toBe(
      '20010db8000000000000000000000001',
    );
    expect(parseIPv6('::ffff:1.2.3.4')?.toString('hex')).toBe('00000000000000000000ffff01020304');
    expect(parseIPv6('1:2:3:4:5:6:7::')?.toString('hex')).toBe('00010002000300040005000600070000');
  });

  it.each(['', ':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7:8::', '::1.2.3'])(
    'rejects %j',
    (text) => {
      expect(parseIPv6(text)).toBeNull();
    },
  );
});

describe('16-byte fields in version and addr', () => {
  it('IPv4-mapped addresses read as dotted quads and back', () => {
    expect(format16(hex('00000000000000000000ffff7f000001'))).toBe('127.0.0.1');
    expect(parse16('127.0.0.1').toString('hex')).toBe('00000000000000000000ffff7f000001');
    expect(parse16('[::1]').toString('hex')).toBe('00000000000000000000000000000001');
  });

  it('property: format16 / parse16 are inverse on all 16-byte values', () => {
    fc.assert(
      fc.property(fc.oneof(arbIPv6Bytes, fc.uint8Array({ minLength: 4, maxLength: 4 })), (raw) => {
        const bytes =
          raw.length === 4
            ? Buffer.concat([hex('00000000000000000000ffff'), Buffer.from(raw)])
            : Buffer.from(raw);
        expect(parse16(format16(bytes)).equals(bytes)).toBe(true);
      }),
      { numRuns: 1000, seed: 16 },
    );
  });

  it.each(['256.0.0.1', '1.2.3', '01.2.3.4', 'localhost', '1.2.3.4.5', ''])(
    'parse16(%j) is unencodable',
    (host) => {
      expectProtocolError(() => parse16(host), 'unencodable');
    },
  );

  it('parseIPv4 accepts only canonical dotted quads', () => {
    expect(parseIPv4('0.0.0.0')?.toString('hex')).toBe('00000000');
    expect(parseIPv4('255.255.255.255')?.toString('hex')).toBe('ffffffff');
    expect(parseIPv4('1.2.3.04')).toBeNull();
    expect(parseIPv4(' 1.2.3.4')).toBeNull();
  });
});

describe('base32 (RFC 4648, lower case, unpadded)', () => {
  it('RFC 4648 test vectors, lower-cased and without padding', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded)?.toString()).toBe(plain);
    }
  });

  it('property: encode agrees with an independent encoder and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = base32Encode(bytes);
        expect(text).toBe(base32(bytes));
        expect(base32Decode(text)?.equals(Buffer.from(bytes))).toBe(true);
        expect(base32Decode(text.toUpperCase())?.equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 500, seed: 32 },
    );
  });

  it('rejects characters outside the alphabet and non-zero padding bits', () => {
    expect(base32Decode('mzxw6yq1')).toBeNull();
    expect(base32Decode('mzxw6yq=')).toBeNull();
    expect(base32Decode('mz')).toBeNull(); // 'z' leaves non-zero bits after the one byte
  });
});
