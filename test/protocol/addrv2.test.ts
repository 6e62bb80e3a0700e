/**
 * BIP155 addrv2. The address vectors are the ones in Bitcoin Core's src/test/net_tests.cpp
 * (cnetaddr_unserialize_v2), wrapped in a one-entry addrv2 payload; the Tor v3 and I2P names are
 * also derived by a second route (bcoin's binet/bs32 and bcrypto's SHA3) so neither side is
 * checked only against itself.
 */
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodePayload } from '../../src/protocol/codec.js';
import { MAX_ADDRV2_SIZE } from '../../src/protocol/limits.js';
import {
  type AddrV2Entry,
  AddrV2Network,
  type AddrV2Payload,
  formatAddress,
  parseAddress,
} from '../../src/protocol/messages/addrv2.js';
import { arbAddrV2, arbBytes, base32, torV3Name } from '../../testkit/arbitraries.js';
import { expectProtocolError, expectRoundTrip, hex } from './support.js';

process.env.NODE_BACKEND ??= 'js';
const requireFromHere = createRequire(import.meta.url);
const requireFromBcoin = createRequire(requireFromHere.resolve('bcoin'));
const onion = requireFromBcoin('binet/lib/onion.js') as {
  encodeNG(key: Buffer, sha3: (data: Buffer) => Buffer): string;
  decodeNG(name: string, sha3: (data: Buffer) => Buffer): Buffer;
};
const bs32 = createRequire(requireFromBcoin.resolve('binet'))('bs32') as { encode(data: Buffer): string };
const bcryptoSha3 = requireFromBcoin('bcrypto/lib/sha3-256.js') as { digest(data: Buffer): Buffer };
const binetOnion = (pubkey: Buffer): string =>
  onion.encodeNG(Buffer.concat([Buffer.from([3]), pubkey]), (d) => bcryptoSha3.digest(d));

const TIME = 'c3fe046b'; // 1795489475, little-endian, as in the Core capture
const SERVICES = '09';
const PORT = '208d'; // 8333, big-endian

/** A one-entry addrv2 payload around Core's "network id | length | address" fragment. */
const entry = (fragment: string, port = PORT): Buffer => hex(`01 ${TIME} ${SERVICES} ${fragment} ${port}`);

const decodeOne = (fragment: string): AddrV2Entry => {
  const m = decodePayload('addrv2', entry(fragment));
  if (m.command !== 'addrv2' || 'unknown' in m) throw new Error('not addrv2');
  expect(m.payload.addresses.length).toBe(1);
  return m.payload.addresses[0]!;
};

const base = { time: 1795489475, services: 9n, port: 8333 };

describe('BIP155 addresses from Core net_tests', () => {
  it('IPv4 1.2.3.4', () => {
    expect(decodeOne('01 04 01020304')).toEqual({ ...base, network: 'ipv4', networkId: 1, host: '1.2.3.4' });
  });

  it('IPv6 102:304:506:708:90a:b0c:d0e:f10', () => {
    expect(decodeOne('02 10 0102030405060708090a0b0c0d0e0f10')).toEqual({
      ...base,
      network: 'ipv6',
      networkId: 2,
      host: '102:304:506:708:90a:b0c:d0e:f10',
    });
  });

  it('IPv6 entries that disguise another network read as the unspecified address, as in Core', () => {
    // BIP155 gives IPv4 and Tor their own ids, so Core marks these invalid without failing the
    // message (CNetAddr::UnserializeV2Stream): IPv4-mapped, Tor v2's prefix, Core's internal prefix.
    expect(decodeOne('02 10 00000000000000000000ffff01020304').host).toBe('::');
    expect(decodeOne('02 10 fd87d87eeb430102030405060708090a').host).toBe('::');
    expect(decodeOne('02 10 fd6b88c087240102030405060708090a').host).toBe('::');
    // Everything else stays IPv6 text, routable or not: that is the address book's policy.
    expect(decodeOne('02 10 fd000000000000000000000000000001').host).toBe('fd00::1');
  });

  it('Tor v3: pg6mmjiy…cryd.onion', () => {
    const pubkey = '79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f';
    const name = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
    expect(decodeOne(`04 20 ${pubkey}`)).toEqual({ ...base, network: 'torv3', networkId: 4, host: name });
    // Second route: bcoin's binet with bcrypto's SHA3-256, and the independent helper.
    expect(binetOnion(hex(pubkey))).toBe(name);
    expect(torV3Name(hex(pubkey))).toBe(name);
    expect(parseAddress('torv3', name)?.toString('hex')).toBe(pubkey);
  });

  it('I2P: ukeu3k5o…nkdq.b32.i2p', () => {
    const key = 'a2894dabaec08c0051a481a6dac88b64f98232ae42d4b6fd2fa81952dfe36a87';
    const name = 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdq.b32.i2p';
    expect(decodeOne(`05 20 ${key}`)).toEqual({ ...base, network: 'i2p', networkId: 5, host: name });
    expect(`${bs32.encode(hex(key))}.b32.i2p`).toBe(name);
    expect(parseAddress('i2p', name)?.toString('hex')).toBe(key);
  });

  it('CJDNS fc00:1:2:3:4:5:6:7', () => {
    expect(decodeOne('06 10 fc000001000200030004000500060007')).toEqual({
      ...base,
      network: 'cjdns',
      networkId: 6,
      host: 'fc00:1:2:3:4:5:6:7',
    });
  });

  it('Tor v2 (retired in Core 22) reads as an unknown network, whatever its length, so it is skipped, not an error', () => {
    expect(decodeOne('03 0a f1f2f3f4f5f6f7f8f9fa')).toEqual({ ...base, network: 'unknown', networkId: 3, host: 'f1f2f3f4f5f6f7f8f9fa' });
    expect(decodeOne(`03 10 ${'00'.repeat(16)}`)).toMatchObject({ network: 'unknown', networkId: 3 });
  });

  it('unknown network ids are kept, with the address as hex (also when empty)', () => {
    expect(decodeOne('aa 04 01020304')).toEqual({
      ...base,
      network: 'unknown',
      networkId: 0xaa,
      host: '01020304',
    });
    expect(decodeOne('aa 00')).toEqual({ ...base, network: 'unknown', networkId: 0xaa, host: '' });
    expect(decodeOne('00 02 abcd')).toEqual({ ...base, network: 'unknown', networkId: 0, host: 'abcd' });
  });

  it.each([
    ['IPv4 of 5 bytes', '01 05 0102030405'],
    ['IPv4 of 3 bytes', '01 03 010203'],
    ['IPv6 of 4 bytes', '02 04 00000000'],
    ['Tor v3 of 0 bytes', '04 00'],
    ['I2P of 3 bytes', '05 03 000000'],
    ['CJDNS of 1 byte', '06 01 00'],
    ['Tor v3 of 33 bytes', `04 21 ${'00'.repeat(33)}`],
  ])('wrong length for a known network: %s → invalid-field', (_what, fragment) => {
    const error = expectProtocolError(() => decodePayload('addrv2', entry(fragment)), 'invalid-field');
    expect(error.command).toBe('addrv2');
  });

  it('address declared longer than 512 bytes → string-too-long (before reading it)', () => {
    // Core: "Address too long: 513 > 512" and "33554432 > 512", for known and unknown ids alike.
    expectProtocolError(
      () => decodePayload('addrv2', entry(`01 fd0102 ${'00'.repeat(513)}`)),
      'string-too-long',
    );
    expectProtocolError(
      () => decodePayload('addrv2', entry('aa fe00000002 01020304050607')),
      'string-too-long',
    );
    // Past Core's MAX_SIZE it is still a string that is too long, not a count.
    expectProtocolError(() => decodePayload('addrv2', entry('aa fe01000002 01')), 'string-too-long');
    expectProtocolError(() => decodePayload('addrv2', entry('aa ffffffffffffffffff')), 'string-too-long');
  });

  it('exactly 512 bytes for an unknown network is accepted', () => {
    const bytes = Buffer.alloc(MAX_ADDRV2_SIZE, 0x5a);
    const e = decodeOne(`fe fd0002 ${bytes.toString('hex')}`);
    expect(e.network).toBe('unknown');
    expect(e.host).toBe(bytes.toString('hex'));
    expectRoundTrip({ command: 'addrv2', payload: { addresses: [e] } });
  });

  it('an address shorter than its declared length is truncated', () => {
    expectProtocolError(() => decodePayload('addrv2', hex(`01 ${TIME} 09 01 04 0102`)), 'truncated');
  });

  it('services is a CompactSize up to 2^64-1, non-canonical forms rejected', () => {
    const big = decodePayload('addrv2', hex(`01 ${TIME} ff ffffffffffffffff 01 04 01020304 ${PORT}`));
    expect(big).toMatchObject({ payload: { addresses: [{ services: (1n << 64n) - 1n }] } });
    expectProtocolError(
      () => decodePayload('addrv2', hex(`01 ${TIME} fd0900 01 04 01020304 ${PORT}`)),
      'non-canonical-compact-size',
    );
  });

  it('bytes after the last entry are tolerated', () => {
    const payload = Buffer.concat([entry('01 04 01020304'), hex('deadbeef')]);
    expect(decodePayload('addrv2', payload)).toMatchObject({ payload: { addresses: [{ host: '1.2.3.4' }] } });
  });
});

describe('addrv2 encoding', () => {
  it('encodes the Core capture entry shape exactly', () => {
    const payload: AddrV2Payload = {
      addresses: [{ ...base, network: 'ipv4', networkId: AddrV2Network.ipv4, host: '93.184.11.1' }],
    };
    expect(encodePayload({ command: 'addrv2', payload }).toString('hex')).toBe(
      `01${TIME}0901045db80b01${PORT}`,
    );
  });

  it.each([
    ['ipv4', '1.2.3'],
    ['ipv4', '1.2.3.256'],
    ['ipv4', '01.2.3.4'],
    ['ipv6', '1:2:3'],
    ['ipv6', '1::2::3'],
    ['cjdns', 'not an address'],
    ['torv3', 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrya.onion'], // bad checksum
    ['torv3', 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.b32.i2p'],
    ['i2p', 'ukeu3k5oycgaauneqgtnvselmt4yemvoilkln7jpvamvfx7dnkdr.b32.i2p'], // non-zero padding bits
    ['i2p', 'ukeu3k5o.b32.i2p'],
    ['torv2', 'f1f2'],
    ['unknown', 'xyz'],
    ['unknown', 'abc'],
  ] as const)('%s host %j is unencodable', (network, host) => {
    const e: AddrV2Entry = {
      ...base,
      network,
      networkId: network === 'unknown' ? 200 : AddrV2Network[network],
      host,
    };
    expectProtocolError(
      () => encodePayload({ command: 'addrv2', payload: { addresses: [e] } }),
      'unencodable',
    );
  });

  it('an unknown network must not claim a BIP155 id or one outside a byte', () => {
    for (const networkId of [1, 4, 6, 256, -1, 1.5]) {
      const e: AddrV2Entry = { ...base, network: 'unknown', networkId, host: '01020304' };
      expectProtocolError(
        () => encodePayload({ command: 'addrv2', payload: { addresses: [e] } }),
        'unencodable',
      );
    }
  });

  it('Tor v3 names agree with bcoin’s binet (bcrypto SHA3) for random keys, and parse back', () => {
    fc.assert(
      fc.property(arbBytes(32), (key) => {
        const name = formatAddress('torv3', key);
        expect(name).toBe(binetOnion(key));
        expect(name).toMatch(/^[a-z2-7]{56}\.onion$/);
        expect(parseAddress('torv3', name)?.equals(key)).toBe(true);
        // Any single changed character breaks the checksum or the version byte.
        const broken = `${name[0] === 'a' ? 'b' : 'a'}${name.slice(1)}`;
        expect(parseAddress('torv3', broken)).toBeNull();
      }),
      { numRuns: 200, seed: 155 },
    );
  });

  it('I2P names agree with bs32 for random keys, and parse back', () => {
    fc.assert(
      fc.property(arbBytes(32), (key) => {
        const name = formatAddress('i2p', key);
        expect(name).toBe(`${bs32.encode(key)}.b32.i2p`);
        expect(name).toBe(`${base32(key)}.b32.i2p`);
        expect(parseAddress('i2p', name)?.equals(key)).toBe(true);
      }),
      { numRuns: 200, seed: 156 },
    );
  });

  it('every network round-trips', () => {
    for (const network of ['ipv4', 'ipv6', 'torv3', 'i2p', 'cjdns', 'unknown'] as const) {
      fc.assert(
        fc.property(arbAddrV2(6, network), (payload) => {
          expectRoundTrip({ command: 'addrv2', payload });
        }),
        { numRuns: 60, seed: 1550 },
      );
    }
  });
});
