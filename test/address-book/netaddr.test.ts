// Addresses as bytes (Core's CNetAddr): parsing, text, Core's classification and network groups
// (checked against Core's own netbase test vectors), and the crawl's text-level classification.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatNetAddr,
  formatService,
  hasLinkedIPv4,
  internalAddr,
  isLocal,
  isRoutable,
  isValid,
  linkedIPv4,
  NET,
  netAddrFrom,
  parseNetAddr,
  parseService,
  serviceKeyBytes,
} from '../../src/addrman/netaddr.js';
import { formatGroup, netGroup } from '../../src/addrman/netgroup.js';
import { addressKey, isLocal as isLocalText, isRoutable as isRoutableText } from '../../src/net-address.js';
import type { AddrNetwork } from '../../src/protocol/messages/addrv2.js';
import { formatAddress } from '../../src/protocol/messages/addrv2.js';
import { addr } from './support.js';

const vectors = JSON.parse(readFileSync(new URL('../vectors/addrman/core-addrman.json', import.meta.url), 'utf8')) as {
  groups: { address?: string; internal?: string; group: number[] }[];
  unroutableGroupInCore: { address: string; group: number[] }[];
};

const onion = (first: number): string => formatAddress('torv3', Buffer.alloc(32, first));
const i2p = (first: number): string => formatAddress('i2p', Buffer.alloc(32, first));

describe('parsing and text', () => {
  it.each([
    ['ipv4', '1.2.3.4', NET.ipv4, '1.2.3.4'],
    ['ipv6', '::ffff:1.2.3.4', NET.ipv4, '1.2.3.4'],
    ['ipv6', '[2001:DB8:0:0::1]', NET.ipv6, '2001:db8::1'],
    ['ipv4', '2001:db8::1', NET.ipv6, '2001:db8::1'],
    ['cjdns', 'FC00::1', NET.cjdns, 'fc00::1'],
    ['torv3', onion(7).toUpperCase(), NET.onion, onion(7)],
    ['i2p', i2p(3), NET.i2p, i2p(3)],
  ] as [AddrNetwork, string, number, string][])('%s %s → network %d, %s', (network, host, net, text) => {
    const a = netAddrFrom(network, host)!;
    expect(a.net).toBe(net);
    expect(formatNetAddr(a)).toBe(text);
  });

  it.each([
    ['unknown', 'deadbeef'],
    ['torv2', 'aaaaaaaaaaaaaaaa.onion'],
    ['ipv4', '1.2.3'],
    ['cjdns', 'fd00::1'],
    ['torv3', 'nope.onion'],
    ['ipv6', 'fd87:d87e:eb43::1'], // Tor v2 in IPv6 form: Core reads it as invalid
    ['ipv6', 'fd6b:88c0:8724::1'], // Core's internal prefix never comes from outside
  ] as [AddrNetwork, string][])('refuses %s %s', (network, host) => {
    expect(netAddrFrom(network, host)).toBeNull();
  });

  it('reads services from text and writes them as the address key does', () => {
    expect(parseService('[2001:db8::1]:8333')).toMatchObject({ net: NET.ipv6, port: 8333 });
    expect(parseService('1.2.3.4:18444')).toMatchObject({ net: NET.ipv4, port: 18444 });
    expect(parseService('1.2.3.4')).toMatchObject({ net: NET.ipv4, port: 0 });
    expect(parseService('2001:db8::1')).toMatchObject({ net: NET.ipv6, port: 0 });
    expect(parseService('peer-a:8333')).toBeNull();
    expect(parseService('1.2.3.4:99999')).toBeNull();
    for (const text of ['1.2.3.4:8333', '[2001:db8::1]:8333', `${onion(1)}:9050`]) {
      const s = parseService(text)!;
      expect(formatService(s)).toBe(text);
      expect(addressKey(formatNetAddr(s), s.port)).toBe(text);
    }
  });

  it("builds Core's service key: legacy 16 bytes for IPv4 and IPv6, raw bytes otherwise, then the port", () => {
    expect(serviceKeyBytes({ ...addr('1.2.3.4'), port: 8333 }).toString('hex')).toBe('00000000000000000000ffff01020304208d');
    expect(serviceKeyBytes({ ...addr('2001:db8::1'), port: 1 }).toString('hex')).toBe('20010db80000000000000000000000010001');
    expect(serviceKeyBytes({ ...addr(onion(2)), port: 0 }).length).toBe(34);
  });

  it('writes internal addresses as Core does', () => {
    expect(formatNetAddr(internalAddr('decker.dummy'))).toBe('db2rhvukenyp2ss5.internal');
  });
});

describe("Core's classification", () => {
  type Row = [host: string, valid: boolean, routable: boolean, local: boolean];
  const rows: Row[] = [
    ['8.8.8.8', true, true, false],
    ['127.0.0.1', true, false, true],
    ['0.1.2.3', true, false, true], // 0/8 is local to Core
    ['0.0.0.0', false, false, true],
    ['255.255.255.255', false, false, false],
    ['10.0.0.1', true, false, false],
    ['172.31.255.254', true, false, false],
    ['172.32.0.1', true, true, false],
    ['192.168.1.1', true, false, false],
    ['100.64.0.1', true, false, false],
    ['100.128.0.1', true, true, false],
    ['169.254.10.10', true, false, false],
    ['198.18.0.1', true, false, false],
    ['198.51.100.7', true, false, false],
    ['224.0.0.1', true, true, false], // Core does not single out multicast
    ['250.1.1.1', true, true, false], // nor 240/4, which its own tests use as routable space
    ['::1', true, false, true],
    ['::', false, false, false],
    ['fe80::1', true, false, false],
    ['fc00::1', true, false, false], // unique local when it is IPv6
    ['2001:db8::1', false, false, false],
    ['3fff::1', false, false, false], // RFC 9637 documentation space
    ['2001:10::1', true, false, false],
    ['2001:20::1', true, false, false],
    ['2a01:4f8::1', true, true, false],
    [onion(1), true, true, false],
    [i2p(1), true, true, false],
  ];
  it.each(rows)('%s: valid %s, routable %s, local %s', (host, valid, routable, local) => {
    const a = addr(host);
    expect(isValid(a)).toBe(valid);
    expect(isRoutable(a)).toBe(routable);
    expect(isLocal(a)).toBe(local);
  });

  it('CJDNS addresses are routable on CJDNS', () => {
    expect(isRoutable(netAddrFrom('cjdns', 'fc12::1')!)).toBe(true);
  });

  it('finds the IPv4 address behind linked IPv6 forms', () => {
    for (const host of ['1.2.3.4', '::FFFF:0:102:304', '64:FF9B::102:304', '2002:102:304:9999:9999:9999:9999:9999', '2001:0:9999:9999:9999:9999:FEFD:FCFB']) {
      const a = addr(host);
      expect(hasLinkedIPv4(a)).toBe(true);
      expect(linkedIPv4(a).toString('hex')).toBe('01020304');
    }
    for (const host of ['127.0.0.1', '10.0.0.1', '169.254.1.1']) expect(hasLinkedIPv4(addr(host))).toBe(false);
  });
});

describe('network groups', () => {
  it.each(vectors.groups)("match Core's netbase vectors: %j", (v) => {
    const a = v.internal ? internalAddr(v.internal) : addr(v.address!);
    expect([...netGroup(a)]).toEqual(v.group);
  });

  it("keep Core's unroutable class, but give each unroutable address its own group", () => {
    for (const v of vectors.unroutableGroupInCore) expect(netGroup(addr(v.address))[0]).toBe(v.group[0]);
    expect(netGroup(addr('127.0.0.1')).equals(netGroup(addr('127.0.0.2')))).toBe(false);
    expect(netGroup(addr('127.0.0.1')).equals(netGroup(addr('127.0.0.1')))).toBe(true);
    expect(formatGroup(netGroup(addr('127.0.0.1')))).toBe('unroutable:127.0.0.1');
  });

  it('group Tor and I2P by their first 4 bits, CJDNS by the 4 bits after fc', () => {
    expect([...netGroup(addr(onion(0xa7)))]).toEqual([NET.onion, 0xaf]);
    expect([...netGroup(addr(i2p(0x3c)))]).toEqual([NET.i2p, 0x3f]);
    expect([...netGroup(netAddrFrom('cjdns', 'fc12:3456::1')!)]).toEqual([NET.cjdns, 0xfc, 0x1f]);
  });

  it.each([
    ['1.2.3.4', 'ipv4:1.2'],
    ['2002:0102:0304::1', 'ipv4:1.2'],
    ['2001:db9::1', 'ipv6:20010db9'],
    ['2001:470:abcd::1', 'ipv6:20010470af'],
  ])('%s reads as %s', (host, text) => {
    expect(formatGroup(netGroup(addr(host)))).toBe(text);
  });
});

describe("the crawl's text classification (public unicast, local)", () => {
  type Row = [network: AddrNetwork, host: string, routable: boolean, local: boolean];
  const rows: Row[] = [
    ['ipv4', '8.8.8.8', true, false],
    ['ipv4', '127.0.0.1', false, true],
    ['ipv4', '10.0.0.1', false, true],
    ['ipv4', '100.64.0.1', false, true],
    ['ipv4', '0.1.2.3', false, false],
    ['ipv4', '224.0.0.1', false, false],
    ['ipv4', '255.255.255.255', false, false],
    ['ipv4', '203.0.113.200', false, false],
    ['ipv6', '::ffff:127.0.0.1', false, true],
    ['ipv6', '2a01:4f8::1', true, false],
    ['ipv6', 'fe80::1', false, true],
    ['ipv6', 'ff02::1', false, false],
    ['cjdns', 'fc00::1', true, false],
    ['torv3', onion(1), true, false],
    ['unknown', 'deadbeef', false, false],
  ];
  it.each(rows)('%s %s: routable %s, local %s', (network, host, routable, local) => {
    expect(isRoutableText({ network, host })).toBe(routable);
    expect(isLocalText({ network, host })).toBe(local);
  });

  it.each([
    ['::ffff:1.2.3.4', 8333, '1.2.3.4:8333'],
    ['2001:DB8:0:0:0:0:0:1', 18444, '[2001:db8::1]:18444'],
    [onion(7).toUpperCase(), 9050, `${onion(7)}:9050`],
    ['seed.example', 8333, 'seed.example:8333'],
  ])('addressKey(%s, %d) = %s', (host, port, key) => {
    expect(addressKey(host, port)).toBe(key);
  });

  it('parses bare text by its suffix', () => {
    expect(parseNetAddr(onion(3))?.net).toBe(NET.onion);
    expect(parseNetAddr('seed.example')).toBeNull();
  });
});
