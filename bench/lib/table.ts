import type { Table } from './types.js';

/** Column widths by code points, so ✔/✘/× do not skew the alignment. */
const width = (s: string): number => [...s].length;

const pad = (s: string, n: number, right: boolean): string =>
  right ? ' '.repeat(Math.max(0, n - width(s))) + s : s + ' '.repeat(Math.max(0, n - width(s)));

export function renderText(table: Table): string {
  const numeric = new Set(table.numeric ?? []);
  const widths = table.columns.map((c, i) => Math.max(width(c), ...table.rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => pad(c, widths[i]!, numeric.has(i))).join('  ');
  const out = [table.title, line(table.columns), widths.map((w) => '─'.repeat(w)).join('  ')];
  for (const row of table.rows) out.push(line(row));
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function renderMarkdown(table: Table): string {
  const numeric = new Set(table.numeric ?? []);
  const out = [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(cell).join(' | ')} |`,
    `|${table.columns.map((_, i) => (numeric.has(i) ? '---:' : ':---')).join('|')}|`,
  ];
  for (const row of table.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
  if (table.notes?.length) out.push('', ...table.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
