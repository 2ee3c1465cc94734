/**
 * @module report
 * What every benchmark result carries and how it is written: a stamp (machine, Node, command, date, git commit),
 * the configuration, the figures, headline rows and tables. `bench/results/<part>.json` holds one part;
 * `bench/results/SUMMARY.md` is regenerated from every part present, so rerunning one part keeps the others.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Results folder (committed): JSON, SUMMARY.md and SVG plots. */
export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'results');
/** Version of the result envelope; bump on incompatible changes. */
export const SCHEMA = 'prefsel-bench/1';
/** The benchmark parts, in the order the CLI runs them and SUMMARY.md lists them. */
export const PARTS = ['scoring', 'overhead', 'e2e', 'quality', 'pruning', 'profiles', 'soak', 'stall'] as const;
/** One part of the suite. */
export type PartName = (typeof PARTS)[number];
/** How long a run may take: `full` (~10+ min), `quick` (a few minutes), `tiny` (seconds; smoke tests only, figures meaningless). */
export type Mode = 'full' | 'quick' | 'tiny';

/** The machine a result was measured on. */
export interface MachineStamp {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** `nvidia-smi` name and memory per GPU; empty when none is visible. */
  gpus: string[];
  platform: string;
  arch: string;
  /** 1-minute load average when the run started: a shared machine shows up here. */
  loadavg1: number;
}

/** Provenance of one result. */
export interface Stamp {
  date: string;
  /** The exact command that produced it. */
  command: string;
  gitCommit: string;
  /** Whether the working tree had uncommitted changes (others' work in progress included). */
  gitDirty: boolean;
  node: string;
  machine: MachineStamp;
}

/** One headline figure, shown in SUMMARY.md. */
export interface Headline {
  figure: string;
  value: string;
  /** The issue's target, if any. */
  target?: string;
  /** Whether the target was met (null: not applicable or not measurable in this run). */
  met?: boolean | null;
}

/** A table rendered into SUMMARY.md. */
export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

/** The JSON written for one part. */
export interface PartResult<R = unknown> {
  schema: typeof SCHEMA;
  part: PartName;
  stamp: Stamp;
  /** `ok`, or `failed` with `error` set (a dependency missing, a crash): the file still says what happened. */
  status: 'ok' | 'failed';
  error?: string;
  config: Record<string, unknown>;
  /** Model shapes the figures depend on (scorer model, simulated upstream). */
  models: Record<string, unknown>;
  headline: Headline[];
  tables: Table[];
  /** Method notes: what was measured and how, caveats. */
  notes: string[];
  /** SVG files written next to the JSON (names only). */
  plots: string[];
  results: R | null;
}

function tryExec(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return null;
  }
}

/** Describes this machine; `nvidia-smi` is asked only if present. */
export function machineStamp(): MachineStamp {
  const cpu = cpus();
  const gpuList = tryExec('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader']);
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    gpus: gpuList
      ? gpuList
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
      : [],
    platform: process.platform,
    arch: process.arch,
    loadavg1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** The command line as the user typed it, as closely as the process can tell. */
export function commandLine(argv: readonly string[] = process.argv.slice(2)): string {
  const args = argv.join(' ');
  return process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench${args ? ` -- ${args}` : ''}`
    : `npx tsx bench/cli.ts${args ? ` ${args}` : ''}`;
}

/** Provenance for a result produced now. */
export function makeStamp(command: string = commandLine()): Stamp {
  const dirty = tryExec('git', ['status', '--porcelain', '--untracked-files=no']);
  return {
    date: new Date().toISOString(),
    command,
    gitCommit: tryExec('git', ['rev-parse', '--short=12', 'HEAD']) ?? 'unknown',
    gitDirty: dirty === null ? false : dirty.length > 0,
    node: process.version,
    machine: machineStamp(),
  };
}

/** Writes `<dir>/<part>.json` and returns its path. NaN and Infinity become null, as JSON requires. */
export function writePartResult(result: PartResult, dir: string = RESULTS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${result.part}.json`);
  const text = JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  writeFileSync(path, `${text}\n`);
  return path;
}

/** Reads every `<part>.json` present in `dir`, in suite order. */
export function readPartResults(dir: string = RESULTS_DIR): PartResult[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return PARTS.filter((p) => names.includes(`${p}.json`)).map(
    (p) => JSON.parse(readFileSync(join(dir, `${p}.json`), 'utf8')) as PartResult,
  );
}

/** Formats a number for tables: 3 significant digits, thousands kept whole; null/NaN as an en dash. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toString();
  return Number(value.toPrecision(digits)).toString();
}

function escapeCell(value: string | number): string {
  return String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Renders a table as GitHub markdown. */
export function markdownTable(table: Pick<Table, 'columns' | 'rows'>): string {
  const head = `| ${table.columns.map(escapeCell).join(' | ')} |`;
  const rule = `|${table.columns.map(() => '---').join('|')}|`;
  const body = table.rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

function describeMachine(m: MachineStamp): string {
  const gpu = m.gpus.length ? m.gpus.join('; ') : 'no GPU';
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${gpu}, ${m.platform}/${m.arch} (load ${m.loadavg1})`;
}

function metCell(met: boolean | null | undefined): string {
  if (met === true) return 'yes';
  if (met === false) return '**no**';
  return '–';
}

/** Renders SUMMARY.md from the given parts: one headline table, then each part's stamp, tables, notes and plots. */
export function renderSummary(parts: readonly PartResult[]): string {
  const lines: string[] = ['# prefsel benchmark summary', ''];
  lines.push('Generated by `bench/cli.ts`; every figure is a median over repeated runs with its spread, and every');
  lines.push(
    'comparison is a ratio taken within one run on one machine. Absolute timings are specific to that machine.',
  );
  lines.push('');
  const rows = parts.flatMap((p) =>
    p.status === 'failed'
      ? [[p.part, 'did not run', p.error ?? 'failed', '–', '–']]
      : p.headline.map((h) => [p.part, h.figure, h.value, h.target ?? '–', metCell(h.met)]),
  );
  lines.push(markdownTable({ columns: ['part', 'figure', 'value', 'target', 'met'], rows }), '');
  for (const p of parts) {
    lines.push(`## ${p.part}`, '');
    lines.push(`- command: \`${p.stamp.command}\``);
    lines.push(
      `- date: ${p.stamp.date}; git ${p.stamp.gitCommit}${p.stamp.gitDirty ? ' (tree had uncommitted changes)' : ''}; Node ${p.stamp.node}`,
    );
    lines.push(`- machine: ${describeMachine(p.stamp.machine)}`);
    if (Object.keys(p.models).length) lines.push(`- models: \`${JSON.stringify(p.models)}\``);
    if (p.status === 'failed') lines.push(`- **failed**: ${p.error ?? 'unknown error'}`);
    lines.push('');
    for (const t of p.tables) lines.push(`**${t.title}**`, '', markdownTable(t), '');
    for (const plot of p.plots) lines.push(`![${plot}](${plot})`, '');
    if (p.notes.length) lines.push(...p.notes.map((n) => `- ${n}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Rewrites `<dir>/SUMMARY.md` from the parts currently in `dir`; returns its path. */
export function writeSummary(dir: string = RESULTS_DIR): string {
  const path = join(dir, 'SUMMARY.md');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, renderSummary(readPartResults(dir)));
  return path;
}

/** Markers around the generated block in `bench/README.md`. */
export const README_MARKERS = { start: '<!-- bench-summary:start -->', end: '<!-- bench-summary:end -->' } as const;

/**
 * Replaces the block between {@link README_MARKERS} in a README with the headline table of `parts` and links to
 * their plots (paths relative to the README). A README without the markers is left alone.
 * @returns whether the file changed
 */
export function updateReadmeSummary(readmePath: string, parts: readonly PartResult[], resultsRel = 'results'): boolean {
  let text: string;
  try {
    text = readFileSync(readmePath, 'utf8');
  } catch {
    return false;
  }
  const a = text.indexOf(README_MARKERS.start);
  const b = text.indexOf(README_MARKERS.end);
  if (a < 0 || b < a) return false;
  const rows = parts.flatMap((p) =>
    p.status === 'failed'
      ? [[p.part, 'did not run', p.error ?? 'failed', '–', '–']]
      : p.headline.map((h) => [p.part, h.figure, h.value, h.target ?? '–', metCell(h.met)]),
  );
  const m = (x: MachineStamp) =>
    `${x.cpuModel}, ${x.cores} cores, ${x.memoryGiB} GiB, ${x.gpus.length ? x.gpus.join('; ') : 'no GPU'}`;
  const machines = [...new Set(parts.map((p) => m(p.stamp.machine)))];
  const runs = parts.map(
    (p) =>
      `${p.part}: \`${p.stamp.command}\` (${p.stamp.date.slice(0, 16).replace('T', ' ')} UTC, git ${p.stamp.gitCommit}, load ${p.stamp.machine.loadavg1})`,
  );
  const plots = parts.flatMap((p) => p.plots.map((f) => `[${f}](${resultsRel}/${f})`));
  const block = [
    README_MARKERS.start,
    '',
    markdownTable({ columns: ['part', 'figure', 'value', 'target', 'met'], rows }),
    '',
    `Machine: ${machines.join(' · ')}. Runs: ${runs.join('; ')}.`,
    '',
    `Plots: ${plots.join(' · ') || 'none'}. Full tables and notes: [${resultsRel}/SUMMARY.md](${resultsRel}/SUMMARY.md).`,
    '',
    README_MARKERS.end,
  ].join('\n');
  const next = text.slice(0, a) + block + text.slice(b + README_MARKERS.end.length);
  if (next === text) return false;
  writeFileSync(readmePath, next);
  return true;
}

/** A failed part's result, so a missing dependency shows up in SUMMARY.md instead of vanishing. */
export function failedPart(part: PartName, error: unknown, config: Record<string, unknown> = {}): PartResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    schema: SCHEMA,
    part,
    stamp: makeStamp(),
    status: 'failed',
    error: message.split('\n')[0] ?? message,
    config,
    models: {},
    headline: [],
    tables: [],
    notes: [],
    plots: [],
    results: null,
  };
}
