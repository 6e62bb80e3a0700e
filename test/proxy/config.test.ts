// The pure parts of proxying: routes by destination, `socks5://` addresses, and the reading of a
// proxy's replies (src/proxy/).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DISCONNECT_REASONS, isMisbehaviour, isTransient } from '../../machines/peer/disconnect.js';
import { PROXY_CONNECT_TIMEOUT_MS, resolvePeerOptions } from '../../machines/peer/options.js';
import { formatAddress as formatAddrV2 } from '../../src/protocol/messages/addrv2.js';
import { parseProxyUrl, ProxyConfigError, reachableNetworks, routeFor } from '../../src/proxy/config.js';
import { readSocksReplies, SOCKS5_REPLIES } from '../../src/proxy/socks-reply.js';

const ONION = formatAddrV2('torv3', Buffer.alloc(32, 1));
const TOR = { host: '127.0.0.1', port: 9050 };
const OTHER = { host: '127.0.0.1', port: 9150 };

describe('routes', () => {
  it('follow Core: -proxy for everything, -onion for .onion only, nothing for I2P', () => {
    expect(routeFor('203.0.113.5', {})).toEqual({ via: 'direct' });
    expect(routeFor('node.example', { proxy: TOR })).toEqual({ via: 'proxy', proxy: TOR });
    expect(routeFor('2001:db8::1', { onionProxy: TOR })).toEqual({ via: 'direct' });
    expect(routeFor(ONION, {})).toEqual({ via: 'none', network: 'torv3' });
    expect(routeFor(ONION, { proxy: TOR })).toEqual({ via: 'proxy', proxy: TOR });
    expect(routeFor(ONION.toUpperCase(), { proxy: TOR, onionProxy: OTHER })).toEqual({ via: 'proxy', proxy: OTHER });
    expect(routeFor(`${'a'.repeat(52)}.b32.i2p`, { proxy: TOR })).toEqual({ via: 'none', network: 'i2p' });
    expect([...reachableNetworks({})]).toEqual(['ipv4', 'ipv6']);
    expect([...reachableNetworks({ onionProxy: TOR })]).toEqual(['ipv4', 'ipv6', 'torv3']);
  });

  it('give connections through a proxy a longer connect timeout unless one is set', () => {
    expect(resolvePeerOptions({ host: 'node.example' }).connectTimeoutMs).toBe(5000);
    expect(resolvePeerOptions({ host: 'node.example', proxy: TOR }).connectTimeoutMs).toBe(PROXY_CONNECT_TIMEOUT_MS);
    expect(resolvePeerOptions({ host: '192.0.2.1', onionProxy: TOR }).connectTimeoutMs).toBe(5000);
    expect(resolvePeerOptions({ host: ONION, onionProxy: TOR, connectTimeoutMs: 700 }).connectTimeoutMs).toBe(700);
    expect(() => resolvePeerOptions({ host: 'x', proxy: { host: '', port: 9050 } })).toThrow(RangeError);
    expect(() => resolvePeerOptions({ host: 'x', onionProxy: { host: 'h', port: 0 } })).toThrow(/onionProxy/);
  });
});

describe('proxy addresses', () => {
  it('take socks5://, socks5h:// and host:port; the port defaults to 9050', () => {
    expect(parseProxyUrl('socks5://127.0.0.1:9150')).toEqual({ host: '127.0.0.1', port: 9150 });
    expect(parseProxyUrl('socks5h://tor.lan:9050/')).toEqual({ host: 'tor.lan', port: 9050 });
    expect(parseProxyUrl('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 9050 });
    expect(parseProxyUrl('[::1]:9050')).toEqual({ host: '::1', port: 9050 });
  });

  it('refuse anything else with a ProxyConfigError saying what is wrong', () => {
    for (const bad of ['http://127.0.0.1:3128', 'socks4://127.0.0.1:1080', 'socks5://u:p@127.0.0.1', 'socks5://', '127.0.0.1:0', '[nothost]:1', 'a:b:c']) {
      expect(() => parseProxyUrl(bad), bad).toThrow(ProxyConfigError);
    }
  });
});

describe('reading a proxy’s replies', () => {
  const granted = Buffer.from([5, 0, 5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90]);
  const grantedUserPass = Buffer.from([5, 2, 1, 0, 5, 0, 0, 3, 4, 0x61, 0x62, 0x63, 0x64, 0, 80]);

  it('a granted connection tells where the peer’s bytes begin', () => {
    expect(readSocksReplies(Buffer.concat([granted, Buffer.from('peer')]), false)).toEqual({ state: 'granted', length: granted.length });
    expect(readSocksReplies(grantedUserPass, true)).toEqual({ state: 'granted', length: grantedUserPass.length });
    const ipv6 = Buffer.concat([Buffer.from([5, 0, 5, 0, 0, 4]), Buffer.alloc(16), Buffer.from([0, 1])]);
    expect(readSocksReplies(ipv6, false)).toEqual({ state: 'granted', length: ipv6.length });
  });

  it('every prefix of a granted reply is incomplete, whatever the chunking', () => {
    for (const [reply, userPass] of [[granted, false], [grantedUserPass, true]] as const) {
      for (let n = 0; n < reply.length; n++) expect(readSocksReplies(reply.subarray(0, n), userPass)).toEqual({ state: 'incomplete' });
    }
  });

  it('every reply code has a reason, the right one of each meaning, and none is misbehaviour', () => {
    for (const [code, { reason }] of Object.entries(SOCKS5_REPLIES)) {
      const reading = readSocksReplies(Buffer.from([5, 0, 5, Number(code)]), false);
      expect(reading).toMatchObject({ state: 'refused', reason });
      expect(DISCONNECT_REASONS[reason].origin).toBe('transport');
      expect(isMisbehaviour(reason)).toBe(false);
    }
    expect(SOCKS5_REPLIES[0x01]?.reason).toBe('proxy-general-failure');
    expect(SOCKS5_REPLIES[0x05]?.reason).toBe('proxy-connection-refused');
    expect(isTransient('proxy-host-unreachable')).toBe(true);
    expect(isTransient('proxy-not-allowed')).toBe(false);
    expect(isTransient('proxy-auth-rejected')).toBe(false);
    expect(isTransient('unsupported-network')).toBe(false);
  });

  it('refusals and garbage at each step', () => {
    expect(readSocksReplies(Buffer.from([5, 0xff]), true)).toMatchObject({ reason: 'proxy-auth-rejected' });
    expect(readSocksReplies(Buffer.from([5, 2, 1, 1]), true)).toMatchObject({ reason: 'proxy-auth-rejected' });
    expect(readSocksReplies(Buffer.from([5, 2]), false)).toMatchObject({ reason: 'proxy-bad-reply' });
    expect(readSocksReplies(Buffer.from([5, 1]), true)).toMatchObject({ reason: 'proxy-bad-reply' });
    expect(readSocksReplies(Buffer.from('HTTP/1.1 400'), true)).toMatchObject({ reason: 'proxy-bad-reply', message: expect.stringMatching(/0x48/) });
    expect(readSocksReplies(Buffer.from([5, 2, 5, 0]), true)).toMatchObject({ reason: 'proxy-bad-reply' });
    expect(readSocksReplies(Buffer.from([5, 0, 4, 0]), false)).toMatchObject({ reason: 'proxy-bad-reply' });
    expect(readSocksReplies(Buffer.from([5, 0, 5, 0, 1, 1, 0]), false)).toMatchObject({ reason: 'proxy-bad-reply' });
    expect(readSocksReplies(Buffer.from([5, 0, 5, 0, 0, 7, 0]), false)).toMatchObject({ reason: 'proxy-bad-reply' });
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, userPass) => {
        const reading = readSocksReplies(bytes, userPass);
        expect(['incomplete', 'granted', 'refused']).toContain(reading.state);
        if (reading.state === 'granted') expect(reading.length).toBeLessThanOrEqual(bytes.length);
      }),
    );
  });
});
