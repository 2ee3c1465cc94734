/**
 * @module schema
 * The zod schema of a written `bench/results/<part>.json`, so tests (and anyone reading results programmatically)
 * can check a file is well-formed without trusting its figures.
 */
import { z } from 'zod';
import { PARTS, SCHEMA } from './report.js';

const spreadSchema = z.object({
  median: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  p25: z.number().nullable(),
  p75: z.number().nullable(),
  n: z.number().int(),
});

/** Any part's envelope. */
export const partResultSchema = z.object({
  schema: z.literal(SCHEMA),
  part: z.enum(PARTS),
  stamp: z.object({
    date: z.iso.datetime(),
    command: z.string().min(1),
    gitCommit: z.string(),
    gitDirty: z.boolean(),
    node: z.string().startsWith('v'),
    machine: z.object({
      cpuModel: z.string(),
      cores: z.number().int().positive(),
      memoryGiB: z.number().positive(),
      gpus: z.array(z.string()),
      platform: z.string(),
      arch: z.string(),
      loadavg1: z.number(),
    }),
  }),
  status: z.enum(['ok', 'failed']),
  error: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  models: z.record(z.string(), z.unknown()),
  headline: z.array(
    z.object({
      figure: z.string(),
      value: z.string(),
      target: z.string().optional(),
      met: z.boolean().nullable().optional(),
    }),
  ),
  tables: z.array(
    z.object({
      title: z.string(),
      columns: z.array(z.string()),
      rows: z.array(z.array(z.union([z.string(), z.number()]))),
    }),
  ),
  notes: z.array(z.string()),
  plots: z.array(z.string().regex(/\.svg$/)),
  results: z.unknown(),
});

/** Overhead results: per target, spreads over rounds. */
export const overheadResultsSchema = z.record(
  z.enum(['direct', 'prefsel', 'portkey']),
  z
    .object({
      levels: z.array(
        z.object({
          connections: z.number().int(),
          p50Ms: spreadSchema,
          p99Ms: spreadSchema,
          addedP50Ms: spreadSchema,
          addedP99Ms: spreadSchema,
        }),
      ),
      maxRps: spreadSchema,
      cpuMsPerRequest: spreadSchema,
    })
    .loose(),
);

/** End-to-end results: one cell per (k, connections). */
export const e2eResultsSchema = z.object({
  cells: z.array(
    z
      .object({
        k: z.number().int(),
        connections: z.number().int(),
        maxConcurrentUpstream: z.number().int(),
        rps: spreadSchema,
        p50Ms: spreadSchema,
        p50Ratio: spreadSchema,
        server: z.record(z.string(), z.number().nullable()),
      })
      .loose(),
  ),
});

const interval = z.object({ value: z.number().nullable(), lo: z.number().nullable(), hi: z.number().nullable() });

/** Quality results: one row per target angle. */
export const qualityResultsSchema = z.object({
  angles: z.array(
    z
      .object({
        angleDeg: z.number(),
        outsideDeg: z.number(),
        n: z.number().int(),
        wins: z.number().int(),
        losses: z.number().int(),
        ties: z.number().int(),
        winRate: interval,
        rpsMean: interval,
        bonMean: interval,
        diffMean: interval,
      })
      .loose(),
  ),
});

/** `pruning.json`'s results: quality cells, the sweep, placement, prefix sharing and latency. */
export const pruningResultsSchema = z.object({
  cells: z.array(
    z
      .object({
        k: z.number().int(),
        length: z.enum(['short', 'long']),
        rho: z.number(),
        n: z.number().int(),
        wins: z.number().int(),
        losses: z.number().int(),
        ties: z.number().int(),
        score: interval,
        fullTokens: z.number(),
        prunedTokens: z.number(),
        committedShare: z.number().min(0).max(1),
        setting: z.enum(['default', 'fast', 'fast, raw scores']),
        pruner: z.enum(['model', 'oracle-prefix', 'oracle-final']).optional(),
        forecast: z.object({ warmupRuns: z.number().int(), learningShare: z.number().min(0).max(1) }).optional(),
      })
      .loose(),
  ),
  sweep: z.array(z.object({ label: z.string(), score: interval, prunedTokens: z.number() }).loose()),
  placement: z.object({ score: interval }).loose(),
  prefix: z.array(z.object({ placement: z.string(), sharedTokens: z.number(), promptTokens: z.number() })),
  latency: z.array(
    z
      .object({
        k: z.number().int(),
        variant: z.enum(['single', 'full', 'pruned', 'fast']),
        ttftMs: spreadSchema,
        countedTokens: spreadSchema,
        writtenVsCounted: z.number(),
      })
      .loose(),
  ),
});

/** Soak results: the outcome mix, the faults served, upstream aborts, memory samples and the state after the load. */
export const soakResultsSchema = z
  .object({
    mix: z.record(z.string(), z.number().int()),
    chaos: z.record(z.string(), z.number().int()),
    upstreamAborted: z.number().int(),
    // NaN (a sample that could not be read) is written as null.
    memory: z.array(z.object({ s: z.number(), rssMiB: z.number().nullable(), heapUsedMiB: z.number().nullable() })),
    after: z.object({ drainedS: z.number().nullable(), healthy: z.boolean(), proxy500s: z.number().int() }),
  })
  .loose();

const percentiles = z.object({ p50: z.number().nullable(), p99: z.number().nullable(), max: z.number().nullable() });

/** Stall results: one row per load, with the /healthz probe's latencies. */
export const stallResultsSchema = z.array(
  z
    .object({
      name: z.string(),
      requests: z.number().int(),
      concurrency: z.number().int(),
      bodyBytes: z.number().int(),
      healthz: percentiles.extend({ n: z.number().int(), errors: z.number().int() }),
      latency: percentiles,
      statuses: z.record(z.string(), z.number().int()),
    })
    .loose(),
);

/** Scale results: scoring cells, limit runs, one failover run. */
export const scaleResultsSchema = z.object({
  scoring: z.array(
    z
      .object({
        target: z.string(),
        concurrency: z.number().int(),
        candidatesPerS: z.number().nullable(),
        p99Ms: z.number().nullable(),
        errors: z.number().int(),
      })
      .loose(),
  ),
  limits: z.array(
    z.object({ store: z.enum(['redis', 'memory']), limit: z.number().int(), admitted: z.number().int() }).loose(),
  ),
  failover: z
    .object({ requests: z.number().int(), failed: z.number().int(), lostBeyondInFlight: z.number().int() })
    .loose(),
});
