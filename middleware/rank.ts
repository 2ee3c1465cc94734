/**
 * @module rank
 * Selection proper: one batched scorer call for every usable candidate, projection of each score row onto the
 * ORIGINAL target direction (not the candidate's own, as in the authors' `pick_best`), and a deterministic ranking:
 * projection descending, then smaller offset from the target, then lower index.
 */
import { isAbortError, PrefselError, ScorerError, UpstreamError } from '../core/errors.js';
import type { ChatCompletionMessageParam, CompletionUsage } from '../core/openai.js';
import type { PreparedPrompt, Scorer } from '../core/ports.js';
import type { CandidateReport, Direction } from '../core/types.js';
import { dot } from '../core/vector.js';
import { raceSignal } from './race-signal.js';

/** Options of {@link scoreCandidates}. */
export interface ScoreCandidatesOptions {
  scorer: Scorer;
  /** The client's conversation, without any directive. */
  messages: readonly ChatCompletionMessageParam[];
  target: Direction;
  signal: AbortSignal;
  /** What `scorer.prepare` returned for `messages`, if it did. */
  prompt?: PreparedPrompt | undefined;
}

/**
 * Scores `candidates` (all `ok`) in one `scorer.score()` call and fills `scores` and `projection` in place.
 * @throws ScorerError when the scorer fails or returns rows of the wrong shape; the signal's reason once aborted.
 */
export async function scoreCandidates(candidates: CandidateReport[], options: ScoreCandidatesOptions): Promise<void> {
  const rated = await scoreResponses(
    candidates.map((c) => c.message?.content ?? ''),
    { ...options, labels: candidates.map((c) => c.index) },
  );
  candidates.forEach((candidate, i) => {
    candidate.scores = rated[i]!.scores;
    candidate.projection = rated[i]!.projection;
  });
}

/** One response's scores and their projection on the target. */
export interface RatedResponse {
  scores: Record<string, number>;
  projection: number;
}

/**
 * Scores response texts (final or partial) in one `scorer.score()` call.
 * @param options.labels candidate indexes, for error messages; default the positions.
 * @throws ScorerError when the scorer fails or returns rows of the wrong shape; the signal's reason once aborted.
 */
export async function scoreResponses(
  responses: readonly string[],
  options: ScoreCandidatesOptions & { labels?: readonly number[] },
): Promise<RatedResponse[]> {
  const { scorer, messages, target, signal, prompt } = options;
  if (responses.length === 0) return [];
  const inputs = responses.map((response) => ({ messages, response }));
  let rows: number[][];
  try {
    // Raced against the signal: a scorer that ignores it must not hold the request past its deadline.
    rows = await raceSignal(scorer.score(inputs, { signal, ...(prompt ? { prompt } : {}) }), signal);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (err instanceof PrefselError || isAbortError(err)) throw err;
    throw new ScorerError(`The scorer failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const attributes = scorer.attributes;
  if (rows.length !== responses.length) {
    throw new ScorerError(`The scorer returned ${rows.length} rows for ${responses.length} inputs.`);
  }
  return rows.map((row, i) => {
    if (row.length !== attributes.length || !row.every(Number.isFinite)) {
      throw new ScorerError(
        `The scorer returned an invalid row for candidate ${options.labels?.[i] ?? i}: ${JSON.stringify(row)}.`,
      );
    }
    return {
      scores: Object.fromEntries(attributes.map((name, j) => [name, row[j]!])),
      projection: dot(row, target.vector),
    };
  });
}

/**
 * Orders scored candidates best first and marks `rank` and `chosen`.
 * @returns a new array; ties on projection go to the smaller offset from the target, then the lower index.
 */
export function rankCandidates(candidates: readonly CandidateReport[]): CandidateReport[] {
  const ranked = [...candidates].sort(rankOrder);
  ranked.forEach((candidate, rank) => {
    candidate.rank = rank;
    candidate.chosen = rank === 0;
  });
  return ranked;
}

/** What ranking looks at. */
export interface RankKey {
  projection?: number | undefined;
  direction: Direction | null;
  index: number;
}

/** The ranking order (a sort comparator): projection descending, then smaller offset from the target, then lower index. */
export function rankOrder(a: RankKey, b: RankKey): number {
  return (
    (b.projection ?? -Infinity) - (a.projection ?? -Infinity) ||
    (a.direction?.offsetDeg ?? 0) - (b.direction?.offsetDeg ?? 0) ||
    a.index - b.index
  );
}

/** Token usage summed over every candidate that reports one (failed ones included when the upstream billed them). */
export function sumUsage(candidates: readonly CandidateReport[]): CompletionUsage {
  const total: CompletionUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  for (const { usage } of candidates) {
    if (!usage) continue;
    total.prompt_tokens += usage.prompt_tokens;
    total.completion_tokens += usage.completion_tokens;
    total.total_tokens += usage.total_tokens;
  }
  return total;
}

/**
 * The candidates a selection can rank: those generated ok (not failed, excluded or pruned).
 * @throws the one error for "nothing to rank" when there are none (see below).
 */
export function usableOrThrow(
  candidates: readonly CandidateReport[],
  failures: ReadonlyMap<number, unknown>,
): CandidateReport[] {
  const usable = candidates.filter((c) => c.status === 'ok');
  if (usable.length === 0) throw noUsableCandidate(candidates, failures);
  return usable;
}

/** The one error for "nothing to rank": the upstream's own error when every call failed, else a 502. */
function noUsableCandidate(
  candidates: readonly CandidateReport[],
  failures: ReadonlyMap<number, unknown>,
): PrefselError {
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
