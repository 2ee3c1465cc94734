/**
 * @module candidate-params
 * The request body of one candidate call. The client's parameters (`max_tokens`, `max_completion_tokens`,
 * `temperature`, `top_p`, `stop`, `seed`, `user`, and anything else) are forwarded unchanged, with four exceptions:
 * - `n`, `stream`, `stream_options` and `best_of` are dropped: each call yields exactly one candidate;
 * - `temperature` is the selection's default (0.7, the authors') only when the client set none;
 * - `seed` is (client seed, else the selection seed) + candidate index, so best-of-n candidates differ and a run is
 *   reproducible on upstreams that honour seeds;
 * - `messages` carry the directive for the candidate's direction.
 */
import type { ChatCompletionCreateParams } from '../core/openai.js';
import type { DirectiveTemplate } from '../core/selector.js';
import type { Direction, DirectivePlacement } from '../core/types.js';
import { applyDirective } from './directive.js';

/** Options of {@link candidateParams}. */
export interface CandidateParamsOptions {
  direction: Direction;
  /** Candidate index (0-based), added to the seed. */
  index: number;
  /** Attributes the directive mentions, in order. */
  attributes: readonly string[];
  template: DirectiveTemplate;
  placement: DirectivePlacement;
  /** Used when the client set no temperature. */
  temperature: number;
  /** Used as the seed base when the client set no seed. */
  seed: number;
}

/** Builds one candidate's request body from the client's (see the module doc). The input is not mutated. */
export function candidateParams(
  params: ChatCompletionCreateParams,
  options: CandidateParamsOptions,
): ChatCompletionCreateParams {
  const { n: _n, stream: _stream, stream_options: _streamOptions, best_of: _bestOf, ...rest } = params;
  const directive = options.template(options.direction, options.attributes);
  return {
    ...rest,
    messages: applyDirective(params.messages, directive, options.placement),
    temperature: params.temperature ?? options.temperature,
    seed: (params.seed ?? options.seed) + options.index,
  };
}
