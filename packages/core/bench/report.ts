import { cpus } from 'node:os';
import type { Spread } from './stats';

/** PASS or MISS against a row's target; '' when the row has no target (reported only). */
export type Verdict = 'PASS' | 'MISS' | '';

/** One line of the results table. */
export interface ResultRow {
  /** Benchmark number and name, e.g. `1 remote calls`. */
  bench: string;
  /** What was measured, e.g. `routed call, c=64`. */
  case: string;
  /** The median over rounds as a number, in `unit`. */
  value: number;
  /** Unit of `value`, e.g. `calls/s`, `ns/call`, `MB/s`, `×`. */
  unit: string;
  /** Median with unit, as printed. */
  result: string;
  /** Spread over rounds (`min–max`), or '' for single measurements. */
  spread: string;
  /** Further figures of the same case: latency p50/p99, wire ratio, request counts. */
  detail: string;
  /** The target, e.g. `≥ 0.85`, or '' when the figure is only reported. */
  target: string;
  verdict: Verdict;
}

/** A target a figure is checked against. */
export interface Target {
  op: '>=' | '<=' | '<' | '==';
  threshold: number;
}

/** Formats a number with thousands separators and `digits` decimals (default: 0 at ≥ 100, else 2). */
export function fmt(value: number, digits?: number): string {
  if (!Number.isFinite(value)) return String(value);
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  // Noise around zero (e.g. -0.04 ns added) prints as 0, not "-0.0".
  if (Math.abs(value) < 0.5 * 10 ** -d) value = 0;
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** PASS if `value` meets the target. */
export function verdictOf(value: number, target: Target): Verdict {
  const ok =
    target.op === '>=' ? value >= target.threshold
    : target.op === '<=' ? value <= target.threshold
    : target.op === '<' ? value < target.threshold
    : value === target.threshold;
  return ok ? 'PASS' : 'MISS';
}

const OP_SIGN: Record<Target['op'], string> = { '>=': '≥', '<=': '≤', '<': '<', '==': '=' };

/** Fields of {@link makeRow}. */
export interface RowInput {
  bench: string;
  case: string;
  unit: string;
  /** One figure, or the per-round figures' spread. */
  value: number | Spread;
  /** Decimals of the printed figures; default by magnitude (see fmt). */
  digits?: number;
  detail?: string;
  target?: Target;
}

/** Builds a row: formats median and spread, and checks the target on the median. */
export function makeRow(input: RowInput): ResultRow {
  const s = typeof input.value === 'number' ? undefined : input.value;
  const value = s ? s.median : (input.value as number);
  const unit = input.unit === '×' ? '×' : ` ${input.unit}`;
  return {
    bench: input.bench,
    case: input.case,
    value,
    unit: input.unit,
    result: `${fmt(value, input.digits)}${unit}`,
    spread: s ? `${fmt(s.min, input.digits)}–${fmt(s.max, input.digits)}` : '',
    detail: input.detail ?? '',
    target: input.target ? `${OP_SIGN[input.target.op]} ${input.target.threshold}${unit}` : '',
    verdict: input.target ? verdictOf(value, input.target) : '',
  };
}

const HEADERS = ['Benchmark', 'Case', 'Median', 'Spread (min–max)', 'Detail', 'Target', 'Verdict'] as const;

function cells(row: ResultRow): string[] {
  return [row.bench, row.case, row.result, row.spread || '–', row.detail || '–', row.target || '–', row.verdict || '–'];
}

/** The rows as an aligned plain-text table for the terminal. */
export function renderTable(rows: readonly ResultRow[]): string {
  const table = [HEADERS as readonly string[], ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(table[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous = '';
  for (const r of table.slice(1)) {
    // A blank line between benchmarks keeps the groups apart.
    if (previous && r[0] !== previous) out.push('');
    previous = r[0]!;
    out.push(line(r));
  }
  return out.join('\n');
}

/** The rows as a Markdown table. */
export function renderMarkdown(rows: readonly ResultRow[]): string {
  const escape = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, i) => (i >= 2 && i <= 3 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${cells(r).map(escape).join(' | ')} |`),
  ].join('\n');
}

/** Rows whose target was missed. */
export function missedTargets(rows: readonly ResultRow[]): ResultRow[] {
  return rows.filter((r) => r.verdict === 'MISS');
}

/** The machine a run happened on, as printed above the table. */
export interface MachineInfo {
  cores: number;
  cpu: string;
  node: string;
  platform: string;
  date: string;
  mode: 'quick' | 'full';
}

/** Facts about this machine and run. */
export function machineInfo(mode: 'quick' | 'full', now: Date = new Date()): MachineInfo {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: now.toISOString(),
    mode,
  };
}

/** One line describing the machine. */
export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpu}), Node ${m.node}, ${m.platform}, ${m.date}, ${m.mode} run`;
}

/** The Markdown results file: machine, table, missed targets, and notes on method. */
export function renderResultsFile(rows: readonly ResultRow[], machine: MachineInfo, notes: readonly string[]): string {
  const missed = missedTargets(rows);
  return [
    '# Switchyard benchmark results',
    '',
    `Machine: ${describeMachine(machine)}.`,
    '',
    'Written by `pnpm bench` (full runs only). Every speed target is a ratio measured side by side in one run;',
    'the memory (KB, MB) and recovery (ms) targets are absolute, and so depend on the machine.',
    '',
    renderMarkdown(rows),
    '',
    '## Missed targets',
    '',
    ...(missed.length === 0 ? ['None.'] : missed.map((r) => `- ${r.bench}, ${r.case}: ${r.result} (target ${r.target}).`)),
    '',
    ...(notes.length > 0 ? ['## Notes', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

/** The README lines between these markers hold the last full run's table; `pnpm bench` rewrites them. */
export const README_START = '<!-- bench:last-full-run:start -->';
export const README_END = '<!-- bench:last-full-run:end -->';

/**
 * `readme` with the text between the markers replaced by the machine line and the table of
 * `rows`. Throws when the markers are missing or out of order, naming them.
 */
export function spliceReadmeTable(readme: string, rows: readonly ResultRow[], machine: MachineInfo): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} block for the benchmark table; add the two markers around it.`);
  const block = ['', `**Last full run** (${describeMachine(machine)}; also in \`packages/core/bench/RESULTS.md\`).`, '', renderMarkdown(rows), ''].join('\n');
  return readme.slice(0, start + README_START.length) + block + readme.slice(end);
}
