// The README's diagrams and state tables are generated from the machines; `npm run chart` rewrites them.
import { readFileSync, writeFileSync } from 'node:fs';
import type { AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { broadcastMachine } from '../machines/broadcast.js';
import { crawlMachine } from '../machines/crawl.js';
import { describeStates, listTransitions, toMermaid } from '../machines/describe.js';
import { fetchMachine } from '../machines/fetch.js';
import { peerMachine } from '../machines/peer.js';
import { poolMachine } from '../machines/pool.js';
import { syncMachine } from '../machines/sync.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/package-info.js';

const README = new URL('../README.md', import.meta.url);

const CHARTS: Record<string, AnyStateMachine> = {
  peer: peerMachine,
  pool: poolMachine,
  crawl: crawlMachine,
  sync: syncMachine,
  fetch: fetchMachine,
  broadcast: broadcastMachine,
};

/**
 * The diagram, every state with its description, and the transitions that change no state (a
 * diagram cannot draw them: answering a ping, taking a block), as the README shows them.
 */
function chartBlock(machine: AnyStateMachine): string {
  const rows = describeStates(machine).map((s) => `| \`${s.path}\` | ${s.description ?? ''} |`);
  const local = listTransitions(machine)
    .filter((t) => t.targets.length === 0)
    .map((t) => {
      const where = t.source.split('.').slice(1).join('.') || '(any state)';
      return `| \`${where}\` | \`${t.event}\` | ${t.guard ? `\`${t.guard}\`` : ''} | ${t.actions.map((a) => `\`${a}\``).join(', ')} |`;
    });
  const inner = local.length
    ? ['', 'Within a state (no change of state):', '', '| in | on | if | does |', '| --- | --- | --- | --- |', ...local]
    : [];
  return ['```mermaid', toMermaid(machine), '```', '', '| state | what it means |', '| --- | --- |', ...rows, ...inner].join('\n');
}

describe('README', () => {
  for (const [name, machine] of Object.entries(CHARTS)) {
    it(`shows the ${name} statechart as generated from machines/${name}.ts`, () => {
      const begin = `<!-- chart:${name}:begin -->`;
      const end = `<!-- chart:${name}:end -->`;
      const block = `${begin}\n${chartBlock(machine)}\n${end}`;
      let text = readFileSync(README, 'utf8');
      expect(text.indexOf(begin), `README lacks the ${name} chart markers`).toBeGreaterThan(-1);
      if (process.env.UPDATE_CHART) {
        writeFileSync(README, text.slice(0, text.indexOf(begin)) + block + text.slice(text.indexOf(end) + end.length));
        text = readFileSync(README, 'utf8');
      }
      expect(text.slice(text.indexOf(begin), text.indexOf(end) + end.length), 'run `npm run chart` to regenerate').toBe(block);
    });
  }

  it('every state of every chart has a description', () => {
    for (const machine of Object.values(CHARTS)) {
      expect(describeStates(machine).filter((s) => !s.description).map((s) => s.id)).toEqual([]);
    }
  });

  it('package-info matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([pkg.name, pkg.version]);
  });
});
