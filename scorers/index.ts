/**
 * @module scorers
 * Entry point for concrete scorers: embedding users import them from here; inside the repository only the
 * server's composition root does.
 */
export { createOnnxScorer } from './onnx/scorer.js';
export { readModelAttributes } from './onnx/spec.js';
export type { OnnxScorer, OnnxScorerInfo, OnnxScorerOptions } from './onnx/scorer.js';
export type { BatcherOptions, BatcherStats, BatchInfo } from './onnx/batcher.js';
export { DEFAULT_DEVICE, DEVICES } from './onnx/session.js';
export type { Device, ScorerLogger } from './onnx/session.js';
export { DEFAULT_REFERENCE_DIR, ensureReferenceModel } from './reference/model-dir.js';
export { REFERENCE_ATTRIBUTES } from './reference/graph.js';
