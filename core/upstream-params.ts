/**
 * @module upstream-params
 * What a client may put in the body prefsel sends upstream. The upstream body is *built* from an allow-list, never
 * copied from the client's: HTTP client libraries read some argument names as their own (`@huggingface/inference`
 * sends `data` verbatim as the body, lets `accessToken` replace the operator's key, `endpointUrl` redirect the call,
 * `provider` and `billTo` change routing and billing), so a spread client body would hand the operator's key and
 * address to the client. The HTTP layer rejects unknown fields with a 400 naming them, and the default generator
 * applies the same list again right before the library, so an embedding app is protected too.
 *
 * An operator whose upstream takes extra fields (vLLM's `top_k`, `repetition_penalty`, `chat_template_kwargs`, …)
 * names them in `forwardParams` (server: `--forward-params`); {@link RESERVED_PARAMS} can never be named.
 */
import { InvalidRequestError } from './errors.js';
import type { ChatCompletionCreateParams } from './openai.js';

/**
 * The OpenAI chat-completion parameters forwarded upstream. Left out on purpose: `store`, `metadata`,
 * `service_tier`, `prediction`, `audio`, `modalities`, `web_search_options` (they persist data or bill the
 * operator's account differently) and the legacy `functions`/`function_call` (use `tools`). `n`, `stream` and
 * `stream_options` are shaped by prefsel: a selecting strategy asks each upstream call for one choice.
 */
export const CHAT_COMPLETION_PARAMS = [
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'seed',
  'user',
  'n',
  'frequency_penalty',
  'presence_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'stream',
  'stream_options',
] as const;

/**
 * Names that can never be forwarded, whatever the operator configures: every argument `@huggingface/inference`
 * interprets (its `BaseArgs`, `RequestArgs` and `Options`, read in `makeRequestOptions`, `InferenceClient` and the
 * provider helpers), and the keys that reach an object's prototype.
 */
export const RESERVED_PARAMS = [
  'data',
  'accessToken',
  'endpointUrl',
  'provider',
  'billTo',
  'urlTransform',
  'inputs',
  'parameters',
  'includeCredentials',
  'fetch',
  'signal',
  'retry_on_error',
  'task',
  'outputType',
  '__proto__',
  'constructor',
  'prototype',
] as const;

/** prefsel's own request extensions: read by the HTTP layer, never forwarded. */
export const EXTENSION_PARAMS = ['preference', 'selection'] as const;

/** Shape of a name an operator may forward: snake_case as every OpenAI-compatible server spells its fields. */
const FORWARDABLE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const RESERVED = new Set<string>([...RESERVED_PARAMS, ...EXTENSION_PARAMS]);

/**
 * Why an operator may not forward `name`, or null when it may.
 * @example forwardParamProblem('top_k') === null; forwardParamProblem('data') !== null
 */
export function forwardParamProblem(name: string): string | null {
  if (RESERVED.has(name)) return `"${name}" is read by prefsel or its HTTP client and can never come from a client`;
  if (!FORWARDABLE_NAME.test(name)) return `"${name}" is not a snake_case parameter name`;
  return null;
}

/**
 * The set of top-level fields that may reach the upstream: {@link CHAT_COMPLETION_PARAMS} plus the operator's
 * extra names.
 * @throws TypeError when an extra name is reserved or malformed (a configuration mistake, not a request's).
 */
export function forwardableParams(extra: readonly string[] = []): ReadonlySet<string> {
  for (const name of extra) {
    const problem = forwardParamProblem(name);
    if (problem) throw new TypeError(`Expected \`forwardParams\` to hold forwardable names: ${problem}.`);
  }
  return new Set<string>([...CHAT_COMPLETION_PARAMS, ...extra]);
}

/** The 400 for a field outside the allow-list. */
export function unknownParamError(name: string): InvalidRequestError {
  return new InvalidRequestError(
    `Unknown parameter \`${name}\`. prefsel forwards only the chat-completion parameters it knows (README, "Security and limits"); an operator can allow more with --forward-params (option \`forwardParams\`).`,
    { param: name, code: 'unknown_parameter' },
  );
}

/**
 * A fresh upstream body holding only the allowed fields of `params` (undefined values dropped).
 * @throws InvalidRequestError (`code: unknown_parameter`, `param` = the field) on the first field outside `allowed`.
 */
export function pickUpstreamParams(
  params: Readonly<Record<string, unknown>>,
  allowed: ReadonlySet<string>,
): ChatCompletionCreateParams {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(params)) {
    // `allowed` never holds a prototype key (see RESERVED_PARAMS), so this assignment cannot reach a prototype.
    if (!allowed.has(key)) throw unknownParamError(key);
    const value = params[key];
    if (value !== undefined) out[key] = value;
  }
  return out as ChatCompletionCreateParams;
}
