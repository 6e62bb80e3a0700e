// Shared fixtures of the header-chain tests: vectors read from the repository, params for presync, handle counts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const VECTORS = path.join(here, '..', 'vectors', 'chain');

/** Mainnet headers 1..1111, 80 bytes each. */
export function mainnetHeaders(): Buffer[] {
  const bytes = readFileSync(path.join(VECTORS, 'mainnet-headers-1-1111.bin'));
  return Array.from({ length: bytes.length / 80 }, (_, i) => bytes.subarray(i * 80, (i + 1) * 80));
}

export const readVectors = <T>(name: string): T => JSON.parse(readFileSync(path.join(VECTORS, name), 'utf8')) as T;

/** Open file descriptors of this process (Linux), or null where /proc is missing. */
export function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}
