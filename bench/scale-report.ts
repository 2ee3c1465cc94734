/**
 * @module bench/scale-report
 * The scale part's headline, tables and plot from its measurements, and the README block that shows its tables.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable, type Headline, type PartResult } from './report.js';
import type { ScaleOptions, ScaleResults } from './scale.js';
import { SCORING_TARGETS, type ScoringCell, type ScoringTarget } from './scale-scoring.js';
import { median, ratio } from './stats.js';
import { barChart } from './svg.js';

/** A number with `digits` decimals ('n/a' when not finite). */
function fixed(value: number | null | undefined, digits: number): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Median over rounds of one target at one concurrency. */
function cell(
  cells: readonly ScoringCell[],
  target: ScoringTarget,
  concurrency: number,
  key: keyof ScoringCell,
): number {
  return median(cells.filter((c) => c.target === target && c.concurrency === concurrency).map((c) => Number(c[key])));
}

/** The headline figures. */
export function headline(options: ScaleOptions, r: ScaleResults): Headline[] {
  const [low, high] = [options.concurrency[0]!, options.concurrency.at(-1)!];
  const thr = (t: ScoringTarget, c: number) => cell(r.scoring, t, c, 'candidatesPerS');
  const redis = r.limits.find((l) => l.store === 'redis');
  const memory = r.limits.find((l) => l.store === 'memory');
  return [
    {
      figure: `Remote scorer (1 process, binary) throughput / embedded, concurrency ${low}`,
      value: fixed(ratio(thr('remote-1-binary', low), thr('embedded', low)), 2),
    },
    {
      figure: `Binary / JSON tensors throughput (1 process, concurrency ${high})`,
      value: fixed(ratio(thr('remote-1-binary', high), thr('remote-1-json', high)), 2),
    },
    {
      figure: `Two scorer processes / one (binary, concurrency ${high}, same machine)`,
      value: fixed(ratio(thr('remote-2-binary', high), thr('remote-1-binary', high)), 2),
    },
    {
      figure: 'Limit exactness, 3 replicas + Redis (admitted / limit)',
      value: fixed(redis?.ratio, 2),
      target: '1.00',
      met: redis ? redis.admitted === redis.limit : null,
    },
    { figure: 'Same limit, 3 replicas without Redis (admitted / limit)', value: fixed(memory?.ratio, 2) },
    {
      figure: 'Requests lost beyond those in flight when a scorer process dies',
      value: String(r.failover.lostBeyondInFlight),
      target: '0',
      met: r.failover.lostBeyondInFlight === 0,
    },
    {
      figure: 'Requests lost among those in flight at the kill',
      value: `${r.failover.failed - r.failover.lostBeyondInFlight} of ${r.failover.inFlightAtKill}`,
    },
    {
      figure: 'Time from the kill to the endpoint out of rotation',
      value: r.failover.markedDownMs === null ? 'not seen' : `${fixed(r.failover.markedDownMs, 0)} ms`,
    },
  ];
}

/** The three tables: scoring, limits, failover. */
export function tables(options: ScaleOptions, r: ScaleResults) {
  const rows = SCORING_TARGETS.flatMap((t) =>
    options.concurrency.map((c) => [
      t,
      c,
      fixed(cell(r.scoring, t, c, 'candidatesPerS'), 1),
      fixed(ratio(cell(r.scoring, t, c, 'candidatesPerS'), cell(r.scoring, 'embedded', c, 'candidatesPerS')), 2),
      fixed(cell(r.scoring, t, c, 'p50Ms'), 0),
      fixed(cell(r.scoring, t, c, 'p99Ms'), 0),
      fixed(cell(r.scoring, t, c, 'cpuMsPerCandidate'), 1),
      r.scoring.filter((x) => x.target === t && x.concurrency === c).reduce((n, x) => n + x.errors, 0),
    ]),
  );
  const f = r.failover;
  return [
    {
      title: `Scoring, k = ${options.k} candidates per call (medians over ${options.rounds} round(s))`,
      columns: [
        'set-up',
        'concurrency',
        'candidates/s',
        '× embedded',
        'p50 ms',
        'p99 ms',
        'CPU ms/candidate',
        'errors',
      ],
      rows,
    },
    {
      title: 'One per-key request limit across three replicas',
      columns: ['store', 'replicas', 'limit', 'sent', 'admitted', 'refused (429)', 'other', 'admitted / limit'],
      rows: r.limits.map((l) => [
        l.store,
        l.replicas,
        l.limit,
        l.sent,
        l.admitted,
        l.refused,
        l.other,
        fixed(l.ratio, 2),
      ]),
    },
    {
      title: `Killing one of two scorer processes (${f.concurrency} concurrent clients, ${f.durationS} s, kill at half time)`,
      columns: [
        'requests',
        'failed',
        'in flight at kill',
        'lost beyond in flight',
        'out of rotation after',
        'p50 before',
        'worst across kill',
        'p50 after',
      ],
      rows: [
        [
          f.requests,
          f.failed,
          f.inFlightAtKill,
          f.lostBeyondInFlight,
          f.markedDownMs === null ? 'not seen' : `${fixed(f.markedDownMs, 0)} ms`,
          `${fixed(f.p50BeforeMs, 0)} ms`,
          `${fixed(f.worstAcrossKillMs, 0)} ms`,
          `${fixed(f.p50AfterMs, 0)} ms`,
        ],
      ],
    },
  ];
}

/** Writes the throughput plot; returns its file name. */
export function writePlots(options: ScaleOptions, cells: readonly ScoringCell[]): string[] {
  const name = 'scale-scoring.svg';
  const svg = barChart({
    title: 'Scoring throughput: embedded vs remote prefsel scorer processes',
    yLabel: 'candidates / s',
    categories: options.concurrency.map((c) => `concurrency ${c}`),
    series: SCORING_TARGETS.map((t) => ({
      name: t,
      values: options.concurrency.map((c) => {
        const values = cells.filter((x) => x.target === t && x.concurrency === c).map((x) => x.candidatesPerS);
        return { y: median(values), lo: Math.min(...values), hi: Math.max(...values) };
      }),
    })),
  });
  writeFileSync(join(options.outDir, name), svg);
  return [name];
}

/**
 * Rewrites the README block between `<!-- scale-tables:start -->` and `<!-- scale-tables:end -->` with a result's
 * tables and its provenance, so the figures in the deployment section are always the latest committed run's.
 * @returns whether the file carried the markers.
 */
export function updateScaleTables(readmePath: string, result: PartResult): boolean {
  if (!existsSync(readmePath) || result.status !== 'ok') return false;
  const text = readFileSync(readmePath, 'utf8');
  const pattern = /(<!-- scale-tables:start -->\n)[\s\S]*?(<!-- scale-tables:end -->)/;
  if (!pattern.test(text)) return false;
  const m = result.stamp.machine;
  const body = [
    ...result.tables.flatMap((t) => [`**${t.title}**`, '', markdownTable(t), '']),
    `Run: \`${result.stamp.command}\` (${result.stamp.date.slice(0, 16).replace('T', ' ')} UTC, git ${result.stamp.gitCommit}, ` +
      `${m.cpuModel}, ${m.cores} cores, load ${m.loadavg1} at the start). Notes: [bench/results/SUMMARY.md](bench/results/SUMMARY.md).`,
    '',
  ].join('\n');
  writeFileSync(
    readmePath,
    text.replace(pattern, (_all, start: string, end: string) => `${start}\n${body}\n${end}`),
  );
  return true;
}
