/**
 * @module onnx/options
 * The bounds of the scorer's and the batcher's options, declared once. {@link validateScorerOptions} checks
 * {@link OnnxScorerOptions} before anything is loaded: a bad option must fail in microseconds with its name,
 * not after seconds of model loading, and must not leave worker threads or sessions behind.
 */
import type { BatcherOptions } from './batcher.js';
import type { OnnxScorerOptions } from './scorer.js';
import { DEVICES } from './session.js';
import { MIN_MAX_LENGTH } from './sidecar.js';

function integerAtLeast(name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new TypeError(`Expected \`${name}\` to be an integer >= ${min}, got \`${String(v)}\` (${typeof v})`);
}

function numberAtLeast(name: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    throw new TypeError(`Expected \`${name}\` to be a finite number >= ${min}, got \`${String(v)}\` (${typeof v})`);
}

/**
 * Checks every field of `options` that is set, throwing a TypeError that names it (prefixed with `path`, e.g.
 * `batching.`). The one place these bounds live: the batcher's constructor and {@link validateScorerOptions} (before any
 * model is loaded) both call it.
 */
export function validateBatcherOptions(options: BatcherOptions, path = ''): void {
  const o = options;
  const at = (k: string) => `${path}${k}`;
  if (o.maxBatchSize !== undefined) integerAtLeast(at('maxBatchSize'), o.maxBatchSize, 1);
  if (o.maxBatchTokens !== undefined) integerAtLeast(at('maxBatchTokens'), o.maxBatchTokens, 1);
  if (o.maxQueue !== undefined) integerAtLeast(at('maxQueue'), o.maxQueue, 1);
  if (o.maxConcurrentBatches !== undefined) integerAtLeast(at('maxConcurrentBatches'), o.maxConcurrentBatches, 1);
  if (o.maxPadding !== undefined && !(typeof o.maxPadding === 'number' && o.maxPadding >= 0 && o.maxPadding < 1))
    throw new TypeError(`Expected \`${at('maxPadding')}\` to be a number in [0, 1), got \`${String(o.maxPadding)}\``);
  if (o.minBatchTokens !== undefined) numberAtLeast(at('minBatchTokens'), o.minBatchTokens, 0);
  if (o.maxWaitMs !== undefined) numberAtLeast(at('maxWaitMs'), o.maxWaitMs, 0);
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
  if (o.maxLength !== undefined) integerAtLeast('maxLength', o.maxLength, MIN_MAX_LENGTH);
  if (o.workers !== undefined) integerAtLeast('workers', o.workers, 0);
  if (o.intraOpNumThreads !== undefined) integerAtLeast('intraOpNumThreads', o.intraOpNumThreads, 1);
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
