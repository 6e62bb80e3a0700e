// Which Host headers each bind accepts: its own address and names, the loopback names for a
// loopback bind however it is spelled, and for a wildcard bind the machine's own addresses too.
// Everything else (a rebound DNS name, another port, user info, junk) is refused.
import { networkInterfaces } from 'node:os';
import { describe, expect, it } from 'vitest';
import { canonicalHost, hostCheck, isLoopbackHost, isWildcardHost } from '../../src/inspector/host-check.js';

const PORT = 4848;
const allows = (bind: string, header: string | undefined): boolean => hostCheck(bind, () => PORT).allows(header);

/** The first non-internal IPv4 address of this machine, if it has one. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

describe('canonical hosts', () => {
  it('writes hosts as a browser sends them', () => {
    expect(canonicalHost('LOCALHOST')).toBe('localhost');
    expect(canonicalHost('::ffff:127.0.0.1')).toBe('[::ffff:7f00:1]');
    expect(canonicalHost('[0:0:0:0:0:0:0:1]')).toBe('[::1]');
    expect(canonicalHost('0x7f.1')).toBe('127.0.0.1');
    expect(canonicalHost('a b')).toBeNull();
  });

  it('knows loopback and wildcard binds however they are spelled', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', 'localhost']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '::ffff:10.0.0.1']) expect(isLoopbackHost(host), host).toBe(false);
    for (const host of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0']) expect(isWildcardHost(host), host).toBe(true);
  });
});

describe('the Host check', () => {
  it.each(['127.0.0.1', '::ffff:127.0.0.1', '::1', 'localhost'])('a loopback bind (%s) answers the loopback names on its port', (bind) => {
    for (const header of [`127.0.0.1:${PORT}`, `localhost:${PORT}`, `LocalHost:${PORT}`, `[::1]:${PORT}`]) expect(allows(bind, header), header).toBe(true);
    for (const header of [`evil.example:${PORT}`, `127.0.0.1:${PORT + 1}`, '127.0.0.1', `127.0.0.1:${PORT}@evil`, `user@127.0.0.1:${PORT}`, '', undefined, `127.0.0.1:${PORT} x`])
      expect(allows(bind, header), String(header)).toBe(false);
  });

  it('a bind spelled as IPv4-mapped loopback also answers that spelling, as a browser writes it', () => {
    expect(allows('::ffff:127.0.0.1', `[::ffff:7f00:1]:${PORT}`)).toBe(true);
    expect(allows('::ffff:127.0.0.1', `[::ffff:127.0.0.1]:${PORT}`)).toBe(true);
  });

  it('a bind on one address answers that address only, not the loopback names', () => {
    expect(allows('192.0.2.7', `192.0.2.7:${PORT}`)).toBe(true);
    expect(allows('192.0.2.7', `localhost:${PORT}`)).toBe(false);
    expect(allows('2001:db8::7', `[2001:db8::7]:${PORT}`)).toBe(true);
    expect(allows('2001:db8::7', `[2001:db8:0:0:0:0:0:7]:${PORT}`)).toBe(true);
    expect(allows('2001:db8::7', `evil.example:${PORT}`)).toBe(false);
  });

  it.each(['0.0.0.0', '::'])('a wildcard bind (%s) answers the loopback names and the machine’s own addresses, nothing else', (bind) => {
    expect(allows(bind, `localhost:${PORT}`)).toBe(true);
    expect(allows(bind, `127.0.0.1:${PORT}`)).toBe(true);
    if (lanAddress) expect(allows(bind, `${lanAddress}:${PORT}`)).toBe(true);
    expect(allows(bind, `203.0.113.99:${PORT}`)).toBe(false);
    expect(allows(bind, `evil.example:${PORT}`)).toBe(false);
  });

  it('without a port in the Host, only a server on port 80 is meant', () => {
    expect(hostCheck('127.0.0.1', () => 80).allows('localhost')).toBe(true);
    expect(hostCheck('127.0.0.1', () => 80).allows('localhost:80')).toBe(true);
    expect(allows('127.0.0.1', 'localhost')).toBe(false);
  });
});
