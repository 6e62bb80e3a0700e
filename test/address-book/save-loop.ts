// Helper for the atomicity test in file.test.ts. Run as a child process
// (`node --import tsx save-loop.ts <file> <first version>`), it saves ever newer versions of a
// large book to <file>, one after another, until it is killed. Before each save it prints
// "writing <n> <sha256 of the file's text> <records>", after it "saved <n>".
import { createHash } from 'node:crypto';
import type { HeardAddress } from '../../machines/peer/types.js';
import { AddressBook } from '../../src/address-book.js';
import { saveAddressBook, serializeAddressBook } from '../../src/address-book-file.js';
import { sha256d } from '../../src/protocol/hash.js';

const BASE_MS = 1_700_000_000_000;

/**
 * Version `n` of the book: 9,400 to 10,000 addresses heard (the count differs between neighbours,
 * so a file mixing two versions cannot pass for either), under a key and clock of its own, some
 * moved to tried, every field depending on `n`.
 */
function bookVersion(n: number): AddressBook {
  const count = 10_000 - (n % 7) * 100;
  let seed = n;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const book = new AddressBook({ now: () => BASE_MS + n * 1000, random, key: sha256d(Buffer.from(`version ${n}`)) });
  const heard: HeardAddress[] = Array.from({ length: count }, (_, i) => ({
    network: i % 10 === 0 ? 'ipv6' : 'ipv4',
    host: i % 10 === 0 ? `2a01:${(n % 0xffff).toString(16)}::${i.toString(16)}` : `${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.${(n % 250) + 1}`,
    port: 8333 + (n % 100),
    services: BigInt(n) * 1024n + BigInt(i) * 2n + 1n,
    time: BASE_MS / 1000 - i,
  }));
  for (let i = 0; i < heard.length; i += 1000) book.add(heard.slice(i, i + 1000), { origin: 'gossip', source: `9.${n % 250}.${i >> 10}.1` });
  for (const r of book.all().slice(0, 200)) book.markSuccess(r.host, r.port);
  return book;
}

async function main(file: string, first: number): Promise<void> {
  for (let n = first; ; n++) {
    const book = bookVersion(n);
    const hash = createHash('sha256').update(serializeAddressBook(book)).digest('hex');
    process.stdout.write(`writing ${n} ${hash} ${book.size}\n`);
    await saveAddressBook(book, file);
    process.stdout.write(`saved ${n}\n`);
  }
}

const [file, first = '0'] = process.argv.slice(2);
if (!file || !/^\d+$/.test(first)) throw new Error('usage: node --import tsx save-loop.ts <file> [first version]');
void main(file, Number(first));
