// Which top-level folder may import which: test/ and bench/ share testkit/, never each other's files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Folders whose files must not reach into the folders listed; library code reaches none of the kits. */
const FORBIDDEN: Record<string, readonly string[]> = {
  test: ['bench'],
  bench: ['test'],
  testkit: ['test', 'bench', 'scripts', 'examples'],
  src: ['test', 'testkit', 'bench', 'scripts', 'examples'],
  machines: ['test', 'testkit', 'bench', 'scripts', 'examples'],
  examples: ['test', 'testkit', 'bench', 'scripts'],
};
/** Packages a folder must not load: what imports vitest belongs in test/. */
const FORBIDDEN_PACKAGES: Record<string, readonly string[]> = {
  testkit: ['vitest'],
  bench: ['vitest'],
};

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'test-output', '.git']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * Every module a file names: static and type-only imports, re-exports, `import()` and `require()`
 * with a literal, and `new URL('…', import.meta.url)`, which is how worker threads and child
 * processes are started from a file.
 */
function specifiers(text: string): string[] {
  const found = ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
  for (const match of text.matchAll(/new URL\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url\s*\)/g)) found.push(match[2]!);
  return found;
}

interface Crossing {
  file: string;
  specifier: string;
  reaches: string;
}

/** The imports in `text` (the file at `file`, relative to the root) that break the rules above. */
function crossings(file: string, text: string): Crossing[] {
  const from = file.split('/')[0]!;
  const out: Crossing[] = [];
  for (const specifier of specifiers(text)) {
    if (specifier.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      const reaches = target.split('/')[0]!;
      if (FORBIDDEN[from]?.includes(reaches)) out.push({ file, specifier, reaches });
    } else {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (FORBIDDEN_PACKAGES[from]?.includes(name)) out.push({ file, specifier, reaches: name });
    }
  }
  return out;
}

describe('the layout of the repository', () => {
  it('test/ and bench/ do not import each other, testkit/ neither of them, library code none of the kits', () => {
    const files = sourceFiles(ROOT).map((full) => path.relative(ROOT, full).split(path.sep).join('/'));
    // The walk must have found the folders it judges, or the test proves nothing.
    for (const folder of Object.keys(FORBIDDEN)) expect(files.some((f) => f.startsWith(`${folder}/`)), folder).toBe(true);
    const found = files.flatMap((file) => crossings(file, readFileSync(path.join(ROOT, file), 'utf8')));
    expect(found).toEqual([]);
  });

  it('sees every way a file can name another', () => {
    const text = [
      "import { a } from '../../bench/lib/stats.js';",
      "import type { B } from '../../bench/lib/types.js';",
      "export { c } from '../../bench/lib/table.js';",
      "const d = await import('../../bench/fuzz/args.js');",
      "const e = require('../../bench/workers/codec-bcoin.cjs');",
      "const f = new URL('../../bench/fuzz/worker.ts', import.meta.url);",
      "import { describe } from 'vitest';",
      "import { g } from '../../testkit/handles.js';",
      "import { h } from '../../src/peer.js';",
    ].join('\n');
    expect(crossings('test/peers/x.test.ts', text).map((c) => c.reaches)).toEqual(Array(6).fill('bench'));
    expect(crossings('testkit/fuzz/x.ts', text.replaceAll('bench/', 'test/')).map((c) => c.reaches).sort()).toEqual([
      ...Array(6).fill('test'),
      'vitest',
    ]);
    expect(crossings('bench/x.ts', "import { t } from '../test/machines/harness.js';")).toHaveLength(1);
    expect(crossings('bench/x.ts', "import { t } from '../testkit/endurance.js';")).toEqual([]);
  });
});
