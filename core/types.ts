/**
 * @module types
 * The engine's domain types: what a caller asks for (a preference and selection options) and what comes back
 * (a {@link Selection} with a full per-candidate report). Shared by the engine, the server and the benchmarks.
 */
import type { ChatCompletion, ChatCompletionMessage, CompletionUsage, FinishReason } from './openai.js';

/** How candidates are produced and chosen. */
export type StrategyName = 'rps' | 'best_of_n' | 'none';
/** All strategies, for validation and docs. */
export const STRATEGIES = ['rps', 'best_of_n', 'none'] as const satisfies readonly StrategyName[];

/**
 * How RPS builds its neighbourhood:
 * - `grid`: the authors' procedure for two attributes (absolute 5° grid over −40°…40°, the k closest within θmax);
 *   where the grid holds fewer than k points within θmax, the rest come from the cap, so a request always gets k.
 * - `cap`: k directions within the radius, symmetric in 2-D and uniform on the spherical cap for d > 2, seeded.
 */
export type NeighbourhoodMode = 'grid' | 'cap';
/**
 * How a candidate's direction was made: a point of the authors' `grid`, a `cap` direction (the cap mode, or the
 * completion of a grid that had fewer than k points within θmax), or the `target` itself (best-of-n, one attribute).
 */
export type DirectionSource = 'grid' | 'cap' | 'target';
/**
 * Where the directive goes: merged into the system turn (DPA model card), prefixed to the last user turn (RPS code),
 * or appended to the last user turn (`suffix`: after the conversation, so the k prompts share the conversation as a
 * prefix an upstream can cache).
 */
export type DirectivePlacement = 'system' | 'user' | 'suffix';

/**
 * A preference as a client writes it: attribute weights (`{ helpfulness: 0.8, verbosity: 0.6 }`, also accepted
 * wrapped as `{ weights: {...} }`) or, for the two angle attributes, `{ angle_deg: 30 }` (DPA convention:
 * (cos θ, sin θ) over (helpfulness, verbosity)).
 */
export type PreferenceInput = Record<string, number> | { weights: Record<string, number> } | { angle_deg: number };

/**
 * Progressive pruning as a caller asks for it: `true` (the defaults), `false` (off: every candidate runs to the end,
 * as without pruning), or the settings to change.
 */
export type PruneInput = boolean | PruneOptions;

/** Settings of progressive pruning; anything left out takes the default (see `middleware/prune-options.ts`). */
export interface PruneOptions {
  /** Decision points, in completion tokens, strictly ascending; default `[192, 320]`. */
  schedule?: number[];
  /** Share of the live candidates kept at each decision point, in (0, 1); default 0.5 (at least one is kept). */
  keep_fraction?: number;
  /** Never fewer survivors than this; default 1 (the HTTP layer raises it to the `n` choices asked for). */
  min_keep?: number;
  /**
   * Commit early to a decisive leader: at a decision point with at least two live candidates, when the leader's
   * partial projection exceeds the runner-up's by at least this share of the first round's spread (best − worst
   * partial projection when all k were compared), every other candidate is cut. In (0, 1]; null commits only when
   * one candidate is left.
   */
  decisive_lead?: number | null;
  /**
   * The last decision point keeps only `min_keep` candidates, so (with `min_keep` 1) the winner is chosen on its
   * partial answer there and streams early for any k. Default false: `keep_fraction` applies there too and the
   * survivors finish, to be chosen on their whole answers.
   */
  commit_at_last?: boolean;
  /**
   * Rank partial answers by their forecast final scores, learned from this selector's own uncut runs
   * (`middleware/prune-forecast.ts`), instead of by their partial scores. While a forecast is still learning the
   * request runs uncut (full RPS, full cost); after that one request in 50 does. Default false.
   */
  forecast?: boolean;
}

/** Per-request selection options; anything left out takes the selector's defaults. */
export interface SelectionOptions {
  strategy?: StrategyName;
  /** Number of candidates (k). */
  k?: number;
  /** Neighbourhood radius θmax in degrees. */
  radius_deg?: number;
  /** Neighbourhood construction; defaults to `grid` for two attributes and `cap` otherwise. */
  neighbourhood?: NeighbourhoodMode;
  /** Seed for the neighbourhood sampler (and forwarded per candidate as seed + index when the client set none). */
  seed?: number;
  /** Candidate sampling temperature when the client did not set one. */
  temperature?: number;
  /** Directive placement. */
  directive_placement?: DirectivePlacement;
  /** Progressive pruning (strategies `rps` and `best_of_n`; needs a generator that streams). */
  prune?: PruneInput;
}

/** A unit direction in attribute space. */
export interface Direction {
  /** Unit vector over the selector's attributes (scorer order). */
  vector: number[];
  /** The same vector keyed by attribute name. */
  weights: Record<string, number>;
  /** Angle to the target direction, degrees (0 for the target itself). */
  offsetDeg: number;
  /** For two active attributes: the direction's angle in their plane, degrees (DPA convention). */
  angleDeg?: number;
  /** How a candidate's direction was made; unset on the target itself. */
  source?: DirectionSource;
}

/** Timings of one candidate or one request, milliseconds. */
export interface Timings {
  generationMs: number;
  scoringMs: number;
  totalMs: number;
}

/** The outcome of one candidate: generated, scored (or excluded / failed), ranked. */
export interface CandidateReport {
  /** Position in generation order. */
  index: number;
  /** The direction written into its prompt (null for strategy `none`). */
  direction: Direction | null;
  /** `pruned`: cut at a decision point (its partial text is never returned as a choice). */
  status: 'ok' | 'excluded' | 'failed' | 'pruned';
  /** The assistant message (ok and excluded candidates). */
  message?: ChatCompletionMessage;
  finishReason?: FinishReason | null;
  /** Per-attribute scores (ok candidates, unless the strategy skips scoring). */
  scores?: Record<string, number>;
  /** Projection of the scores onto the original target direction. */
  projection?: number;
  /** 0 for the chosen candidate; ok candidates only. */
  rank?: number;
  chosen: boolean;
  usage?: CompletionUsage;
  /** Wall time of its upstream call. */
  latencyMs: number;
  /** Why it was excluded or failed. */
  error?: { message: string; status: number | null };
  /** The upstream's raw completion (ok and excluded candidates). */
  completion?: ChatCompletion;
  /** Streamed candidates: completion tokens prefsel counted itself (upstream usage per chunk, else its tokenizer). */
  completionTokens?: number;
  /** Streamed candidates: `upstream` when `usage` is the upstream's own report, `counted` when prefsel counted it. */
  usageSource?: 'upstream' | 'counted';
  /** Partial scores at each decision point the candidate took part in (pruned selections only). */
  partials?: PartialScore[];
  /** Where a pruned candidate was cut. */
  pruned?: { round: number; tokens: number; projection: number; atMs: number };
}

/** One candidate's score at one decision point. */
export interface PartialScore {
  /** Index of the decision point in the schedule. */
  round: number;
  /** Completion tokens of the text that was scored. */
  tokens: number;
  /** Whether that text was the finished answer (finished candidates compete with their full text). */
  finished: boolean;
  scores: Record<string, number>;
  /** Projection on the target. */
  projection: number;
  /** Projection of the forecast final scores, what the candidate was ranked by (`prune.forecast` only). */
  forecast?: number;
  /** Since the selection started, ms. */
  atMs: number;
}

/** What progressive pruning did in one selection. */
export interface PruningReport {
  schedule: number[];
  keepFraction: number;
  minKeep: number;
  decisiveLead: number | null;
  commitAtLast: boolean;
  /**
   * `prune.forecast` requests: `learning` ran uncut to teach the forecast (`runs` it had learned from before), or
   * `forecasting` ranked partial answers by their forecast final scores. Null without forecasts.
   */
  forecast: { mode: 'learning' | 'forecasting'; runs: number } | null;
  /** One entry per decision point that was reached with more than `minKeep` candidates live. */
  rounds: Array<{ round: number; tokens: number; atMs: number; live: number[]; kept: number[]; pruned: number[] }>;
  /** The candidate committed to before it finished (early streaming starts here), or null. */
  committed: { index: number; reason: 'last' | 'lead'; atMs: number; tokens: number } | null;
  tokens: {
    /** Completion tokens of every candidate (what the upstream billed, as far as it reported or prefsel counted). */
    completion: number;
    /** The part of `completion` prefsel counted itself because the upstream's usage never arrived (cancelled streams). */
    counted: number;
    /** Estimate of what pruning saved: per pruned candidate, the mean length of the finished ones minus its length at the cut. */
    savedEstimate: number;
  };
}

/** Everything `select()` returns. */
export interface Selection {
  strategy: StrategyName;
  /** The target preference as a unit direction. */
  target: Direction;
  /** Attribute names, scorer order. */
  attributes: readonly string[];
  /** All candidates in generation order. */
  candidates: CandidateReport[];
  /** The ok candidates in rank order (best first); `ranked[0]` is `chosen`. */
  ranked: CandidateReport[];
  chosen: CandidateReport;
  /** Token usage summed over every candidate the upstream billed, failed and pruned ones included where known. */
  usage: CompletionUsage;
  timings: Timings;
  /** Set when progressive pruning ran. */
  pruning?: PruningReport;
}
