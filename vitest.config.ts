import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // The examples import the package by its name, as an embedder does; in the repository that
    // name means the sources (the pack-and-install test runs them against the packed package).
    alias: [
      { find: /^btc-statechart\/codec$/, replacement: source('./src/codec.ts') },
      { find: /^btc-statechart\/inspector$/, replacement: source('./src/inspector/index.ts') },
      { find: /^btc-statechart$/, replacement: source('./src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The JSON report is what .ci/run counts its closing "N passed, N failed" line from.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest.json' },
  },
});
