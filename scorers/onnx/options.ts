/**
 * @module onnx/options
 * The bounds of the scorer's and the batcher's options, declared once. {@link validateScorerOptions} checks
 * {@link OnnxScorerOptions} before anything is loaded: a bad option must fail in microseconds with its name,
 * not after seconds of model loading, and must not leave worker threads or sessions behind.
 */
import { assertInBound, assertInteger } from '../../core/bounds.js';
import type { BatcherOptions } from './batcher.js';
import type { OnnxScorerOptions } from './scorer.js';
import { DEVICES } from './session.js';
import { MIN_MAX_LENGTH } from './sidecar.js';

/**
 * Checks every field of `options` that is set, throwing a TypeError that names it (prefixed with `path`, e.g.
 * `batching.`). The one place these bounds live: the batcher's constructor and {@link validateScorerOptions} (before any
 * model is loaded) both call it.
 */
export function validateBatcherOptions(options: BatcherOptions, path = ''): void {
  const o = options;
  const at = (k: string) => `${path}${k}`;
  if (o.maxBatchSize !== undefined) assertInteger(at('maxBatchSize'), o.maxBatchSize, 1);
  if (o.maxBatchTokens !== undefined) assertInteger(at('maxBatchTokens'), o.maxBatchTokens, 1);
  if (o.maxQueue !== undefined) assertInteger(at('maxQueue'), o.maxQueue, 1);
  if (o.maxConcurrentBatches !== undefined) assertInteger(at('maxConcurrentBatches'), o.maxConcurrentBatches, 1);
  if (o.maxPadding !== undefined) assertInBound(at('maxPadding'), o.maxPadding, { min: 0, max: 1, maxExclusive: true });
  if (o.minBatchTokens !== undefined) assertInBound(at('minBatchTokens'), o.minBatchTokens, { min: 0 });
  if (o.maxWaitMs !== undefined) assertInBound(at('maxWaitMs'), o.maxWaitMs, { min: 0 });
  if (o.onBatch !== undefined && typeof o.onBatch !== 'function')
    throw new TypeError(`Expected \`${at('onBatch')}\` to be a function, got ${typeof o.onBatch}`);
  if (o.name !== undefined && typeof o.name !== 'string')
    throw new TypeError(`Expected \`${at('name')}\` to be a string, got ${typeof o.name}`);
}

/** Throws a TypeError naming the first invalid option (nested ones as `batching.maxPadding`). */
export function validateScorerOptions(options: OnnxScorerOptions): void {
  const o = options as Partial<OnnxScorerOptions> | null | undefined;
  if (o === null || typeof o !== 'object') throw new TypeError('Expected an options object with `modelDir`');
  if (typeof o.modelDir !== 'string' || o.modelDir === '')
    throw new TypeError(`Expected \`modelDir\` to be a non-empty string, got ${JSON.stringify(o.modelDir)}`);
  if (o.device !== undefined && !(DEVICES as readonly unknown[]).includes(o.device))
    throw new TypeError(`Expected \`device\` to be one of ${DEVICES.join(', ')}, got ${JSON.stringify(o.device)}`);
  if (o.maxLength !== undefined) assertInteger('maxLength', o.maxLength, MIN_MAX_LENGTH);
  if (o.workers !== undefined) assertInteger('workers', o.workers, 0);
  if (o.intraOpNumThreads !== undefined) assertInteger('intraOpNumThreads', o.intraOpNumThreads, 1);
  if (o.tokenizerWorkers !== undefined) assertInteger('tokenizerWorkers', o.tokenizerWorkers, 0);
  if (o.logger !== undefined && (typeof o.logger?.info !== 'function' || typeof o.logger?.warn !== 'function'))
    throw new TypeError('Expected `logger` to have `info` and `warn` methods');
  if (o.batching !== undefined) {
    if (o.batching === null || typeof o.batching !== 'object')
      throw new TypeError('Expected `batching` to be an object');
    const { enabled, ...rest } = o.batching;
    if (enabled !== undefined && typeof enabled !== 'boolean')
      throw new TypeError(`Expected \`batching.enabled\` to be a boolean, got ${typeof enabled}`);
    validateBatcherOptions(rest, 'batching.');
  }
}
