/**
 * Address manager benchmark: the eclipse figure (a count, not a time) and rough costs.
 *
 * The figure: a book of 10,000 honest addresses heard from many sources in many groups; attacker
 * peers send ten `addr` messages of 1,000 addresses stamped 10 minutes ahead through the whole
 * intake path; then 1,000 selections. The attacker's share of the book and of the selections is
 * reported for three attacks, for this design and for the one-table book it replaced
 * (testkit/eclipse/legacy-address-book.ts). The target: under 10 % of selections.
 *
 * The costs, in this process, new design against old on the same addresses: gossip intake of
 * 1,000-address messages, selections for 8 outbound connections, one getaddr answer, and the JSON
 * round trip of a full book. Wall time, median of BENCH_ADDRMAN_REPS runs (default 3).
 *
 * BENCH_ADDRMAN_SEEDS=1  seeds per attack (each a different secret key and different addresses)
 * BENCH_ADDRMAN_LEGACY=1 0 skips the old design's runs (its selection is O(n) per pick: slow)
 */
import { AddressBook } from '../src/address-book.js';
import { parseAddressBookJSON } from '../src/address-book-json.js';
import { serializeAddressBook } from '../src/address-book-file.js';
import { ECLIPSE_ATTACKS, type EclipseOutcome, HONEST_ADDRESSES, runEclipse, SELECTIONS } from '../testkit/eclipse/eclipse.js';
import { LegacyAddressBook } from '../testkit/eclipse/legacy-address-book.js';
import { seededRandom } from '../testkit/random.js';
import { fmtPct, fmtRatio, median, si } from './lib/stats.js';
import { targetsTable } from './lib/report.js';
import type { BenchContext, BenchModule, ModuleReport, Table, Target } from './lib/types.js';
import type { HeardAddress } from '../machines/peer/types.js';

const int = (text: string | undefined, fallback: number): number => {
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
};
const SEEDS = Math.max(1, int(process.env.BENCH_ADDRMAN_SEEDS, 1));
const LEGACY = process.env.BENCH_ADDRMAN_LEGACY !== '0';
const REPS = Math.max(1, int(process.env.BENCH_ADDRMAN_REPS, 3));
const T0 = Date.UTC(2026, 0, 1);

const share = (part: number, whole: number): string => `${part.toLocaleString('en')} of ${whole.toLocaleString('en')} (${fmtPct(part / whole)})`;

function eclipseTable(outcomes: readonly EclipseOutcome[]): Table {
  return {
    title: `Eclipse: attacker's share after ten addr messages of 1,000 per attacker peer (${HONEST_ADDRESSES.toLocaleString('en')} honest addresses first)`,
    columns: ['attack', 'design', 'attacker records', 'rate-limited', `attacker of ${SELECTIONS} selections`],
    numeric: [3],
    rows: outcomes.map((o) => [o.attack, o.design === 'addrman' ? 'new (addrman)' : 'old (one table)', share(o.attacker, o.size), o.rateLimited.toLocaleString('en'), share(o.attackerSelections, o.selections)]),
    notes: [
      'Attacker peers are outbound peers we asked for addresses, so each bucket starts with 1,001 tokens: the most an attacker can get.',
      'Selections: Core\'s Select for the new design; the old book\'s select(1) for the old one.',
    ],
  };
}

/** Median wall time of `run` over REPS runs, each on fresh input from `prepare`. */
function time<T>(prepare: () => T, run: (input: T) => void): number {
  const samples: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const input = prepare();
    const started = performance.now();
    run(input);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const heardBatch = (random: () => number, n: number): HeardAddress[] =>
  Array.from({ length: n }, () => ({
    network: 'ipv4' as const,
    host: `${1 + Math.floor(random() * 223)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`,
    port: 8333,
    services: 9n,
    time: T0 / 1000 - Math.floor(random() * 86_400),
  }));

function costTable(log: (line: string) => void): Table {
  const random = seededRandom(99);
  const messages = Array.from({ length: 10 }, () => heardBatch(random, 1000));
  const newBook = (): AddressBook => {
    const book = new AddressBook({ now: () => T0, random: seededRandom(1) });
    messages.forEach((m, i) => book.add(m, { origin: 'gossip', source: `${i + 1}.77.0.1` }));
    return book;
  };
  const oldBook = (): LegacyAddressBook => {
    const book = new LegacyAddressBook({ now: () => T0, random: seededRandom(1) });
    messages.forEach((m, i) => book.add(m, `${i + 1}.77.0.1:8333`));
    return book;
  };
  const rows: string[][] = [];
  const row = (what: string, count: number, unit: string, oursMs: number, oldMs: number | null): void => {
    rows.push([what, `${si((count / oursMs) * 1000)} ${unit}/s`, oldMs === null ? '–' : `${si((count / oldMs) * 1000)} ${unit}/s`, oldMs === null ? '–' : fmtRatio(oldMs / oursMs)]);
    log(`${what}: ${oursMs.toFixed(1)} ms${oldMs === null ? '' : ` (old ${oldMs.toFixed(1)} ms)`}`);
  };
  row('gossip intake, 10 × 1,000 addresses', 10_000, 'addresses', time(() => null, newBook), time(() => null, oldBook));
  row(
    '100 selections of 8 peers from a 10k book',
    100,
    'selections',
    time(newBook, (b) => {
      for (let i = 0; i < 100; i++) b.select(8);
    }),
    time(oldBook, (b) => {
      for (let i = 0; i < 100; i++) b.select(8);
    }),
  );
  row('getaddr answer (23 %) from a 10k book', 1, 'answers', time(newBook, (b) => void b.getAddr()), null);
  row(
    'save and load a 10k book (JSON text, no disk)',
    1,
    'round trips',
    time(newBook, (b) => {
      const parsed = parseAddressBookJSON(JSON.parse(serializeAddressBook(b)), Buffer.alloc(32), 0);
      AddressBook.fromState(parsed.state, parsed.grouping);
    }),
    null,
  );
  return {
    title: 'Costs (this process, wall time, median)',
    columns: ['operation', 'new', 'old', 'new ÷ old'],
    numeric: [1, 2, 3],
    rows,
    notes: ['Rough figures from a shared machine: re-measure on a quiet one. The old book had no per-source limit, so its intake does less.'],
  };
}

/** The `addrman` module of `npm run bench`. */
export const addrmanBench: BenchModule = {
  name: 'addrman',
  title: 'Address manager: eclipse resistance and costs',
  async run(ctx: BenchContext): Promise<ModuleReport> {
    const outcomes: EclipseOutcome[] = [];
    for (const attack of ECLIPSE_ATTACKS) {
      for (let seed = 1; seed <= SEEDS; seed++) {
        for (const design of LEGACY ? (['addrman', 'legacy'] as const) : (['addrman'] as const)) {
          const outcome = runEclipse(attack, design, seed);
          ctx.log(`${attack.name}, ${design}, seed ${seed}: attacker ${outcome.attacker}/${outcome.size} records, ${outcome.attackerSelections}/${outcome.selections} selections`);
          outcomes.push(outcome);
        }
      }
    }
    const worst = Math.max(...outcomes.filter((o) => o.design === 'addrman').map((o) => o.attackerSelections / o.selections));
    const targets: Target[] = [
      { name: 'eclipse: attacker share of 1,000 selections', goal: '< 10 % in every attack', actual: fmtPct(worst), met: worst < 0.1 },
    ];
    return {
      tables: [eclipseTable(outcomes), costTable(ctx.log), targetsTable(targets)],
      targets,
      notes: [
        'Eclipse: deterministic for a seed (it drives the addresses, the secret key and every random choice); the share is a count, not a time.',
        'Honest addresses: 100 per honest peer, each peer in its own /16, every address in a random /16, seen in the last three days. Attacker addresses: 10 minutes ahead of the clock, full-node services, routable.',
        'Costs: one process, in-memory; figures must be re-measured on a quiet machine, only the ratios carry over.',
      ],
    };
  },
};
