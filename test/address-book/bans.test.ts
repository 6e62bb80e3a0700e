// Bans: by address or subnet (every port), with expiry, only ever extended, bounded in number,
// persisted in their own file (atomic, versioned; corrupt → warning and no bans).
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BanList, BanTargetError, DEFAULT_BAN_MS, formatSubnet, parseSubnet } from '../../src/addrman/bans.js';
import { loadBanList, saveBanList, serializeBanList } from '../../src/ban-list-file.js';
import { formatAddress } from '../../src/protocol/messages/addrv2.js';
import { addr, manualClock, T0s } from './support.js';

describe('subnets', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4/32'],
    ['1.2.3.77/24', '1.2.3.0/24'],
    ['::ffff:1.2.3.4/120', '1.2.3.0/24'],
    ['2001:db8:1::5/32', '2001:db8::/32'],
    ['[2001:db9::1]', '2001:db9::1/128'],
    ['fe80::1%eth0', 'fe80::1/128'],
    ['10.0.0.0/0', '0.0.0.0/0'],
  ])('%s reads as %s', (text, canonical) => {
    expect(formatSubnet(parseSubnet(text)!)).toBe(canonical);
  });

  it.each(['', '1.2.3', '1.2.3.4/33', '1.2.3.4/-1', '1.2.3.4/x', 'seed.example', `${formatAddress('torv3', Buffer.alloc(32, 1))}/8`])(
    'refuses %j',
    (text) => expect(parseSubnet(text)).toBeNull(),
  );
});

describe('BanList', () => {
  it('bans an address on every port, and a subnet for all its addresses', () => {
    const clock = manualClock();
    const bans = new BanList({ now: clock.now });
    bans.ban('1.2.3.4');
    bans.ban('10.9.0.0/16');
    bans.ban('2001:db9::/32');
    const onion = formatAddress('torv3', Buffer.alloc(32, 4));
    bans.ban(onion);
    for (const host of ['1.2.3.4', '::ffff:1.2.3.4', '10.9.200.1', '2001:db9:ffff::1', onion, addr('10.9.0.1')]) expect(bans.isBanned(host)).toBe(true);
    for (const host of ['1.2.3.5', '10.10.0.1', '2001:dba::1', 'not an address', '']) expect(bans.isBanned(host)).toBe(false);
    expect(bans.size).toBe(4);
  });

  it('ends a ban at its expiry (24 h by default), and only ever extends a running ban', () => {
    const clock = manualClock();
    const bans = new BanList({ now: clock.now });
    expect(bans.ban('1.2.3.4')).toEqual({ subnet: '1.2.3.4/32', created: T0s, until: T0s + DEFAULT_BAN_MS / 1000 });
    bans.ban('1.2.3.4', 60_000); // shorter: ignored
    expect(bans.list()[0]!.until).toBe(T0s + DEFAULT_BAN_MS / 1000);
    clock.advance(DEFAULT_BAN_MS - 1000);
    expect(bans.isBanned('1.2.3.4')).toBe(true);
    clock.advance(1000);
    expect(bans.isBanned('1.2.3.4')).toBe(false);
    expect(bans.size).toBe(0);
  });

  it('lifts a ban by the same address or subnet', () => {
    const bans = new BanList();
    bans.ban('1.2.3.0/24');
    expect(bans.unban('1.2.3.4')).toBe(false);
    expect(bans.unban('1.2.3.9/24')).toBe(true);
    expect(bans.isBanned('1.2.3.4')).toBe(false);
  });

  it('throws a typed error for a target that is no address or subnet', () => {
    expect(() => new BanList().ban('1.2.3.4:8333')).toThrow(BanTargetError);
    expect(() => new BanList().ban('seed.example')).toThrow(/not an address or a subnet/);
  });

  it('holds at most maxEntries bans, dropping the one that ends soonest', () => {
    const clock = manualClock();
    const bans = new BanList({ now: clock.now, maxEntries: 3 });
    bans.ban('1.1.1.1', 3_600_000);
    bans.ban('1.1.1.2', 60_000);
    bans.ban('1.1.1.3', 7_200_000);
    bans.ban('1.1.1.4', 3_600_000);
    expect(bans.list().map((b) => b.subnet).sort()).toEqual(['1.1.1.1/32', '1.1.1.3/32', '1.1.1.4/32']);
  });
});

describe('the ban list file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ban-list-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips running bans, drops expired ones on load, and writes a versioned file', async () => {
    const clock = manualClock();
    const bans = new BanList({ now: clock.now });
    bans.ban('1.2.3.4');
    bans.ban('2001:db9::/48', 3_600_000);
    const file = join(dir, 'banlist.json');
    await saveBanList(bans, file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1, bans: [{ subnet: '1.2.3.4/32' }, { subnet: '2001:db9::/48' }] });
    const loaded = await loadBanList(file, { now: clock.now });
    expect(loaded.warning).toBeNull();
    expect(loaded.bans.list()).toEqual(bans.list());
    expect(serializeBanList(loaded.bans)).toBe(await readFile(file, 'utf8'));
    clock.advance(2 * 3_600_000);
    expect((await loadBanList(file, { now: clock.now })).bans.list().map((b) => b.subnet)).toEqual(['1.2.3.4/32']);
  });

  it('gives no bans and no warning for a missing file', async () => {
    expect(await loadBanList(join(dir, 'none.json'))).toMatchObject({ warning: null, bans: { size: 0 } });
  });

  it.each([
    ['garbage', '\u0000\u00ff', /not valid JSON/],
    ['wrong version', '{"version":9,"bans":[]}', /unsupported version 9/],
    ['bad subnet', '{"version":1,"bans":[{"subnet":"1.2.3.4:5","created":1,"until":2}]}', /ban 0: "subnet"/],
    ['bad time', '{"version":1,"bans":[{"subnet":"1.2.3.4","created":1,"until":"later"}]}', /"until" must be/],
    ['not an object', '[]', /expected an object/],
  ])('gives no bans and a one-line warning for a %s file', async (name, text, message) => {
    const file = join(dir, `${name.replace(/ /g, '-')}.json`);
    await writeFile(file, text);
    const { bans, warning } = await loadBanList(file);
    expect(bans.size).toBe(0);
    expect(warning).toMatch(message);
    expect(warning).toContain(file);
    expect(warning).toMatch(/starting with no bans$/);
    expect(warning).not.toMatch(/\n/);
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('warns about a file it cannot read', async () => {
    const file = join(dir, 'unreadable.json');
    await writeFile(file, '{"version":1,"bans":[]}');
    await chmod(file, 0o000);
    expect((await loadBanList(file)).warning).toMatch(/cannot be read \(EACCES/);
  });
});
