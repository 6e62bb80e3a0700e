// The eclipse figure, shared by test/address-book/eclipse.test.ts and bench/addrman.ts: a book
// filled with 10,000 honest addresses heard from many sources in many groups, then attacker peers
// send ten `addr` messages of 1,000 addresses each, stamped 10 minutes ahead, through the whole
// intake path; the result is the attacker's share of the book and of 1,000 selections.
// Deterministic: one seed drives every address, the secret key and every random choice.
import type { HeardAddress } from '../../machines/peer/types.js';
import { AddressBook } from '../../src/address-book.js';
import { isRoutable, parseNetAddr } from '../../src/addrman/netaddr.js';
import { AddrTokenBucket } from '../../src/addrman/token-bucket.js';
import { addressKey } from '../../src/net-address.js';
import { LegacyAddressBook } from './legacy-address-book.js';
import { seededRandom } from '../random.js';

/** One way to attack: how many attacker peers, and how their addresses are spread. */
export interface EclipseAttack {
  name: string;
  /** Attacker peers, all in one /16 (66.66.0.0/16), each with its own token bucket. */
  sources: number;
  /** The attacker's addresses: all in one /16, or each in a random /16. */
  spread: 'one-group' | 'many-groups';
}

/** The three attacks the brief asks for. */
export const ECLIPSE_ATTACKS: readonly EclipseAttack[] = [
  { name: 'one source, addresses in one group', sources: 1, spread: 'one-group' },
  { name: 'one source, addresses in many groups', sources: 1, spread: 'many-groups' },
  { name: '8 sources in one group, addresses in many groups', sources: 8, spread: 'many-groups' },
];

/** The book holds this many honest addresses before the attack. */
export const HONEST_ADDRESSES = 10_000;
/** addr messages each attacker peer sends … */
export const MESSAGES_PER_SOURCE = 10;
/** … of this many addresses each. */
export const ADDRESSES_PER_MESSAGE = 1000;
/** Selections counted after the attack. */
export const SELECTIONS = 1000;
const HONEST_PER_SOURCE = 100;
const T0 = Date.UTC(2026, 0, 1);

/** What one attack achieved. */
export interface EclipseOutcome {
  design: 'addrman' | 'legacy';
  attack: string;
  /** Records in the book after the attack. */
  size: number;
  honest: number;
  attacker: number;
  /** Attacker addresses the token buckets dropped (0 in the old design, which had none). */
  rateLimited: number;
  selections: number;
  attackerSelections: number;
}

const byte = (random: () => number): number => Math.floor(random() * 256);

/** A routable IPv4 address in a random /16 (first octet 1–223, so no multicast or reserved space). */
function randomPublicIPv4(random: () => number): string {
  for (;;) {
    const host = `${1 + Math.floor(random() * 223)}.${byte(random)}.${byte(random)}.${1 + Math.floor(random() * 254)}`;
    if (isRoutable(parseNetAddr(host)!)) return host;
  }
}

const heard = (host: string, time: number): HeardAddress => ({ network: 'ipv4', host, port: 8333, services: 9n, time });

interface Book {
  add(batch: HeardAddress[], source: string, tokens: AddrTokenBucket | undefined): number;
  size: number;
  hosts(): string[];
  selectOne(): string | undefined;
}

function addrmanBook(random: () => number, clock: { now: number }): Book {
  const key = Buffer.from(Array.from({ length: 32 }, () => byte(random)));
  const book = new AddressBook({ now: () => clock.now, random, key });
  return {
    add: (batch, source, tokens) => book.add(batch, { origin: 'gossip', source, tokens }).rateLimited,
    get size() {
      return book.size;
    },
    hosts: () => book.all().map((r) => addressKey(r.host, r.port)),
    selectOne: () => {
      const r = book.selectRandom();
      return r ? addressKey(r.host, r.port) : undefined;
    },
  };
}

function legacyBook(random: () => number, clock: { now: number }): Book {
  const book = new LegacyAddressBook({ now: () => clock.now, random });
  return {
    add: (batch, source) => {
      book.add(batch, source);
      return 0;
    },
    get size() {
      return book.size;
    },
    hosts: () => book.all().map((r) => addressKey(r.host, r.port)),
    selectOne: () => {
      const [r] = book.select(1);
      return r ? addressKey(r.host, r.port) : undefined;
    },
  };
}

/** Runs one attack against one design. */
export function runEclipse(attack: EclipseAttack, design: 'addrman' | 'legacy', seed = 1): EclipseOutcome {
  const random = seededRandom(seed);
  const clock = { now: T0 };
  const nowSeconds = (): number => Math.floor(clock.now / 1000);
  const book = design === 'addrman' ? addrmanBook(random, clock) : legacyBook(random, clock);
  // Each peer we connect to is asked for addresses once, which grants its bucket 1,000 tokens.
  const outboundBucket = (): AddrTokenBucket => {
    const bucket = new AddrTokenBucket({ now: () => clock.now });
    bucket.getaddrSent();
    return bucket;
  };

  // Honest peers in distinct /16s, each answering with 100 addresses seen in the last three days.
  const honestSources = new Set<string>();
  while (book.size < HONEST_ADDRESSES) {
    let source: string;
    do source = randomPublicIPv4(random);
    while (honestSources.has(source.split('.').slice(0, 2).join('.')));
    honestSources.add(source.split('.').slice(0, 2).join('.'));
    const batch = Array.from({ length: HONEST_PER_SOURCE }, () => heard(randomPublicIPv4(random), nowSeconds() - Math.floor(random() * 3 * 24 * 3600)));
    book.add(batch, source, outboundBucket());
    clock.now += 1000;
  }
  const honest = new Set(book.hosts());

  // The attack: every source sends its messages one second apart, stamped 10 minutes ahead.
  const attackerHosts = new Set<string>();
  let nextInGroup = 0;
  const attackerAddress = (): string => {
    if (attack.spread === 'many-groups') return randomPublicIPv4(random);
    nextInGroup++;
    return `77.77.${(nextInGroup >> 8) & 255}.${nextInGroup & 255}`;
  };
  let rateLimited = 0;
  const sources = Array.from({ length: attack.sources }, (_, i) => ({ host: `66.66.0.${i + 1}`, bucket: outboundBucket() }));
  for (let m = 0; m < MESSAGES_PER_SOURCE; m++) {
    for (const source of sources) {
      const batch = Array.from({ length: ADDRESSES_PER_MESSAGE }, () => heard(attackerAddress(), nowSeconds() + 600));
      for (const a of batch) attackerHosts.add(addressKey(a.host, a.port));
      rateLimited += book.add(batch, source.host, source.bucket);
      clock.now += 1000;
    }
  }

  const hosts = book.hosts();
  let attackerSelections = 0;
  for (let i = 0; i < SELECTIONS; i++) {
    const picked = book.selectOne();
    if (picked !== undefined && attackerHosts.has(picked) && !honest.has(picked)) attackerSelections++;
  }
  const attacker = hosts.filter((h) => attackerHosts.has(h) && !honest.has(h)).length;
  return {
    design,
    attack: attack.name,
    size: hosts.length,
    honest: hosts.length - attacker,
    attacker,
    rateLimited,
    selections: SELECTIONS,
    attackerSelections,
  };
}
