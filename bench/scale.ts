/**
 * @module bench/scale
 * `npm run bench -- scale`: prefsel beyond one process, on one machine over loopback.
 * 1. Scoring: the embedded scorer vs one and two `prefsel serve-scorer` processes (KServe v2, JSON and binary
 *    tensors) at two concurrencies (`scale-scoring.ts`).
 * 2. Limits: three proxy replicas with one per-key limit, with and without a shared Redis (`scale-limits.ts`).
 * 3. Failover: one of two scorer processes killed during a load through a proxy (`scale-failover.ts`).
 * The model is a BERT with random weights (throughput, not quality, is measured); the upstream is prefsel's simulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../test/redis-server.js';
import { stopAll, type ChildServer } from './procs.js';
import { SCHEMA, makeStamp, type Mode, type PartResult } from './report.js';
import { measureFailover, type FailoverRun } from './scale-failover.js';
import { measureLimits, type LimitRun } from './scale-limits.js';
import { startProxy, startScorerServer } from './scale-procs.js';
import { headline, tables, writePlots } from './scale-report.js';
import { measureScoring, type ScoringCell } from './scale-scoring.js';
import { BENCH_SHAPES, ensureBenchModel, makeWorkload, paramCount } from './scoring-models.js';
import { startUpstream } from './servers.js';

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
