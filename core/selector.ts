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

/** Options of `createSelector`. */
export interface CreateSelectorOptions {
  generator: Generator;
  scorer: Scorer;
  defaults?: Partial<SelectorDefaults>;
  /** The two attributes the angle form `{ angle_deg }` refers to; default `['helpfulness', 'verbosity']`. */
  angleAttributes?: readonly [string, string];
  directiveTemplate?: DirectiveTemplate;
  /** Per-candidate upstream timeout; default 120000. */
  candidateTimeoutMs?: number;
  /** Overall deadline of one `select()` (generation + scoring); default 300000. */
  deadlineMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Upstream calls in flight at once, across all requests; default 64. */
  maxConcurrentUpstream?: number;
  /** Upstream calls allowed to wait; beyond this `select()` throws `OverloadedError`. Default 1024. */
  maxQueuedUpstream?: number;
  /** With pruning: a candidate stream that sends nothing for this long is dropped as failed. Default 10000. */
  streamStallMs?: number;
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
  readonly defaults: Readonly<SelectorDefaults>;
  readonly generator: Generator;
  readonly scorer: Scorer;
  /** Generates, scores and ranks candidates for one request. Throws a `PrefselError` subclass on failure. */
  select(request: SelectRequest, options?: SelectCallOptions): Promise<Selection>;
  /** The upstream queue's state. */
  upstreamQueue(): UpstreamQueueState;
  /** Resolves when no upstream call is queued or in flight. */
  onIdle(): Promise<void>;
}
