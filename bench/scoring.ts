/**
 * @module bench/scoring
 * Scoring throughput: prefsel's ONNX scorer (dynamic batching on and off) against transformers.js'
 * `text-classification` pipeline, on the same BERT-shaped model directories with RANDOM weights, in one process
 * and one run, alternating engines so that a busy machine slows all of them alike. Measures candidates/s and
 * tokens/s against concurrency (clients each scoring k = 5 candidates per request) and against batch size.
 *
 * `npx tsx bench/scoring.ts [--quick] [--device cpu|cuda|auto] [--shapes 6x384,12x768] [--concurrency 1,4,16] [--repeats N]
 * [--out DIR]`
 * writes `<out>/scoring.json`, `<out>/scoring.md` and `<out>/scoring-concurrency.svg`.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { cudaUnavailableReason } from '../scorers/onnx/session.js';
import { RESULTS_DIR, fmt } from './report.js';
import type { PartResult } from './report.js';
import { prefselEngine, runBatches, runConcurrent, transformersEngine } from './scoring-engines.js';
import type { BenchEngine, RunTiming } from './scoring-engines.js';
import { BENCH_MODELS_DIR, BENCH_SHAPES, ensureBenchModel, makeWorkload, paramCount } from './scoring-models.js';
import { scoringReport } from './scoring-report.js';
import { median, spread } from './stats.js';
import type { Spread } from './stats.js';

/** Options of {@link runScoringBench}; everything has a preset (`quick` or full). */
export interface ScoringBenchOptions {
  /** Small model and few runs: seconds, for smoke tests. @default false */
  readonly quick?: boolean;
  /** `cpu`; `cuda` (runs CUDA and CPU side by side); `auto` (CUDA too when installed). @default 'cpu' */
  readonly device?: string;
  /** Shape keys of {@link BENCH_SHAPES}. @default quick ? ['2x64'] : ['6x384', '12x768'] */
  readonly shapes?: readonly string[];
  readonly concurrency?: readonly number[];
  readonly batchSizes?: readonly number[];
  /** Timed repeats per cell (medians are reported). */
  readonly repeats?: number;
  /** Requests (of 5 candidates) per concurrency run; at least the concurrency. */
  readonly requests?: number;
  /** Where scoring.json/.md/.svg go; `null` writes nothing. @default bench/results */
  readonly outDir?: string | null;
  /** Where benchmark models are built and reused. @default .models/bench */
  readonly modelsDir?: string;
  /** Compare against transformers.js. @default true */
  readonly transformersJs?: boolean;
  readonly command?: string;
  readonly log?: (line: string) => void;
}

/** One measured cell. */
export interface ScoringCell {
  readonly model: string;
  readonly device: string;
  readonly engine: string;
  readonly provider: string;
  readonly mode: 'concurrency' | 'batch';
  /** Concurrency or batch size. */
  readonly x: number;
  readonly candidatesPerSec: Spread;
  readonly tokensPerSec: Spread;
  /** Candidates per CPU-second of the whole process. */
  readonly candidatesPerCpuSec: Spread;
  readonly p50LatencyMs: number | null;
  /** prefsel dynamic batching only. */
  readonly meanBatchSize: number | null;
}

const K = 5;
const ENGINE_KEYS = ['dynamic', 'direct', 'transformersJs'] as const;

function preset(o: ScoringBenchOptions) {
  const quick = o.quick ?? false;
  return {
    quick,
    device: o.device ?? 'cpu',
    shapes: o.shapes ?? (quick ? ['2x64'] : ['6x384', '12x768']),
    concurrency: o.concurrency ?? (quick ? [1, 16] : [1, 4, 16]),
    batchSizes: o.batchSizes ?? (quick ? [1, 8] : [1, 8, 32]),
    repeats: o.repeats ?? (quick ? 1 : 3),
    requests: o.requests ?? (quick ? 8 : 32),
    outDir: o.outDir === undefined ? RESULTS_DIR : o.outDir,
    modelsDir: o.modelsDir ?? BENCH_MODELS_DIR,
    transformersJs: o.transformersJs ?? true,
    log: o.log ?? ((line: string) => console.log(`[scoring] ${line}`)),
  };
}

function devicesFor(device: string): Array<'cpu' | 'cuda'> {
  if (device === 'cpu') return ['cpu'];
  if (device === 'cuda') return ['cuda', 'cpu'];
  return cudaUnavailableReason() === undefined ? ['cuda', 'cpu'] : ['cpu'];
}

/** Runs the benchmark and (unless `outDir` is null) writes its JSON, markdown and plot. */
export async function runScoringBench(
  options: ScoringBenchOptions = {},
): Promise<PartResult<{ cells: ScoringCell[] }>> {
  const p = preset(options);
  const cells: ScoringCell[] = [];
  const notes: string[] = [];
  const models: Record<string, unknown> = {};
  for (const key of p.shapes) {
    const shape = BENCH_SHAPES[key];
    if (!shape)
      throw new TypeError(`Unknown shape \`${key}\`; expected one of ${Object.keys(BENCH_SHAPES).join(', ')}`);
    const dir = await ensureBenchModel(shape, p.modelsDir);
    models[shape.name] = {
      layers: shape.layers,
      hidden: shape.hidden,
      heads: shape.heads,
      params: paramCount(shape),
      weights: 'random weights',
      dir,
    };
    // The BERT-base shape costs ~8× the small one: fewer requests, repeats and concurrency levels keep the full
    // run near 15 minutes on 2 cores (unless the caller set them).
    const heavy = shape.hidden >= 768;
    const requests = heavy && options.requests === undefined ? Math.max(8, p.requests / 2) : p.requests;
    const shapeP = {
      ...p,
      repeats: heavy && options.repeats === undefined ? Math.min(p.repeats, 2) : p.repeats,
      concurrency:
        heavy && options.concurrency === undefined
          ? p.concurrency.filter((c) => c === 1 || c === Math.max(...p.concurrency))
          : p.concurrency,
    };
    for (const device of devicesFor(p.device)) {
      p.log(`${shape.name} on ${device}: loading engines`);
      const engines: Partial<Record<(typeof ENGINE_KEYS)[number], BenchEngine>> = {
        dynamic: await prefselEngine({ modelDir: dir, device, dynamic: true }),
        direct: await prefselEngine({ modelDir: dir, device, dynamic: false }),
      };
      if (p.transformersJs) {
        try {
          engines.transformersJs = await transformersEngine(dir, device);
        } catch (err) {
          notes.push(`transformers.js could not run on ${device}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      try {
        cells.push(...(await measureShape({ engines, dir, model: shape.name, device, requests, p: shapeP })));
      } finally {
        for (const e of Object.values(engines)) await e.close();
      }
    }
  }
  return scoringReport(cells, {
    ...p,
    models,
    notes,
    ...(options.command === undefined ? {} : { command: options.command }),
  });
}

interface MeasureArgs {
  engines: Partial<Record<(typeof ENGINE_KEYS)[number], BenchEngine>>;
  dir: string;
  model: string;
  device: string;
  requests: number;
  p: ReturnType<typeof preset>;
}

async function measureShape(a: MeasureArgs): Promise<ScoringCell[]> {
  const { engines, p } = a;
  const dyn = engines.dynamic!;
  const maxC = Math.max(...p.concurrency);
  const workload = makeWorkload({
    requests: Math.max(a.requests, maxC),
    candidates: K,
    promptWords: [15, 60],
    responseWords: [10, 250],
    seed: 42,
  });
  const tokensOf = (inputs: readonly (typeof workload)[number][]) =>
    inputs.flat().reduce((n, x) => n + (dyn.tokens?.(x) ?? 0), 0);
  const live = ENGINE_KEYS.flatMap((k) => (engines[k] ? [[k, engines[k]] as const] : []));
  // Warm-up: the first runs at a new batch shape grow ONNX Runtime's arena; one full untimed pass at the highest
  // concurrency lets every engine reach its peak shapes before anything is timed.
  for (const [, e] of live) await runConcurrent(e, workload.slice(0, Math.max(a.requests, maxC)), maxC);
  const cells: ScoringCell[] = [];
  const cell = (
    e: BenchEngine,
    mode: ScoringCell['mode'],
    x: number,
    runs: RunTiming[],
    candidates: number,
    tokens: number,
    batches: number[],
  ): ScoringCell => ({
    model: a.model,
    device: a.device,
    engine: e.name,
    provider: e.provider,
    mode,
    x,
    candidatesPerSec: spread(runs.map((r) => (candidates / r.wallMs) * 1000)),
    tokensPerSec: spread(runs.map((r) => (tokens / r.wallMs) * 1000)),
    candidatesPerCpuSec: spread(runs.map((r) => (candidates / r.cpuMs) * 1000)),
    p50LatencyMs: mode === 'concurrency' ? median(runs.map((r) => median(r.latenciesMs))) : null,
    meanBatchSize: batches.length ? candidates / (batches.reduce((s, n) => s + n, 0) / Math.max(1, runs.length)) : null,
  });

  for (const c of p.concurrency) {
    const reqs = workload.slice(0, Math.max(a.requests, c));
    const tokens = tokensOf(reqs);
    const runs = new Map<BenchEngine, RunTiming[]>();
    const batchCounts = new Map<BenchEngine, number[]>();
    for (let r = 0; r < p.repeats; r++) {
      for (const [, e] of live) {
        e.batches?.splice(0);
        (runs.get(e) ?? runs.set(e, []).get(e)!).push(await runConcurrent(e, reqs, c));
        if (e === dyn) (batchCounts.get(e) ?? batchCounts.set(e, []).get(e)!).push(e.batches?.length ?? 0);
      }
    }
    for (const [, e] of live)
      cells.push(cell(e, 'concurrency', c, runs.get(e)!, reqs.length * K, tokens, batchCounts.get(e) ?? []));
    const perSec = (e: BenchEngine) => fmt(median(runs.get(e)!.map((x) => (reqs.length * K * 1000) / x.wallMs)));
    p.log(
      `${a.model} ${a.device} concurrency ${c}: ${live.map(([, e]) => `${e.name} ${perSec(e)} cand/s`).join('; ')}`,
    );
  }

  const pool = workload.flat().slice(0, Math.max(...p.batchSizes));
  const tokens = tokensOf([pool]);
  for (const b of p.batchSizes) {
    const seq = live.filter(([k]) => k !== 'dynamic'); // sequential calls: dynamic batching has nothing to merge
    const runs = new Map<BenchEngine, RunTiming[]>();
    for (let r = 0; r < p.repeats; r++)
      for (const [, e] of seq) (runs.get(e) ?? runs.set(e, []).get(e)!).push(await runBatches(e, pool, b));
    for (const [, e] of seq) cells.push(cell(e, 'batch', b, runs.get(e)!, pool.length, tokens, []));
    p.log(`${a.model} ${a.device} batch ${b}: done`);
  }
  return cells;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      device: { type: 'string', default: 'cpu' },
      shapes: { type: 'string' },
      repeats: { type: 'string' },
      concurrency: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const result = await runScoringBench({
    quick: values.quick ?? false,
    device: values.device ?? 'cpu',
    ...(values.shapes ? { shapes: values.shapes.split(',') } : {}),
    ...(values.repeats ? { repeats: Number(values.repeats) } : {}),
    ...(values.concurrency ? { concurrency: values.concurrency.split(',').map(Number) } : {}),
    ...(values.out ? { outDir: values.out } : {}),
    command: `npx tsx bench/scoring.ts ${process.argv.slice(2).join(' ')}`.trim(),
  });
  for (const h of result.headline)
    console.log(`${h.figure}: ${h.value}${h.target ? ` (target ${h.target}: ${h.met ? 'met' : 'not met'})` : ''}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
