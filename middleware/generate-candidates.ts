/**
 * @module generate-candidates
 * Fans out one upstream call per planned candidate and turns each outcome into a {@link CandidateReport}: `ok`,
 * `excluded` (blank or template tags only, never scored) or `failed` (with the upstream's status). A failure never
 * sinks the request here; the caller decides what to do when nothing is usable. Aborts (the caller's signal or the
 * deadline) do propagate.
 */
import { PrefselError, UpstreamError } from '../core/errors.js';
import type { ChatCompletion, ChatCompletionCreateParams } from '../core/openai.js';
import type { Generator } from '../core/ports.js';
import type { CandidateReport, Direction } from '../core/types.js';
import { degenerateReason } from './degenerate.js';
import type { UpstreamRunner } from './upstream-runner.js';

/** One candidate to generate. */
export interface CandidatePlan {
  direction: Direction | null;
  params: ChatCompletionCreateParams;
}

/** Options of {@link generateCandidates}. */
export interface GenerateCandidatesOptions {
  plans: readonly CandidatePlan[];
  generator: Generator;
  runner: UpstreamRunner;
  signal: AbortSignal;
  /** Skip degenerate filtering (strategy `none` passes the upstream's answer through as is). */
  keepDegenerate?: boolean;
  onCandidate?: ((candidate: CandidateReport) => void) | undefined;
}

/** What {@link generateCandidates} returns. */
export interface GeneratedCandidates {
  /** Reports in plan order. */
  candidates: CandidateReport[];
  /** The error each failed candidate threw, by index (so an all-failed error can carry the upstream's own). */
  failures: Map<number, unknown>;
}

/**
 * Generates all candidates concurrently.
 * @throws the signal's reason once it is aborted (caller gone or deadline passed).
 */
export async function generateCandidates(options: GenerateCandidatesOptions): Promise<GeneratedCandidates> {
  const { plans, generator, runner, signal } = options;
  const failures = new Map<number, unknown>();
  // One key for the request's calls: the generator may serialise their shared conversation once under it.
  const requestKey = {};
  const settled = await Promise.allSettled(
    plans.map(async (plan, index) => {
      // latencyMs runs from dispatch to settle: queue wait, every attempt and backoff included.
      const started = performance.now();
      let report: CandidateReport;
      try {
        const { value } = await runner.run((s) => generator.complete(plan.params, { signal: s, requestKey }), {
          signal,
        });
        report = fromCompletion(value, {
          index,
          direction: plan.direction,
          latencyMs: performance.now() - started,
          keepDegenerate: options.keepDegenerate ?? false,
        });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        report = {
          index,
          direction: plan.direction,
          status: 'failed',
          chosen: false,
          latencyMs: performance.now() - started,
          error: describeError(err),
        };
        failures.set(index, err);
      }
      options.onCandidate?.(report);
      return report;
    }),
  );
  if (signal.aborted) throw signal.reason;
  const candidates = settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
  return { candidates, failures };
}

function fromCompletion(
  completion: ChatCompletion,
  context: { index: number; direction: Direction | null; latencyMs: number; keepDegenerate: boolean },
): CandidateReport {
  const { index, direction, latencyMs } = context;
  const choice = completion.choices[0];
  const report: CandidateReport = { index, direction, status: 'ok', chosen: false, latencyMs, completion };
  if (completion.usage) report.usage = completion.usage;
  if (!choice) {
    return {
      ...report,
      status: 'excluded',
      error: { message: 'The upstream answered without any choice.', status: null },
    };
  }
  report.message = choice.message;
  report.finishReason = choice.finish_reason;
  const reason = context.keepDegenerate ? null : degenerateReason(choice.message.content);
  if (reason)
    return { ...report, status: 'excluded', error: { message: `Excluded before scoring: ${reason}.`, status: null } };
  return report;
}

/** An error as a candidate report shows it: message and the upstream's status (null when there was none). */
export function describeError(err: unknown): { message: string; status: number | null } {
  if (err instanceof UpstreamError) return { message: err.message, status: err.upstreamStatus };
  if (err instanceof PrefselError) return { message: err.message, status: err.status };
  return { message: err instanceof Error ? err.message : String(err), status: null };
}
