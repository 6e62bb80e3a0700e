// The ban list on disk, in its own file as Core keeps banlist.json: versioned JSON, saved
// atomically, validated on load. A missing file is an empty list; an unreadable or corrupt one is
// an empty list and a one-line warning, never a crash.
import { BanList, type BanEntry, type BanListOptions, parseSubnet } from './addrman/bans.js';
import { oneLine, readTextFile, writeFileAtomic } from './atomic-file.js';

/** The format version this code writes. */
export const BAN_LIST_VERSION = 1;
/** Larger files are refused on load (a full list is about 1 MB). */
export const MAX_BAN_LIST_FILE_BYTES = 16 * 1024 * 1024;

/** The whole file. */
export interface BanListJSON {
  version: typeof BAN_LIST_VERSION;
  bans: BanEntry[];
}

/** The file is not a ban list this code can read. */
export class BanListFormatError extends Error {
  override readonly name = 'BanListFormatError';
}

/** The file's text: JSON, one ban per line. */
export function serializeBanList(list: BanList): string {
  const bans = list.list().map((b) => JSON.stringify(b));
  return `{"version":${BAN_LIST_VERSION},"bans":${bans.length ? `[\n${bans.join(',\n')}\n]` : '[]'}}\n`;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isSeconds = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Reads what JSON.parse gave; throws a BanListFormatError naming the first problem. */
export function banListFromJSON(data: unknown, options: BanListOptions = {}): BanList {
  if (!isObject(data)) throw new BanListFormatError('expected an object');
  if (data.version !== BAN_LIST_VERSION) throw new BanListFormatError(`unsupported version ${JSON.stringify(data.version) ?? 'missing'} (expected ${BAN_LIST_VERSION})`);
  if (!Array.isArray(data.bans)) throw new BanListFormatError('"bans" must be an array');
  const bans = data.bans.map((raw: unknown, i: number): BanEntry => {
    if (!isObject(raw)) throw new BanListFormatError(`ban ${i}: expected an object`);
    const { subnet, created, until } = raw;
    if (typeof subnet !== 'string' || !parseSubnet(subnet)) throw new BanListFormatError(`ban ${i}: "subnet" must be an address or a subnet in CIDR form`);
    if (!isSeconds(created) || !isSeconds(until)) throw new BanListFormatError(`ban ${i}: "created" and "until" must be non-negative integers (seconds)`);
    return { subnet, created, until };
  });
  return BanList.fromEntries(bans, options);
}

/** Saves the running bans atomically. */
export async function saveBanList(list: BanList, file: string): Promise<void> {
  await writeFileAtomic(file, serializeBanList(list));
}

/** Loads a ban list; never throws for a missing, unreadable or corrupt file (see the file comment). */
export async function loadBanList(file: string, options: BanListOptions = {}): Promise<{ bans: BanList; warning: string | null }> {
  const empty = (problem: string) => ({
    bans: new BanList(options),
    warning: oneLine(`ban list ${file}: ${problem}; starting with no bans`),
  });
  const read = await readTextFile(file, MAX_BAN_LIST_FILE_BYTES);
  if ('missing' in read) return { bans: new BanList(options), warning: null };
  if ('problem' in read) return empty(read.problem);
  try {
    return { bans: banListFromJSON(JSON.parse(read.text), options), warning: null };
  } catch (error) {
    return empty(error instanceof SyntaxError ? `not valid JSON (${error.message})` : `not a valid ban list (${(error as Error).message})`);
  }
}
