// What kind of address is this: canonical keys, routability, locality and network groups.
import { describe, expect, it } from 'vitest';
import { addressKey, isLocal, isRoutable, networkGroup } from '../../src/address-book.js';
import type { AddrNetwork } from '../../src/protocol/messages/addrv2.js';
import { formatAddress } from '../../src/protocol/messages/addrv2.js';

const onion = (first: number): string => formatAddress('torv3', Buffer.alloc(32, first));
const i2p = (first: number): string => formatAddress('i2p', Buffer.alloc(32, first));

describe('addressKey', () => {
  it.each([
    ['1.2.3.4', 8333, '1.2.3.4:8333'],
    ['::ffff:1.2.3.4', 8333, '1.2.3.4:8333'],
    ['[::ffff:1.2.3.4]', 8333, '1.2.3.4:8333'],
    ['::FFFF:0102:0304', 8333, '1.2.3.4:8333'],
    ['2001:DB8:0:0:0:0:0:1', 18444, '[2001:db8::1]:18444'],
    ['2001:db8::0:1', 18444, '[2001:db8::1]:18444'],
    ['[2001:db8::1]', 18444, '[2001:db8::1]:18444'],
    ['::1', 1, '[::1]:1'],
    [onion(7).toUpperCase(), 9050, `${onion(7)}:9050`],
    [i2p(7), 0, `${i2p(7)}:0`],
    ['seed.example', 8333, 'seed.example:8333'],
  ])('%s port %d → %s', (host, port, key) => {
    expect(addressKey(host, port)).toBe(key);
  });
});

type Row = [network: AddrNetwork, host: string, routable: boolean, local: boolean];

describe('isRoutable and isLocal', () => {
  const rows: Row[] = [
    ['ipv4', '8.8.8.8', true, false],
    ['ipv4', '1.2.3.4', true, false],
    ['ipv4', '172.15.255.255', true, false],
    ['ipv4', '172.32.0.1', true, false],
    ['ipv4', '100.63.255.255', true, false],
    ['ipv4', '100.128.0.0', true, false],
    ['ipv4', '127.0.0.1', false, true],
    ['ipv4', '127.255.1.2', false, true],
    ['ipv4', '10.0.0.1', false, true],
    ['ipv4', '172.16.0.1', false, true],
    ['ipv4', '172.31.255.254', false, true],
    ['ipv4', '192.168.1.1', false, true],
    ['ipv4', '100.64.0.1', false, true],
    ['ipv4', '100.127.255.255', false, true],
    ['ipv4', '169.254.10.10', false, true],
    ['ipv4', '0.0.0.0', false, false],
    ['ipv4', '0.1.2.3', false, false],
    ['ipv4', '224.0.0.1', false, false],
    ['ipv4', '239.255.255.255', false, false],
    ['ipv4', '255.255.255.255', false, false],
    ['ipv4', '192.0.2.1', false, false],
    ['ipv4', '198.51.100.7', false, false],
    ['ipv4', '203.0.113.200', false, false],
    ['ipv4', '198.18.0.1', false, false],
    ['ipv4', 'not an address', false, false],
    ['ipv6', '::ffff:8.8.8.8', true, false],
    ['ipv6', '::ffff:127.0.0.1', false, true],
    ['ipv6', '2a01:4f8::1', true, false],
    ['ipv6', '2001:470::1', true, false],
    ['ipv6', '::1', false, true],
    ['ipv6', '::', false, false],
    ['ipv6', 'fe80::1', false, true],
    ['ipv6', 'febf::1', false, true],
    ['ipv6', 'fc00::1', false, true],
    ['ipv6', 'fd12:3456::1', false, true],
    ['ipv6', 'ff02::1', false, false],
    ['ipv6', '2001:db8::1', false, false],
    ['ipv6', '2001:db8:ffff::1', false, false],
    ['ipv6', '2001:10::1', false, false],
    ['ipv6', '2001:20::1', false, false],
    ['ipv6', '2001:db9::1', true, false],
    ['cjdns', 'fc00::1', true, false],
    ['cjdns', 'fc12:3456::1', true, false],
    ['cjdns', 'fd00::1', false, false],
    ['torv3', onion(1), true, false],
    ['torv3', 'abc.onion', false, false],
    ['i2p', i2p(1), true, false],
    ['torv2', 'aaaaaaaaaaaaaaaa.onion', false, false],
    ['unknown', 'deadbeef', false, false],
  ];
  it.each(rows)('%s %s: routable %s, local %s', (network, host, routable, local) => {
    expect(isRoutable({ network, host })).toBe(routable);
    expect(isLocal({ network, host })).toBe(local);
  });
});

describe('networkGroup', () => {
  it.each([
    ['ipv4', '1.2.3.4', 'ipv4:1.2'],
    ['ipv4', '1.2.200.1', 'ipv4:1.2'],
    ['ipv4', '1.3.3.4', 'ipv4:1.3'],
    ['ipv6', '::ffff:1.2.3.4', 'ipv4:1.2'],
    ['ipv6', '2001:db8::1', 'ipv6:2001:db8'],
    ['ipv6', '2001:DB8:1234::1', 'ipv6:2001:db8'],
    ['ipv6', '2a01:4f8:1::1', 'ipv6:2a01:4f8'],
    ['ipv6', '2002:0102:0304::1', 'ipv4:1.2'], // 6to4
    ['ipv6', '2001:0:4136:e378:8000:63bf:fefd:fcfb', 'ipv4:1.2'], // Teredo: the client's address, inverted
    ['ipv6', '64:ff9b::102:304', 'ipv4:1.2'], // NAT64
    ['cjdns', 'fc12:3456::1', 'cjdns:fc1'],
    ['torv3', onion(0xa7), 'torv3:a'],
    ['i2p', i2p(0x3c), 'i2p:3'],
  ] as [AddrNetwork, string, string][])('%s %s → %s', (network, host, group) => {
    expect(networkGroup({ network, host })).toBe(group);
  });
});
