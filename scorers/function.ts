/**
 * @module function-scorer
 * A {@link Scorer} from a plain function, for embedding apps (a heuristic, a remote judge) and tests. The function
 * rates one candidate at a time and returns its scores as an array in attribute order or a record by name; calls for
 * one batch run concurrently.
 */
import { ScorerError } from '../core/errors.js';
import type { Scorer, ScoreInput } from '../core/ports.js';

/** What a scoring function may return for one candidate. */
export type FunctionScore = number[] | Record<string, number>;

/** Options of {@link createFunctionScorer}. */
export interface FunctionScorerOptions {
  /** Attribute names, the order of each score row. */
  attributes: readonly string[];
  /** Rates one candidate. A record must name every attribute; an array must have one number per attribute. */
  score: (input: ScoreInput) => FunctionScore | Promise<FunctionScore>;
  /** Reported as `info.model`; default `function`. */
  name?: string;
}

/**
 * Wraps a function as a {@link Scorer}.
 * @returns a scorer whose `info.executionProvider` is `js`.
 * @throws ScorerError (from `score()`) when the function returns the wrong shape or a non-finite number.
 * @example
 * const scorer = createFunctionScorer({
 *   attributes: ['helpfulness', 'verbosity'],
 *   score: ({ response }) => ({ helpfulness: response.includes('because') ? 80 : 40, verbosity: response.length / 10 }),
 * });
 */
export function createFunctionScorer(options: FunctionScorerOptions): Scorer {
  const attributes = [...options.attributes];
  if (attributes.length === 0 || new Set(attributes).size !== attributes.length) {
    throw new RangeError('createFunctionScorer: attributes must be a non-empty list of distinct names');
  }
  return {
    attributes,
    info: { model: options.name ?? 'function', executionProvider: 'js' },
    async score(inputs, callOptions = {}) {
      callOptions.signal?.throwIfAborted();
      const rows = await Promise.all(inputs.map(async (input) => toRow(await options.score(input), attributes)));
      callOptions.signal?.throwIfAborted();
      return rows;
    },
  };
}

function toRow(value: FunctionScore, attributes: readonly string[]): number[] {
  const row = Array.isArray(value)
    ? value
    : attributes.map((name) => (value as Record<string, number>)[name] ?? Number.NaN);
  if (row.length !== attributes.length) {
    throw new ScorerError(
      `The scoring function returned ${row.length} scores; expected ${attributes.length} (${attributes.join(', ')}).`,
    );
  }
  const bad = row.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) {
    throw new ScorerError(
      `The scoring function returned no finite score for "${attributes[bad]}" (got ${String(row[bad])}).`,
    );
  }
  return row;
}
