import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describeMachine } from './machine.js';
import { renderMarkdown, renderText } from './table.js';
import { mark } from './stats.js';
import type { ModuleResult, Table, Target } from './types.js';

export function printResult(result: ModuleResult): string {
  const parts = [
    `\n=== ${result.title} (${result.name}) ===`,
    `Machine: ${describeMachine(result.machine)}`,
    ...result.tables.map((t) => `\n${renderText(t)}`),
  ];
  const met = result.targets.filter((t) => t.met).length;
  if (result.targets.length) parts.push(`\nTargets met: ${met} of ${result.targets.length}`);
  parts.push(`Took ${result.seconds.toFixed(1)} s`);
  return parts.join('\n');
}

const HEADER = `# Benchmarks

Written by \`npm run bench\` (\`npm run bench -- <module> ...\` for some of them); do not edit by hand.
Each module's section is replaced when that module runs and says which machine and date it comes from.
Compare figures only within one section: the machines these run on are shared and noisy, so the
ratios against the alternative, measured on the same bytes in the same run, are what carry over.
`;

const begin = (name: string): string => `<!-- bench:${name}:begin -->`;
const end = (name: string): string => `<!-- bench:${name}:end -->`;

export function sectionMarkdown(result: ModuleResult): string {
  const m = result.machine;
  const lines = [
    begin(result.name),
    `## ${result.title} (\`${result.name}\`)`,
    '',
    `Ran on ${m.cpu}, ${m.cores} cores, ${m.memory} RAM; ${m.os}; Node ${m.node}; ${m.date}; ${result.seconds.toFixed(1)} s.`,
    '',
  ];
  for (const table of result.tables) lines.push(renderMarkdown(table), '');
  if (result.notes.length) lines.push('How it was measured:', '', ...result.notes.map((n) => `- ${n}`), '');
  lines.push(end(result.name));
  return lines.join('\n');
}

/**
 * Updates `file` in place: the sections of the modules that ran are replaced (or appended, in the
 * order given by `order`), those of modules that did not run this time are kept.
 */
export function writeBenchmarksFile(
  file: string,
  results: readonly ModuleResult[],
  order: readonly string[],
): void {
  const sections = new Map<string, string>();
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8');
    const re = /<!-- bench:([\w-]+):begin -->[\s\S]*?<!-- bench:\1:end -->/g;
    for (const match of text.matchAll(re)) sections.set(match[1]!, match[0]);
  }
  for (const r of results) sections.set(r.name, sectionMarkdown(r));
  const names = [
    ...order.filter((n) => sections.has(n)),
    ...[...sections.keys()].filter((n) => !order.includes(n)),
  ];
  writeFileSync(file, `${HEADER}\n${names.map((n) => sections.get(n)).join('\n\n')}\n`);
}

/** The table every module ends with: each target, its goal, what was measured, and ✔/✘. */
export function targetsTable(targets: readonly Target[], notes?: string[]): Table {
  return {
    title: 'Targets',
    columns: ['target', 'goal', 'measured', ''],
    rows: targets.map((t) => [t.name, t.goal, t.actual, mark(t.met)]),
    ...(notes ? { notes } : {}),
  };
}
