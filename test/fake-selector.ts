/**
 * A controllable selector for HTTP-layer tests: the test decides what `select()` returns and when, so streaming
 * paths (headers held back, keep-alives, late errors) are exercised without timing assumptions. `selectionOf` builds
 * a realistic finished selection (longest text wins) from candidate texts.
 */
import type { Generator, Scorer } from '../core/ports.js';
import type { SelectCallOptions, Selector, SelectRequest } from '../core/selector.js';
import type { CandidateReport, Selection } from '../core/types.js';
import { BASE_DEFAULTS, DEFAULT_MAX_K } from '../middleware/selection-options.js';

const attributes = ['helpfulness', 'verbosity'] as const;
const usage = (n: number) => ({ prompt_tokens: 10, completion_tokens: n, total_tokens: 10 + n });

/** A finished selection over these candidate texts: projection = length, so the longest is chosen. */
export function selectionOf(texts: string[], strategy: Selection['strategy'] = 'rps'): Selection {
  const target = { vector: [1, 0], weights: { helpfulness: 1, verbosity: 0 }, offsetDeg: 0, angleDeg: 0 };
  const candidates: CandidateReport[] = texts.map((text, index) => ({
    index,
    direction: { ...target, offsetDeg: index * 5, angleDeg: index * 5 },
    status: 'ok',
    message: { role: 'assistant', content: text },
    finishReason: 'stop',
    scores: { helpfulness: text.length, verbosity: 0 },
    projection: text.length,
    chosen: false,
    usage: usage(text.length),
    latencyMs: 5,
  }));
  const ranked = [...candidates].sort((a, b) => b.projection! - a.projection!);
  ranked.forEach((c, rank) => Object.assign(c, { rank, chosen: rank === 0 }));
  const total = texts.reduce((s, t) => s + t.length, 0);
  return {
    strategy,
    target,
    attributes,
    candidates,
    ranked,
    chosen: ranked[0]!,
    usage: { prompt_tokens: 10 * texts.length, completion_tokens: total, total_tokens: 10 * texts.length + total },
    timings: { generationMs: 10, scoringMs: 2, totalMs: 12 },
  };
}

/** What `select()` does in a fake selector. */
export type SelectFn = (request: SelectRequest, options: SelectCallOptions) => Promise<Selection>;

/** A selector whose `select()` is `select`; it records every request in `calls`. */
export function fakeSelector(
  select: SelectFn,
  generator: Partial<Generator> = {},
): Selector & { calls: SelectRequest[] } {
  const calls: SelectRequest[] = [];
  const scorer: Scorer = { attributes, info: { model: 'fake', executionProvider: 'js' }, score: async () => [] };
  return {
    calls,
    attributes,
    angleAttributes: ['helpfulness', 'verbosity'],
    defaults: { ...BASE_DEFAULTS, preference: { helpfulness: 1 } },
    limits: { maxK: DEFAULT_MAX_K },
    generator: { name: 'fake', complete: () => Promise.reject(new Error('unused')), ...generator },
    scorer,
    select: (request, options = {}) => {
      calls.push(request);
      return select(request, options);
    },
    upstreamQueue: () => ({ size: 0, pending: 0 }),
    onIdle: () => Promise.resolve(),
  };
}

/** A selection the test finishes by hand. */
export function deferred() {
  let resolve!: (s: Selection) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<Selection>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
