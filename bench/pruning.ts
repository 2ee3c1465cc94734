/**
 * @module pruning
 * `npm run bench -- pruning`: what progressive pruning saves and what it costs. Quality and upstream tokens come from
 * the in-process simulator (`pruning-quality.ts`; judged by the simulator's true attributes), across k, answer length
 * and prefix informativeness ρ, plus a schedule sweep; latency (TTFT, total) and the tokens a real HTTP upstream wrote
 * come from child processes (`pruning-latency.ts`); prompt-prefix sharing per directive placement from
 * `prefix-share.ts`. Tables, headline and the plot are assembled in `pruning-report.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PruneOptions } from '../core/types.js';
import { PRUNE_FAST } from '../middleware/prune-options.js';
import { createOnnxScorer, ensureReferenceModel } from '../scorers/index.js';
import { measurePrefixShare, type PrefixShare } from './prefix-share.js';
import { runLatency, type LatencyCell, type LatencyOptions } from './pruning-latency.js';
import { QualityRig, type LengthName, type QualityCell, type QualityCellSpec, type World } from './pruning-quality.js';
import { pruningResult } from './pruning-report.js';
import type { Mode, PartResult } from './report.js';

/** A schedule variant of the sweep. */
export interface SweepPoint {
  label: string;
  prune: PruneOptions;
}

/** Options of {@link runPruningBench}. */
export interface PruningOptions {
  outDir: string;
  command: string;
  world: World;
  ks: number[];
  lengths: LengthName[];
  rhos: number[];
  /** Prompts per cell at k = 8 with long answers (the issue's headline) and in every other cell. */
  nHeadline: number;
  nOther: number;
  /** The pruning settings under test (the engine's defaults unless changed). */
  prune: PruneOptions;
  /** The documented fast settings (≥ 3× and early streaming), measured beside the default on long answers. */
  fast: PruneOptions;
  /** Schedule sweep at k = 8, long answers, ρ = `sweepRho`. */
  sweep: SweepPoint[];
  sweepRho: number;
  nSweep: number;
  /** Directive placement `suffix` against `system`, full RPS, short answers. */
  nPlacement: number;
  nPrefix: number;
  latency: Omit<LatencyOptions, 'coverage' | 'angleDeg' | 'qualitySpread' | 'prune' | 'fast'>;
}

/** Everything measured. */
export interface PruningResults {
  cells: QualityCell[];
  sweep: Array<QualityCell & { label: string }>;
  placement: QualityCell;
  prefix: PrefixShare[];
  latency: LatencyCell[];
}

/**
 * Labels: decision points, then `+ commit` when the last point keeps one, then `+ forecast` when partial answers are
 * ranked by the learned forecast (`prune.forecast`) instead of their raw scores.
 */
const RAW = { forecast: false } as const;
const SWEEP: SweepPoint[] = [
  { label: '256', prune: { schedule: [256] } },
  { label: '192, 320 (default)', prune: {} },
  { label: '192, 320 + forecast', prune: { forecast: true } },
  { label: '128, 256', prune: { schedule: [128, 256] } },
  { label: '128, 256 + forecast', prune: { schedule: [128, 256], forecast: true } },
  { label: '64, 128', prune: { schedule: [64, 128] } },
  { label: '64, 128 + forecast', prune: { schedule: [64, 128], forecast: true } },
  { label: '192, 320 + commit', prune: { commit_at_last: true } },
  { label: '192, 320 + commit + forecast', prune: { commit_at_last: true, forecast: true } },
  { label: '64, 128, 256 + commit', prune: { ...PRUNE_FAST, ...RAW } },
  { label: '64, 128, 256 + commit + forecast (fast)', prune: PRUNE_FAST },
  { label: '32, 64, 128, 256 + commit', prune: { ...PRUNE_FAST, ...RAW, schedule: [32, 64, 128, 256] } },
  { label: '32, 64, 128, 256 + commit + forecast', prune: { ...PRUNE_FAST, schedule: [32, 64, 128, 256] } },
];

/** Settings per mode. */
export function pruningPreset(mode: Mode): Omit<PruningOptions, 'outDir' | 'command'> {
  const pick = <T>(full: T, quick: T, tiny: T): T => ({ full, quick, tiny })[mode];
  return {
    world: { coverage: { fromDeg: -45, toDeg: 0 }, angleDeg: 30, qualitySpread: 0.8, seed: 12, concurrency: 8 },
    ks: pick([5, 8, 16], [5, 8, 16], [8]),
    lengths: pick(['short', 'long'], ['short', 'long'], ['long']),
    rhos: pick([0, 0.5, 1], [0, 0.5, 1], [0.5]),
    // --quick keeps the headline at the issue's n = 1000 (its target is stated there) and cuts the rest.
    nHeadline: pick(1000, 1000, 3),
    nOther: pick(300, 60, 2),
    prune: {},
    fast: PRUNE_FAST,
    sweep: mode === 'tiny' ? SWEEP.slice(0, 2) : SWEEP,
    sweepRho: 0.5,
    nSweep: pick(300, 60, 2),
    nPlacement: pick(1000, 200, 3),
    nPrefix: pick(16, 8, 1),
    latency: {
      ks: pick([5, 8, 16], [5, 8, 16], [3]),
      lengths: pick(['short', 'long'], ['short', 'long'], ['long']),
      rounds: pick(6, 3, 1),
      upstream: mode === 'tiny' ? { ttftMs: 20, tokensPerSecond: 4000 } : { ttftMs: 200, tokensPerSecond: 150 },
      rho: 0.5,
    },
  };
}

/** Runs the benchmark; the caller writes the JSON. */
export async function runPruningBench(opts: PruningOptions): Promise<PartResult<PruningResults>> {
  const log = (line: string) => console.log(line);
  const scorer = await createOnnxScorer({
    modelDir: await ensureReferenceModel(),
    device: 'cpu',
    logger: { info: () => {}, warn: (m) => console.warn(m) },
  });
  let quality: Omit<PruningResults, 'latency'>;
  try {
    const rig = new QualityRig(scorer, opts.world);
    const cells: QualityCell[] = [];
    const run = async (spec: QualityCellSpec) => {
      const cell = await rig.cell(spec);
      cells.push(cell);
      log(
        `[pruning] ${spec.setting}${spec.pruner && spec.pruner !== 'model' ? ` (${spec.pruner})` : ''} ${spec.length} k=${spec.k} ρ=${spec.rho} n=${spec.n}: tokens ${cell.fullTokens.toFixed(0)} → ${cell.prunedTokens.toFixed(0)} (${cell.tokenRatio.toFixed(2)}×), score ${(100 * cell.score.value).toFixed(1)}% W/L/T ${cell.wins}/${cell.losses}/${cell.ties}`,
      );
    };
    const nFor = (k: number, length: LengthName) => (k === 8 && length === 'long' ? opts.nHeadline : opts.nOther);
    for (const length of opts.lengths)
      for (const k of opts.ks)
        for (const rho of opts.rhos)
          await run({ k, length, rho, prune: opts.prune, n: nFor(k, length), setting: 'default' });
    // The fast settings only differ where answers outlast the first decision points.
    for (const k of opts.ks)
      for (const rho of opts.rhos)
        await run({ k, length: 'long', rho, prune: opts.fast, n: nFor(k, 'long'), setting: 'fast' });
    // Diagnostics: the fast cuts with partial answers ranked by their raw reward-model scores (what the forecast
    // improves on), and by the simulator's truth (see Pruner: what a perfect judge of prefixes would do).
    const raw = { ...opts.fast, forecast: false };
    if (opts.ks.includes(8))
      for (const pruner of ['model', 'oracle-prefix', 'oracle-final'] as const)
        for (const rho of opts.rhos)
          await run({ k: 8, length: 'long', rho, prune: raw, n: opts.nHeadline, setting: 'fast, raw scores', pruner });
    const sweep = [];
    for (const point of opts.sweep) {
      const cell = await rig.cell({ k: 8, length: 'long', rho: opts.sweepRho, prune: point.prune, n: opts.nSweep });
      sweep.push({ ...cell, label: point.label });
      log(
        `[pruning] sweep ${point.label}: ${cell.tokenRatio.toFixed(2)}×, score ${(100 * cell.score.value).toFixed(1)}%`,
      );
    }
    const placement = await rig.placements({ k: 8, length: 'short', rho: 1, n: opts.nPlacement }, 'system', 'suffix');
    log(`[pruning] placement suffix vs system: score ${(100 * placement.score.value).toFixed(1)}%`);
    const prefix = await measurePrefixShare(rig, { scorer, k: 8, n: opts.nPrefix, angleDeg: opts.world.angleDeg });
    quality = { cells, sweep, placement, prefix };
  } finally {
    await scorer.close();
  }
  const latency = await runLatency(
    {
      ...opts.latency,
      coverage: opts.world.coverage,
      angleDeg: opts.world.angleDeg,
      qualitySpread: opts.world.qualitySpread,
      prune: opts.prune,
      fast: opts.fast,
    },
    log,
  );
  const result = pruningResult(opts, { ...quality, latency });
  for (const [name, svg] of Object.entries(result.svgs)) writeFileSync(join(opts.outDir, name), svg);
  return result.part;
}
