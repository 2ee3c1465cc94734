/**
 * @module create-selector
 * The engine's factory. `createSelector({ generator, scorer })` returns a {@link Selector} whose `select()` runs one
 * request end to end: validate → hold the conversation to the input-token budget (measured by the scorer, before any
 * upstream call) → plan directions (strategy) → one upstream call per candidate with its directive → exclude
 * degenerate answers → one batched scorer call → rank by projection on the original target → report.
 * A per-request deadline and the caller's AbortSignal cancel everything still queued or in flight, scoring included.
 */
import { assertInBound, type Bound } from '../core/bounds.js';
import { InvalidRequestError } from '../core/errors.js';
import type {
  CreateSelectorOptions,
  RetryPolicy,
  SelectCallOptions,
  Selector,
  SelectRequest,
} from '../core/selector.js';
import type { PreparedPrompt } from '../core/ports.js';
import type { Direction, Selection } from '../core/types.js';
import { candidateParams } from './candidate-params.js';
import { defaultDirectiveTemplate } from './directive.js';
import { generateCandidates, type CandidatePlan } from './generate-candidates.js';
import { admitConversation } from './input-budget.js';
import { buildNeighbourhood } from './neighbourhood.js';
import { DEFAULT_ANGLE_ATTRIBUTES, parsePreference, preferenceSchema } from './preference.js';
import { createRandom } from './prng.js';
import { rankCandidates, scoreCandidates, sumUsage, usableOrThrow } from './rank.js';
import { openRequestScope } from './request-scope.js';
import {
  DEFAULT_MAX_K,
  K_RANGE,
  checkedSelection,
  resolveDefaults,
  resolveSelection,
  selectionSchema,
  type ResolvedSelection,
} from './selection-options.js';
import { createUpstreamRunner } from './upstream-runner.js';
import { selectPruned } from './select-pruned.js';
import { PruneForecast } from './prune-forecast.js';
import { approximateTokens, type TokenCounter } from './stream-candidates.js';
import type { Generator } from '../core/ports.js';

/** Operational defaults of {@link createSelector} (see `CreateSelectorOptions` for what each means). */
export const OPERATIONAL_DEFAULTS = {
  maxK: DEFAULT_MAX_K,
  candidateTimeoutMs: 120_000,
  deadlineMs: 300_000,
  maxConcurrentUpstream: 64,
  maxQueuedUpstream: 1024,
  streamStallMs: 10_000,
  /** A 128k-token context; the reward model reads the most recent part of it (its own `maxLength`). */
  maxInputTokens: 131_072,
  retry: { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 4000 } satisfies RetryPolicy,
} as const;

const ABOVE_ZERO = { min: 0, minExclusive: true } as const;
/** The range of each operational option; the server's settings are checked against the same bounds. */
export const OPERATIONAL_BOUNDS = {
  maxK: K_RANGE,
  candidateTimeoutMs: ABOVE_ZERO,
  deadlineMs: ABOVE_ZERO,
  maxConcurrentUpstream: { min: 1, integer: true },
  maxQueuedUpstream: { min: 0, integer: true },
  streamStallMs: ABOVE_ZERO,
  maxInputTokens: { min: 1, integer: true },
  retry: {
    maxRetries: { min: 0, integer: true },
    baseDelayMs: { min: 0 },
    maxDelayMs: { min: 0 },
  },
} as const satisfies Record<keyof Omit<typeof OPERATIONAL_DEFAULTS, 'retry'>, Bound> & {
  retry: Record<keyof RetryPolicy, Bound>;
};

/**
 * Creates the engine.
 * @param options.generator where candidates come from. @param options.scorer what rates them.
 * @param [options.defaults] strategy `rps`, k 5, radius 30°, seed 42, temperature 0.7, placement `system`, and the
 *   preference `{ angle_deg: 0 }` (weight 1 on the first angle attribute; weight 1 on the scorer's first attribute when
 *   the scorer lacks the angle attributes).
 * @returns a {@link Selector}.
 * @throws TypeError for an option outside its range or invalid defaults (``Invalid `defaults.k`: must be …``).
 * @example
 * const selector = createSelector({ generator, scorer });
 * const { chosen } = await selector.select({ params, preference: { helpfulness: 0.8, verbosity: 0.6 } });
 */
export function createSelector(options: CreateSelectorOptions): Selector {
  const { generator, scorer } = options;
  const attributes = [...scorer.attributes];
  const angleAttributes = options.angleAttributes ?? DEFAULT_ANGLE_ATTRIBUTES;
  const option = (name: Exclude<keyof typeof OPERATIONAL_BOUNDS, 'retry'>) =>
    assertInBound(name, options[name] ?? OPERATIONAL_DEFAULTS[name], OPERATIONAL_BOUNDS[name]);
  const limits = {
    maxK: option('maxK'),
    candidateTimeoutMs: option('candidateTimeoutMs'),
    deadlineMs: option('deadlineMs'),
    concurrency: option('maxConcurrentUpstream'),
    maxQueued: option('maxQueuedUpstream'),
    streamStallMs: option('streamStallMs'),
    maxInputTokens: option('maxInputTokens'),
  };
  const count: TokenCounter = scorer.countTokens ? (text) => scorer.countTokens!(text) : approximateTokens;
  const retry: RetryPolicy = { ...OPERATIONAL_DEFAULTS.retry, ...options.retry };
  for (const key of Object.keys(OPERATIONAL_BOUNDS.retry) as Array<keyof RetryPolicy>) {
    assertInBound(`retry.${key}`, retry[key], OPERATIONAL_BOUNDS.retry[key]);
  }
  // Built once: every request is checked by the same schemas that checked the defaults.
  const selectionRules = selectionSchema({ maxK: limits.maxK });
  const preferenceRules = preferenceSchema({ attributes, angleAttributes });
  const defaults = resolveDefaults(options.defaults ?? {}, {
    attributes,
    angleAttributes,
    selectionRules,
    preferenceRules,
  });
  const template = options.directiveTemplate ?? defaultDirectiveTemplate;
  const forecasts = options.pruneForecast ?? new PruneForecast();
  const runner = createUpstreamRunner({
    concurrency: limits.concurrency,
    maxQueued: limits.maxQueued,
    retry,
    timeoutMs: limits.candidateTimeoutMs,
    random: createRandom(defaults.seed),
  });

  async function select(request: SelectRequest, callOptions: SelectCallOptions = {}): Promise<Selection> {
    const started = performance.now();
    const resolved = resolveSelection(defaults, checkedSelection(selectionRules, request.selection, 'selection'));
    const { target, active } = parsePreference(request.preference ?? defaults.preference, {
      attributes,
      angleAttributes,
      schema: preferenceRules,
    });
    if (!Array.isArray(request.params.messages) || request.params.messages.length === 0) {
      throw new InvalidRequestError('messages must be a non-empty array.', { param: 'messages' });
    }
    const scope = openRequestScope({
      signal: callOptions.signal,
      deadlineMs: callOptions.deadlineMs ?? limits.deadlineMs,
    });
    let prompt: PreparedPrompt | undefined;
    try {
      const passThrough = resolved.strategy === 'none';
      const plans = planCandidates(request, { resolved, target, active });
      runner.admit(plans.length);
      // Scored strategies only: the budget is in the reward model's tokens, and `none` never reaches it. Measuring
      // can take a while for a long conversation, so the upstream queue is checked again after it.
      if (!passThrough) {
        prompt = await admitConversation({
          scorer,
          messages: request.params.messages,
          maxInputTokens: limits.maxInputTokens,
          signal: scope.signal,
        });
        runner.admit(plans.length);
      }
      // Pruning streams the candidates; a generator that cannot stream runs them whole, as without pruning, and so
      // does a request whose token limit ends every answer before the first decision point (nothing to cut).
      const limit = request.params.max_completion_tokens ?? request.params.max_tokens;
      const prunable = resolved.prune && !(limit != null && limit <= resolved.prune.schedule[0]!);
      if (resolved.prune && prunable && !passThrough && generator.stream) {
        const pruned = await selectPruned({
          model: request.params.model,
          forecasts,
          plans,
          generator: generator as StreamingGenerator,
          runner,
          scorer,
          messages: request.params.messages,
          target,
          signal: scope.signal,
          prompt,
          prune: resolved.prune,
          n: request.n ?? 1,
          count,
          stallMs: limits.streamStallMs,
          started,
          onCandidate: callOptions.onCandidate,
          onCommit: callOptions.onCommit,
        });
        const ranked = rankCandidates(usableOrThrow(pruned.candidates, pruned.failures));
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
      const usable = usableOrThrow(candidates, failures);
      const scoringStarted = performance.now();
      if (!passThrough)
        await scoreCandidates(usable, {
          scorer,
          messages: request.params.messages,
          target,
          signal: scope.signal,
          prompt,
        });
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
      prompt?.release();
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
        : // best_of_n: the paper's baseline, all at the target
          Array.from({ length: resolved.k }, () => ({ ...target, source: 'target' as const }));
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
    angleAttributes,
    defaults,
    limits: Object.freeze({ maxK: limits.maxK }),
    generator,
    scorer,
    select,
    upstreamQueue: () => runner.state(),
    onIdle: () => runner.onIdle(),
  };
}

type StreamingGenerator = Generator & { stream: NonNullable<Generator['stream']> };
