/**
 * @module engine
 * The engine in-process for the selection-quality bench: `createSelector` over the simulated model (called
 * directly, see `sim-generator.ts`) and the built-in reference reward model on CPU. No HTTP anywhere.
 */
import type { Selector } from '../core/selector.js';
import { createSelector } from '../middleware/index.js';
import { createOnnxScorer, ensureReferenceModel } from '../scorers/index.js';
import { createSimGenerator } from './sim-generator.js';

/** Options of {@link createBenchEngine}. */
export interface BenchEngineOptions {
  /** The simulated model's covered directions. */
  coverage: { fromDeg: number; toDeg: number };
  /** σ of the competence fall-off, degrees; simulator default 25. */
  falloffDeg?: number;
}

/** A selector plus what to report about it and how to release it. */
export interface BenchEngine {
  selector: Selector;
  /** Model shapes for the result stamp. */
  models: Record<string, unknown>;
  close(): Promise<void>;
}

/** Builds the in-process engine (the reference model is built on first use and cached under `.models/`). */
export async function createBenchEngine(options: BenchEngineOptions): Promise<BenchEngine> {
  const falloffDeg = options.falloffDeg ?? 25;
  const generator = createSimGenerator({ coverage: options.coverage, falloffDeg });
  const modelDir = await ensureReferenceModel();
  // The one provider line goes nowhere: bench output stays readable.
  const scorer = await createOnnxScorer({
    modelDir,
    device: 'cpu',
    logger: { info: () => {}, warn: (m) => console.warn(m) },
  });
  const selector = createSelector({ generator, scorer, maxConcurrentUpstream: 256 });
  return {
    selector,
    models: {
      generator: { simulated: true, inProcess: true, coverage: options.coverage, falloffDeg },
      scorer: { ...scorer.info, attributes: scorer.attributes, reference: true },
    },
    close: () => scorer.close(),
  };
}
