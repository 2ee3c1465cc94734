/**
 * @module bench/scoring-engines
 * The engines the scoring benchmark compares, behind one interface: prefsel's ONNX scorer (dynamic batching on
 * or off) and transformers.js' `text-classification` pipeline, both on the same model directory, and the two
 * measurements run on each (throughput against concurrency, and against batch size).
 */
import { basename, dirname } from 'node:path';
import type { ScoreInput } from '../core/ports.js';
import { createOnnxScorer } from '../scorers/onnx/scorer.js';
import type { BatchInfo } from '../scorers/onnx/batcher.js';
import type { BenchRequest } from './scoring-models.js';

/** Something that scores a request's candidates. */
export interface BenchEngine {
  readonly name: string;
  /** The execution provider actually used. */
  readonly provider: string;
  score(inputs: ScoreInput[]): Promise<void>;
  /** Batches run since the last reset (prefsel only). */
  readonly batches?: BatchInfo[];
  /** Tokens prefsel feeds the model for `input` (prefsel only). */
  tokens?(input: ScoreInput): number;
  close(): Promise<void>;
}

/** Options of {@link prefselEngine}. */
export interface PrefselEngineOptions {
  readonly modelDir: string;
  readonly device: 'cpu' | 'cuda';
  /** Merge concurrent calls (the point of the benchmark) or run each call on its own. */
  readonly dynamic: boolean;
  readonly maxBatchSize?: number;
}

/** prefsel's scorer. */
export async function prefselEngine(opts: PrefselEngineOptions): Promise<BenchEngine> {
  const batches: BatchInfo[] = [];
  const scorer = await createOnnxScorer({
    modelDir: opts.modelDir,
    device: opts.device,
    logger: { info() {}, warn: (m) => console.warn(m) },
    batching: {
      enabled: opts.dynamic,
      maxBatchSize: opts.maxBatchSize ?? 32,
      maxBatchTokens: 16384,
      maxWaitMs: 2,
      maxQueue: 100_000,
      onBatch: (b) => batches.push(b),
    },
  });
  return {
    name: opts.dynamic ? 'prefsel (dynamic batching)' : 'prefsel (no dynamic batching)',
    provider: scorer.info.executionProvider,
    batches,
    tokens: (input) => scorer.encode(input).ids.length,
    async score(inputs) {
      await scorer.score(inputs);
    },
    close: () => scorer.close(),
  };
}

/** The text transformers.js classifies for a candidate: the conversation, a blank line, the response. */
export function pipelineText(input: ScoreInput): string {
  const prompt = input.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n\n');
  return `${prompt}\n\n${input.response}`;
}

/** transformers.js' text-classification pipeline on the same directory, local files only. */
export async function transformersEngine(modelDir: string, device: 'cpu' | 'cuda'): Promise<BenchEngine> {
  const { pipeline, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = `${dirname(modelDir)}/`;
  const pipe = await pipeline('text-classification', basename(modelDir), { dtype: 'fp32', device });
  return {
    name: 'transformers.js pipeline',
    provider: device,
    async score(inputs) {
      await pipe(inputs.map(pipelineText));
    },
    close: () => pipe.dispose(),
  };
}

/** Result of one timed run. */
export interface RunTiming {
  readonly wallMs: number;
  /**
   * CPU time of the whole process (all ONNX Runtime threads included). On a shared machine other tenants stretch
   * wall time but not this, so candidates per CPU-second compares engines more steadily.
   */
  readonly cpuMs: number;
  /** Per-request latencies (concurrency runs). */
  readonly latenciesMs: number[];
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** `concurrency` clients, each scoring requests one after another until `requests` are done. */
export async function runConcurrent(
  engine: BenchEngine,
  requests: readonly BenchRequest[],
  concurrency: number,
): Promise<RunTiming> {
  let next = 0;
  const latenciesMs: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const client = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      const t = performance.now();
      await engine.score(req);
      latenciesMs.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { wallMs: performance.now() - started, cpuMs: cpuMsSince(cpu), latenciesMs };
}

/** Scores `pool` in consecutive calls of `batchSize` candidates, one call at a time. */
export async function runBatches(
  engine: BenchEngine,
  pool: readonly ScoreInput[],
  batchSize: number,
): Promise<RunTiming> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < pool.length; i += batchSize) await engine.score(pool.slice(i, i + batchSize));
  return { wallMs: performance.now() - started, cpuMs: cpuMsSince(cpu), latenciesMs: [] };
}
