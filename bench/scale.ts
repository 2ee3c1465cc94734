/**
 * @module bench/scale
 * `npm run bench -- scale`: prefsel beyond one process, on one machine over loopback.
 * 1. Scoring: the embedded scorer vs one and two `prefsel serve-scorer` processes (KServe v2, JSON and binary
 *    tensors) at two concurrencies (`scale-scoring.ts`).
 * 2. Limits: three proxy replicas with one per-key limit, with and without a shared Redis (`scale-limits.ts`).
 * 3. Failover: one of two scorer processes killed during a load through a proxy (`scale-failover.ts`).
 * The model is a BERT with random weights (throughput, not quality, is measured); the upstream is prefsel's simulator.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../test/redis-server.js';
import { stopAll, type ChildServer } from './procs.js';
import { SCHEMA, makeStamp, markdownTable, type Headline, type Mode, type PartResult } from './report.js';
import { measureFailover, type FailoverRun } from './scale-failover.js';
import { measureLimits, type LimitRun } from './scale-limits.js';
import { startProxy, startScorerServer } from './scale-procs.js';
import { measureScoring, SCORING_TARGETS, type ScoringCell, type ScoringTarget } from './scale-scoring.js';
import { BENCH_SHAPES, ensureBenchModel, makeWorkload, paramCount } from './scoring-models.js';
import { startUpstream } from './servers.js';
import { median, ratio } from './stats.js';
import { barChart } from './svg.js';

/** Settings of {@link runScaleBench}. */
export interface ScaleOptions {
  outDir: string;
  command: string;
  shape: string;
  k: number;
  concurrency: number[];
  durationS: number;
  warmupS: number;
  rounds: number;
  limit: number;
  limitSent: number;
  failoverS: number;
  failoverConcurrency: number;
}

/** Settings per mode. */
export function scalePreset(mode: Mode): Omit<ScaleOptions, 'outDir' | 'command'> {
  if (mode === 'tiny') {
    return {
      shape: '2x64',
      k: 2,
      concurrency: [4],
      durationS: 1,
      warmupS: 0.5,
      rounds: 1,
      limit: 10,
      limitSent: 30,
      failoverS: 4,
      failoverConcurrency: 4,
    };
  }
  if (mode === 'quick') {
    return {
      shape: '6x384',
      k: 5,
      concurrency: [16, 64],
      durationS: 6,
      warmupS: 2,
      rounds: 1,
      limit: 100,
      limitSent: 300,
      failoverS: 16,
      failoverConcurrency: 16,
    };
  }
  return {
    shape: '6x384',
    k: 5,
    concurrency: [16, 64],
    durationS: 15,
    warmupS: 3,
    rounds: 2,
    limit: 100,
    limitSent: 300,
    failoverS: 30,
    failoverConcurrency: 16,
  };
}

/** Everything measured. */
export interface ScaleResults {
  scoring: ScoringCell[];
  limits: LimitRun[];
  failover: FailoverRun;
}

const log = (line: string) => console.log(line);

/** Runs the three measurements and returns the part's result. */
export async function runScaleBench(options: ScaleOptions): Promise<PartResult<ScaleResults>> {
  const stamp = makeStamp(options.command);
  const shape = BENCH_SHAPES[options.shape];
  if (!shape) throw new Error(`unknown shape ${options.shape}`);
  const modelDir = await ensureBenchModel(shape);
  const dir = mkdtempSync(join(tmpdir(), 'prefsel-scale-'));
  const children: Array<ChildServer | undefined> = [];
  const redis = await startRedis();
  try {
    const servers = [
      await startScorerServer({ modelDir, name: 'rm' }),
      await startScorerServer({ modelDir, name: 'rm' }),
    ];
    children.push(...servers);
    const workload = makeWorkload({
      requests: 64,
      candidates: options.k,
      promptWords: [20, 60],
      responseWords: [30, 150],
      seed: 7,
    });
    log('[scale] scoring: embedded vs remote');
    const scoring = await measureScoring({ modelDir, modelName: 'rm', servers, workload, log, ...options });

    const upstream = await startUpstream({ ttftMs: 20, tokensPerSecond: 0 });
    children.push(upstream);
    const upstreamUrl = String(upstream.info.url);
    log('[scale] limits: three replicas');
    const limits = await measureLimits({
      dir,
      upstreamUrl,
      redisUrl: redis.url,
      limit: options.limit,
      sent: options.limitSent,
      concurrency: 32,
      log,
    });

    log('[scale] failover: kill one of two scorer processes under load');
    const proxy = await startProxy({
      dir,
      name: 'failover-proxy',
      settings: {
        'upstream-url': upstreamUrl,
        k: options.k,
        scorers: {
          remote: { type: 'kserve', endpoints: servers.map((s) => s.url), model: 'rm', 'model-dir': modelDir },
        },
      },
    });
    children.push(proxy);
    const failover = await measureFailover({
      proxy,
      victim: servers[0]!,
      scorer: 'remote',
      durationS: options.failoverS,
      concurrency: options.failoverConcurrency,
      k: options.k,
      log,
    });

    const results: ScaleResults = { scoring, limits, failover };
    const plots = writePlots(options, scoring);
    return {
      schema: SCHEMA,
      part: 'scale',
      stamp,
      status: 'ok',
      config: { ...options },
      models: {
        scorer: {
          ...shape,
          parameters: paramCount(shape),
          weights: 'random (throughput only)',
          candidatesPerRequest: options.k,
        },
        upstream: { simulated: true, ttftMs: 20 },
      },
      headline: headline(options, results),
      tables: tables(options, results),
      notes: [
        'All processes share one machine over loopback: a remote scorer adds serialisation, HTTP and a second tokenizer-free process, it cannot add compute here. On separate (GPU) machines the scorer tier scales out instead.',
        'Each scorer process runs one ONNX Runtime worker per core (so two scorer processes oversubscribe the cores 2:1); the caller tokenizes on its own thread in every set-up.',
        'Scoring cells run side by side in one run, target order rotated per round; figures are medians over rounds. CPU ms per candidate sums the caller and both scorer processes.',
        'Limits: 3 `prefsel serve` replicas, fed round-robin by one client key, window 600 s (so the whole load falls in one window), strategy none.',
        'Failover: SIGKILL of scorer process 0 halfway through a constant load; a request counts as lost when it does not answer 200.',
      ],
      plots,
      results,
    };
  } finally {
    await stopAll(children);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

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

function headline(options: ScaleOptions, r: ScaleResults): Headline[] {
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

function tables(options: ScaleOptions, r: ScaleResults) {
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

function writePlots(options: ScaleOptions, cells: readonly ScoringCell[]): string[] {
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
