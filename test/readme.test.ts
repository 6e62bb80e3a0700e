// The README's diagram is generated from the machine; `npm run chart` rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toMermaid } from '../machines/describe.js';
import { peerMachine } from '../machines/peer.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/package-info.js';

const README = new URL('../README.md', import.meta.url);
const BEGIN = '<!-- chart:peer:begin -->';
const END = '<!-- chart:peer:end -->';

describe('README', () => {
  it('shows the peer statechart as generated from machines/peer.ts', () => {
    const block = `${BEGIN}\n\`\`\`mermaid\n${toMermaid(peerMachine)}\n\`\`\`\n${END}`;
    let text = readFileSync(README, 'utf8');
    let start = text.indexOf(BEGIN);
    let end = text.indexOf(END);
    expect(start, 'README lacks the chart markers').toBeGreaterThan(-1);
    if (process.env.UPDATE_CHART) {
      writeFileSync(README, text.slice(0, start) + block + text.slice(end + END.length));
      text = readFileSync(README, 'utf8');
      start = text.indexOf(BEGIN);
      end = text.indexOf(END);
    }
    expect(text.slice(start, end + END.length), 'run `npm run chart` to regenerate the diagram').toBe(block);
  });

  it('package-info matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([pkg.name, pkg.version]);
  });
});
