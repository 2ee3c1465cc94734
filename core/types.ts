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
/** Where the directive goes: merged into the system turn (DPA model card) or prefixed to the last user turn (RPS code). */
export type DirectivePlacement = 'system' | 'user';

/**
 * A preference as a client writes it: attribute weights (`{ helpfulness: 0.8, verbosity: 0.6 }`, also accepted
 * wrapped as `{ weights: {...} }`) or, for the two angle attributes, `{ angle_deg: 30 }` (DPA convention:
 * (cos θ, sin θ) over (helpfulness, verbosity)).
 */
export type PreferenceInput = Record<string, number> | { weights: Record<string, number> } | { angle_deg: number };

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
  status: 'ok' | 'excluded' | 'failed';
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
  /** Token usage summed over every candidate the upstream billed, failed ones included where known. */
  usage: CompletionUsage;
  timings: Timings;
}
