/**
 * @module selector
 * The engine's public contract: `createSelector(options)` (in `middleware/`) returns a {@link Selector}. The HTTP
 * layer, the benchmarks and embedding apps all program against this interface only.
 */
import type { ChatCompletionCreateParams } from './openai.js';
import type { CallOptions, Generator, Scorer } from './ports.js';
import type {
  CandidateReport,
  Direction,
  DirectivePlacement,
  NeighbourhoodMode,
  PreferenceInput,
  PruneInput,
  Selection,
  SelectionOptions,
  StrategyName,
} from './types.js';

/** Server- or app-wide defaults; every field can be overridden per request through {@link SelectionOptions}. */
export interface SelectorDefaults {
  /** Default `rps`. */
  strategy: StrategyName;
  /** Candidates per request; default 5 (the paper's k). */
  k: number;
  /** Neighbourhood radius θmax in degrees; default 30 (the paper's). */
  radius_deg: number;
  /** Unset: `grid` for two active attributes, `cap` otherwise. */
  neighbourhood?: NeighbourhoodMode;
  /** Sampler seed; default 42 (the authors'). */
  seed: number;
  /** Candidate temperature when the client sets none; default 0.7 (the authors'). */
  temperature: number;
  /** Default `system`. */
  directive_placement: DirectivePlacement;
  /** Used when a request carries no preference. */
  preference: PreferenceInput;
  /** Progressive pruning; default `false` (off). */
  prune: PruneInput;
}

/** Renders the directive text for one direction (weights as integers round(100·component), as DPA does). */
export type DirectiveTemplate = (direction: Direction, attributes: readonly string[]) => string;

/** Retry policy for upstream calls (429 and 5xx only; `Retry-After` honoured). */
export interface RetryPolicy {
  /** Retries after the first attempt; default 2. */
  maxRetries: number;
  /** First backoff; doubles each retry, with jitter. Default 250. */
  baseDelayMs: number;
  /** Backoff cap, also the cap on an honoured Retry-After. Default 4000. */
  maxDelayMs: number;
}

/** Options of `createSelector`. Every number is checked at creation; a bad one throws a `TypeError`. */
export interface CreateSelectorOptions {
  /** Where candidates come from. */
  readonly generator: Generator;
  /** What rates them. */
  readonly scorer: Scorer;
  /**
   * Server- or app-wide defaults, checked by the same rules as a request's `selection` and `preference`.
   * @default BASE_DEFAULTS, and the preference `{ angle_deg: 0 }` (the scorer's first attribute when it lacks the
   *   angle attributes)
   */
  readonly defaults?: Partial<SelectorDefaults>;
  /**
   * The two attributes the angle form `{ angle_deg }` refers to.
   * @default ['helpfulness', 'verbosity']
   */
  readonly angleAttributes?: readonly [string, string];
  /** Renders the directive. @default round(100·component) per attribute, as DPA does */
  readonly directiveTemplate?: DirectiveTemplate;
  /**
   * Largest `selection.k` a request may ask for (each candidate is one upstream call). Range: 1 to 64 (`K_RANGE`).
   * @default 16
   */
  readonly maxK?: number;
  /**
   * Per-candidate upstream timeout, milliseconds. Minimum: above `0`.
   * @default 120000
   */
  readonly candidateTimeoutMs?: number;
  /**
   * Overall deadline of one `select()` (generation + scoring), milliseconds. Minimum: above `0`.
   * @default 300000
   */
  readonly deadlineMs?: number;
  /** Retries of failed upstream calls. @default { maxRetries: 2, baseDelayMs: 250, maxDelayMs: 4000 } */
  readonly retry?: Partial<RetryPolicy>;
  /**
   * Upstream calls in flight at once, across all requests. Minimum: `1`.
   * @default 64
   */
  readonly maxConcurrentUpstream?: number;
  /**
   * Upstream calls allowed to wait; beyond this `select()` throws `OverloadedError`. Minimum: `0`.
   * @default 1024
   */
  readonly maxQueuedUpstream?: number;
  /**
   * With pruning: a candidate stream that sends nothing for this long, once it has started, is dropped as failed,
   * milliseconds. Minimum: above `0`.
   * @default 10000
   */
  readonly streamStallMs?: number;
  /**
   * Input-token budget: the longest conversation accepted for scoring, in the scorer's own tokens (measured by
   * `Scorer.prepare` when the scorer has it; every scorer is first held to 8 characters per token). Over it,
   * `select()` throws a 400 `context_length_exceeded` on `messages` before any upstream call. Minimum: `1`.
   * @default 131072
   */
  readonly maxInputTokens?: number;
  /**
   * Learns the forecasts that `selection.prune.forecast` ranks partial answers by (`PruneForecast` in the middleware,
   * which also sets how many learning runs it needs). Pass one to share what was learned between selectors.
   * @default a new `PruneForecast()` per selector
   */
  readonly pruneForecast?: PruneForecaster;
}

/** The limits a selector enforces on every request. */
export interface SelectorLimits {
  /** Largest `selection.k`. */
  readonly maxK: number;
}

/** One request to the engine. */
export interface SelectRequest {
  /** The client's chat-completions body, without prefsel's extension fields. */
  params: ChatCompletionCreateParams;
  preference?: PreferenceInput;
  selection?: SelectionOptions;
  /** Choices the caller will return (the client's `n`); pruning never keeps fewer candidates. Default 1. */
  n?: number;
}

/** Per-call options of `select()`. */
export interface SelectCallOptions extends CallOptions {
  /** Overrides the selector's deadline for this call. */
  deadlineMs?: number;
  /** Called as each candidate settles (generated, failed or pruned), before scoring; for progress and keep-alives. */
  onCandidate?: (candidate: CandidateReport) => void;
  /**
   * With pruning: called at most once, when one candidate is left (or its lead is decisive) while it is still being
   * generated, so the caller can stream it live. `select()` still resolves with the full selection once it finished.
   */
  onCommit?: (winner: EarlyWinner) => void;
}

/** The candidate a pruned selection committed to before it finished. */
export interface EarlyWinner {
  index: number;
  /** `last`: every other candidate was cut; `lead`: its lead was decisive (`decisive_lead`). */
  reason: 'last' | 'lead';
  /** Its completion tokens when it was committed to. */
  tokens: number;
  /**
   * The text it has produced so far as one piece, then each later piece as it arrives; ends when the candidate
   * finishes and throws if it fails (the caller has then already sent part of it).
   */
  content: AsyncIterable<string>;
}

/** Live counters of the upstream queue, for metrics and graceful shutdown. */
export interface UpstreamQueueState {
  /** Calls waiting. */
  size: number;
  /** Calls in flight. */
  pending: number;
}

/** The engine. */
export interface Selector {
  readonly attributes: readonly string[];
  /** The (x, y) attributes of the angle form `{ angle_deg }`. */
  readonly angleAttributes: readonly [string, string];
  readonly defaults: Readonly<SelectorDefaults>;
  readonly limits: SelectorLimits;
  readonly generator: Generator;
  readonly scorer: Scorer;
  /** Generates, scores and ranks candidates for one request. Throws a `PrefselError` subclass on failure. */
  select(request: SelectRequest, options?: SelectCallOptions): Promise<Selection>;
  /** The upstream queue's state. */
  upstreamQueue(): UpstreamQueueState;
  /** Resolves when no upstream call is queued or in flight. */
  onIdle(): Promise<void>;
}

/**
 * What a request with `selection.prune.forecast` does: `learning` runs uncut so the forecast can learn from it, or
 * `forecasting` ranks partial answers by `forecast`: a candidate's final scores (scorer order) predicted from its
 * scores at a decision point and its direction vector. `runs`: learning runs the forecast had seen.
 */
export type ForecastPlan =
  | { mode: 'learning'; runs: number }
  | {
      mode: 'forecasting';
      runs: number;
      /** Undefined where learning runs never had two partial answers to learn from (raw scores rank there). */
      forecast: (point: number, scores: number[], direction: number[]) => number[] | undefined;
    };

/** Learns, from uncut runs, how partial scores become final ones (implemented by the middleware's `PruneForecast`). */
export interface PruneForecaster {
  /** How a request with this upstream model and schedule runs. */
  plan(model: string, schedule: readonly number[]): ForecastPlan;
  /** Learns from a finished learning run. */
  observe(
    model: string,
    schedule: readonly number[],
    candidates: readonly CandidateReport[],
    attributes: readonly string[],
  ): void;
}
