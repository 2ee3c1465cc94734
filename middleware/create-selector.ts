/**
 * @module create-selector
 * The engine's factory. `createSelector({ generator, scorer })` returns a {@link Selector} whose `select()` runs one
 * request end to end: validate → plan directions (strategy) → one upstream call per candidate with its directive →
 * exclude degenerate answers → one batched scorer call → rank by projection on the original target → report.
 * A per-request deadline and the caller's AbortSignal cancel everything still queued or in flight.
 */
import { InvalidRequestError, PrefselError, UpstreamError } from '../core/errors.js';
import type {
  CreateSelectorOptions,
  RetryPolicy,
  SelectCallOptions,
  Selector,
  SelectorDefaults,
  SelectRequest,
} from '../core/selector.js';
import type { CandidateReport, Direction, PreferenceInput, Selection } from '../core/types.js';
import { candidateParams } from './candidate-params.js';
import { defaultDirectiveTemplate } from './directive.js';
import { generateCandidates, type CandidatePlan } from './generate-candidates.js';
import { buildNeighbourhood } from './neighbourhood.js';
import { DEFAULT_ANGLE_ATTRIBUTES, parsePreference } from './preference.js';
import { createRandom } from './prng.js';
import { rankCandidates, scoreCandidates, sumUsage } from './rank.js';
import { openRequestScope } from './request-scope.js';
import {
  BASE_DEFAULTS,
  resolveSelection,
  validateSelectionOptions,
  type ResolvedSelection,
} from './selection-options.js';
import { createUpstreamRunner } from './upstream-runner.js';
import { generatePruned } from './prune-schedule.js';
import { approximateTokens, type TokenCounter } from './stream-candidates.js';
import type { Generator } from '../core/ports.js';

/** Operational defaults of {@link createSelector} (see `CreateSelectorOptions` for what each means). */
export const OPERATIONAL_DEFAULTS = {
  candidateTimeoutMs: 120_000,
  deadlineMs: 300_000,
  maxConcurrentUpstream: 64,
  maxQueuedUpstream: 1024,
  streamStallMs: 10_000,
  retry: { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 4000 } satisfies RetryPolicy,
} as const;

/**
 * Creates the engine.
 * @param options.generator where candidates come from. @param options.scorer what rates them.
 * @param [options.defaults] strategy `rps`, k 5, radius 30°, seed 42, temperature 0.7, placement `system`, and the
 *   preference `{ angle_deg: 0 }` (weight 1 on the first angle attribute; weight 1 on the scorer's first attribute when
 *   the scorer lacks the angle attributes).
 * @returns a {@link Selector}.
 * @throws InvalidRequestError (`param: defaults.k` …) for invalid defaults or limits.
 * @example
 * const selector = createSelector({ generator, scorer });
 * const { chosen } = await selector.select({ params, preference: { helpfulness: 0.8, verbosity: 0.6 } });
 */
export function createSelector(options: CreateSelectorOptions): Selector {
  const { generator, scorer } = options;
  const attributes = [...scorer.attributes];
  const angleAttributes = options.angleAttributes ?? DEFAULT_ANGLE_ATTRIBUTES;
  const defaults = resolveDefaults(options.defaults ?? {}, { attributes, angleAttributes });
  const template = options.directiveTemplate ?? defaultDirectiveTemplate;
  const limits = {
    candidateTimeoutMs: positive(
      options.candidateTimeoutMs ?? OPERATIONAL_DEFAULTS.candidateTimeoutMs,
      'candidateTimeoutMs',
    ),
    deadlineMs: positive(options.deadlineMs ?? OPERATIONAL_DEFAULTS.deadlineMs, 'deadlineMs'),
    concurrency: positive(
      options.maxConcurrentUpstream ?? OPERATIONAL_DEFAULTS.maxConcurrentUpstream,
      'maxConcurrentUpstream',
      { integer: true },
    ),
    maxQueued: positive(options.maxQueuedUpstream ?? OPERATIONAL_DEFAULTS.maxQueuedUpstream, 'maxQueuedUpstream', {
      integer: true,
      zero: true,
    }),
    streamStallMs: positive(options.streamStallMs ?? OPERATIONAL_DEFAULTS.streamStallMs, 'streamStallMs'),
  };
  const count: TokenCounter = scorer.countTokens ? (text) => scorer.countTokens!(text) : approximateTokens;
  const retry: RetryPolicy = { ...OPERATIONAL_DEFAULTS.retry, ...options.retry };
  const runner = createUpstreamRunner({
    concurrency: limits.concurrency,
    maxQueued: limits.maxQueued,
    retry,
    timeoutMs: limits.candidateTimeoutMs,
    random: createRandom(defaults.seed),
  });

  async function select(request: SelectRequest, callOptions: SelectCallOptions = {}): Promise<Selection> {
    const started = performance.now();
    const resolved = resolveSelection(defaults, validateSelectionOptions(request.selection));
    const { target, active } = parsePreference(request.preference ?? defaults.preference, {
      attributes,
      angleAttributes,
    });
    if (!Array.isArray(request.params.messages) || request.params.messages.length === 0) {
      throw new InvalidRequestError('messages must be a non-empty array.', { param: 'messages' });
    }
    const scope = openRequestScope({
      signal: callOptions.signal,
      deadlineMs: callOptions.deadlineMs ?? limits.deadlineMs,
    });
    try {
      const plans = planCandidates(request, { resolved, target, active });
      runner.admit(plans.length);
      const passThrough = resolved.strategy === 'none';
      // Pruning streams the candidates; a generator that cannot stream runs them whole, as without pruning.
      if (resolved.prune && !passThrough && generator.stream) {
        const pruned = await generatePruned({
          plans,
          generator: generator as StreamingGenerator,
          runner,
          scorer,
          messages: request.params.messages,
          target,
          signal: scope.signal,
          prune: resolved.prune,
          n: request.n ?? 1,
          count,
          stallMs: limits.streamStallMs,
          started,
          onCandidate: callOptions.onCandidate,
          onCommit: callOptions.onCommit,
        });
        const usable = pruned.candidates.filter((c) => c.status === 'ok');
        if (usable.length === 0) throw noUsableCandidate(pruned.candidates, pruned.failures);
        const ranked = rankCandidates(usable);
        return {
          strategy: resolved.strategy,
          target,
          attributes,
          candidates: pruned.candidates,
          ranked,
          chosen: ranked[0]!,
          usage: sumUsage(pruned.candidates),
          timings: {
            generationMs: pruned.generationMs,
            scoringMs: pruned.scoringMs,
            totalMs: performance.now() - started,
          },
          pruning: pruned.pruning,
        };
      }
      const { candidates, failures } = await generateCandidates({
        plans,
        generator,
        runner,
        signal: scope.signal,
        keepDegenerate: passThrough,
        onCandidate: callOptions.onCandidate,
      });
      const generationMs = performance.now() - started;
      const usable = candidates.filter((c) => c.status === 'ok');
      if (usable.length === 0) throw noUsableCandidate(candidates, failures);
      const scoringStarted = performance.now();
      if (!passThrough)
        await scoreCandidates(usable, { scorer, messages: request.params.messages, target, signal: scope.signal });
      const scoringMs = passThrough ? 0 : performance.now() - scoringStarted;
      const ranked = rankCandidates(usable);
      return {
        strategy: resolved.strategy,
        target,
        attributes,
        candidates,
        ranked,
        chosen: ranked[0]!,
        usage: sumUsage(candidates),
        timings: { generationMs, scoringMs, totalMs: performance.now() - started },
      };
    } finally {
      scope.dispose();
    }
  }

  function planCandidates(
    request: SelectRequest,
    context: { resolved: ResolvedSelection; target: Direction; active: string[] },
  ): CandidatePlan[] {
    const { resolved, target, active } = context;
    // `none` is a pass-through: the client's body unchanged (n, tools, response_format included), no directive.
    if (resolved.strategy === 'none') return [{ direction: null, params: request.params }];
    const directions =
      resolved.strategy === 'rps'
        ? buildNeighbourhood(target, {
            mode: resolved.neighbourhood,
            k: resolved.k,
            radiusDeg: resolved.radiusDeg,
            seed: resolved.seed,
            attributes,
            active,
          })
        : Array.from({ length: resolved.k }, () => target); // best_of_n: the paper's baseline, all at the target
    return directions.map((direction, index) => ({
      direction,
      params: candidateParams(request.params, {
        direction,
        index,
        attributes: active,
        template,
        placement: resolved.placement,
        temperature: resolved.temperature,
        seed: resolved.seed,
      }),
    }));
  }

  return {
    attributes,
    defaults,
    generator,
    scorer,
    select,
    upstreamQueue: () => runner.state(),
    onIdle: () => runner.onIdle(),
  };
}

type StreamingGenerator = Generator & { stream: NonNullable<Generator['stream']> };

/** Validates partial defaults and fills the rest. */
function resolveDefaults(
  partial: Partial<SelectorDefaults>,
  context: { attributes: string[]; angleAttributes: readonly [string, string] | readonly string[] },
): SelectorDefaults {
  const { preference, ...selection } = partial;
  validateSelectionOptions(selection, 'defaults');
  const angleAttributes = context.angleAttributes as readonly [string, string];
  const fallback: PreferenceInput = angleAttributes.every((a) => context.attributes.includes(a))
    ? { angle_deg: 0 }
    : { [context.attributes[0] ?? '']: 1 };
  const resolvedPreference = preference ?? fallback;
  parsePreference(resolvedPreference, {
    attributes: context.attributes,
    angleAttributes,
    param: 'defaults.preference',
  });
  const defaults: SelectorDefaults = { ...BASE_DEFAULTS, ...selection, preference: resolvedPreference };
  return Object.freeze(defaults);
}

/** The one error for "nothing to rank": the upstream's own error when every call failed, else a 502. */
function noUsableCandidate(candidates: CandidateReport[], failures: Map<number, unknown>): PrefselError {
  const failed = candidates.filter((c) => c.status === 'failed');
  if (failed.length === candidates.length) {
    // A client error (bad model, bad parameter) explains the others; otherwise report the first failure.
    const clientError = failed.find(
      (c) => c.error?.status != null && c.error.status >= 400 && c.error.status < 500 && c.error.status !== 429,
    );
    const pick = clientError ?? failed[0]!;
    const err = failures.get(pick.index);
    const prefix = candidates.length > 1 ? `All ${candidates.length} candidate calls failed. ` : '';
    if (err instanceof UpstreamError)
      return new UpstreamError(`${prefix}${err.message}`, err.upstreamStatus, { headers: err.headers, cause: err });
    if (err instanceof PrefselError) return err;
    return new UpstreamError(`${prefix}${pick.error?.message ?? 'unknown error'}`, null, { cause: err });
  }
  const excluded = candidates.length - failed.length;
  return new UpstreamError(
    `The upstream gave no usable answer: ${excluded} of ${candidates.length} candidates were blank or only chat-template tags` +
      (failed.length > 0 ? `, ${failed.length} failed (${failed[0]!.error?.message ?? 'unknown error'})` : '') +
      '.',
    200,
  );
}

function positive(value: number, param: string, options: { integer?: boolean; zero?: boolean } = {}): number {
  const ok =
    Number.isFinite(value) && (options.zero ? value >= 0 : value > 0) && (!options.integer || Number.isInteger(value));
  if (!ok)
    throw new InvalidRequestError(
      `${param} must be a ${options.integer ? 'whole' : 'positive'} number; got ${value}.`,
      { param },
    );
  return value;
}
