/**
 * @module bench/scale-scoring
 * Scoring throughput and latency of the same model embedded in the calling process and behind one or two
 * `prefsel serve-scorer` processes over loopback (KServe v2, JSON or binary tensors), at fixed concurrency: each of C
 * loops scores one request's k candidates at a time, back to back, for a fixed duration. Every cell of a round runs
 * side by side in one run (order rotated per round), so the ratios compare like with like on a shared machine.
 */
import type { Scorer } from '../core/ports.js';
import { createKServeScorer, createOnnxScorer } from '../scorers/index.js';
import type { BenchRequest } from './scoring-models.js';
import { cpuSeconds, type ChildServer } from './procs.js';
import { percentile } from './stats.js';

/** The scorer set-ups compared. */
export const SCORING_TARGETS = [
  'embedded',
  'remote-1-json',
  'remote-1-binary',
  'remote-2-json',
  'remote-2-binary',
] as const;
/** One of {@link SCORING_TARGETS}. */
export type ScoringTarget = (typeof SCORING_TARGETS)[number];

/** One measured cell. */
export interface ScoringCell {
  target: ScoringTarget;
  concurrency: number;
  round: number;
  /** Scored requests (k candidates each) per second. */
  requestsPerS: number;
  candidatesPerS: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU seconds of every process involved (caller and scorer servers) per 1000 candidates. */
  cpuMsPerCandidate: number;
}

/** Options of {@link measureScoring}. */
export interface ScoringOptions {
  modelDir: string;
  /** The v2 model name the scorer servers host. */
  modelName: string;
  servers: readonly ChildServer[];
  workload: readonly BenchRequest[];
  concurrency: readonly number[];
  durationS: number;
  warmupS: number;
  rounds: number;
  log: (line: string) => void;
}

async function drive(scorer: Scorer, workload: readonly BenchRequest[], concurrency: number, ms: number) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const request = workload[next++ % workload.length]!;
        const started = performance.now();
        try {
          await scorer.score(request);
          latencies.push(performance.now() - started);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors };
}

const quiet = { info() {}, warn() {} };

async function scorerFor(target: ScoringTarget, options: ScoringOptions): Promise<Scorer> {
  if (target === 'embedded') return createOnnxScorer({ modelDir: options.modelDir, device: 'cpu', logger: quiet });
  const count = target.startsWith('remote-2') ? 2 : 1;
  return createKServeScorer({
    name: target,
    endpoints: options.servers.slice(0, count).map((s) => s.url),
    model: options.modelName,
    modelDir: options.modelDir,
    binary: target.endsWith('binary'),
    logger: quiet,
    timeoutMs: 120_000,
  });
}

/** Runs every cell; each scorer is built once per round and measured at every concurrency. */
export async function measureScoring(options: ScoringOptions): Promise<ScoringCell[]> {
  const cells: ScoringCell[] = [];
  const k = options.workload[0]?.length ?? 1;
  const pids: Array<number | undefined> = [process.pid, ...options.servers.map((s) => s.child.pid)];
  const cpuNow = () => pids.reduce((n: number, pid) => n + cpuSeconds(pid), 0);
  for (let round = 0; round < options.rounds; round++) {
    const order = SCORING_TARGETS.map((_, i) => SCORING_TARGETS[(i + round) % SCORING_TARGETS.length]!);
    for (const target of order) {
      const scorer = await scorerFor(target, options);
      try {
        for (const concurrency of options.concurrency) {
          await drive(scorer, options.workload, concurrency, options.warmupS * 1000);
          const cpu0 = cpuNow();
          const started = performance.now();
          const { latencies, errors } = await drive(scorer, options.workload, concurrency, options.durationS * 1000);
          const seconds = (performance.now() - started) / 1000;
          const cpu = cpuNow() - cpu0;
          const candidates = latencies.length * k;
          const cell: ScoringCell = {
            target,
            concurrency,
            round,
            requestsPerS: latencies.length / seconds,
            candidatesPerS: candidates / seconds,
            p50Ms: percentile(latencies, 50),
            p99Ms: percentile(latencies, 99),
            errors,
            cpuMsPerCandidate: candidates > 0 ? (cpu * 1000) / candidates : Number.NaN,
          };
          cells.push(cell);
          options.log(
            `  scoring ${target} c${concurrency} r${round}: ${cell.candidatesPerS.toFixed(1)} cand/s, p99 ${cell.p99Ms.toFixed(0)} ms, errors ${errors}`,
          );
        }
      } finally {
        await scorer.close?.();
      }
    }
  }
  return cells;
}
