/**
 * @module openai-compatible
 * The default {@link Generator}: any OpenAI-compatible `/v1/chat/completions` endpoint (vLLM, TGI, llama.cpp server,
 * Ollama, OpenAI) through `@huggingface/inference`'s `endpointUrl`, or a Hugging Face Inference Provider when no
 * base URL is given. It never retries on its own (`retry_on_error: false`; the engine owns the retry policy), passes
 * the caller's signal to every request, and cancels the HTTP body when a stream consumer stops early. Failures become
 * `UpstreamError` with the upstream's status, message and `Retry-After`.
 */
import {
  InferenceClient,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
} from '@huggingface/inference';
import { InvalidRequestError, isAbortError, UpstreamError } from '../../core/errors.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams, Model } from '../../core/openai.js';
import type { CallOptions, Generator } from '../../core/ports.js';
import { takeTurn } from '../../core/turns.js';
import { forwardableParams, pickUpstreamParams } from '../../core/upstream-params.js';
import { chatBody } from './chat-body.js';

/** hf's own request type (its `ChatCompletionInput` lives in a package we do not depend on directly). */
type HfChatArgs = Parameters<InferenceClient['chatCompletion']>[0];

/** Options of {@link createOpenAICompatibleGenerator}. */
export interface OpenAICompatibleGeneratorOptions {
  /** Base URL including `/v1`, e.g. `http://localhost:8000/v1`. Unset: route through Hugging Face Inference Providers. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>` (an `hf_` token for Hugging Face providers). */
  apiKey?: string;
  /** Hugging Face provider (`together`, `auto`, …) when no `baseUrl` is given; default `auto`. */
  provider?: string;
  /** Replaces the global `fetch` (tests, proxies). */
  fetch?: typeof fetch;
  /** Maps the client's model id to the upstream's (e.g. an alias table). Default: unchanged. */
  mapModel?: (model: string) => string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Report name; default `openai-compatible`. */
  name?: string;
  /**
   * Top-level body fields forwarded beyond the OpenAI chat-completion parameters (`CHAT_COMPLETION_PARAMS`), e.g.
   * vLLM's `top_k`. Any other field makes a call fail with a 400 naming it; the HTTP client's own argument names
   * (`RESERVED_PARAMS`) are refused here with a `TypeError`.
   * @default []
   */
  forwardParams?: readonly string[];
  /**
   * The upstream is vLLM (or another server that accepts `stream_options.continuous_usage_stats`): streams that ask
   * for usage get it on every chunk, so a stream cancelled by pruning is still billed from the upstream's own count.
   * Off by default: OpenAI rejects the unknown field.
   * @default false
   */
  continuousUsageStats?: boolean;
}

/**
 * Creates the default generator.
 * @param [options.baseUrl] OpenAI-compatible base URL with `/v1`; unset routes to Hugging Face providers.
 * @returns a {@link Generator} with `complete`, `stream` and (with a base URL) `listModels`.
 * @example
 * const generator = createOpenAICompatibleGenerator({ baseUrl: 'http://localhost:8000/v1' });
 * const completion = await generator.complete({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
 */
export function createOpenAICompatibleGenerator(options: OpenAICompatibleGeneratorOptions = {}): Generator {
  const baseUrl = options.baseUrl?.replace(/\/+$/, '');
  const apiKey = options.apiKey ?? '';
  const allowed = forwardableParams(options.forwardParams);
  const client = new InferenceClient(apiKey);
  const mapModel = options.mapModel ?? ((model: string) => model);
  // Clients see this in error messages, so it names the kind of upstream, never its (internal) address; the URL
  // stays available to logs through the error's `cause`.
  const where = baseUrl
    ? `(${options.name ?? 'openai-compatible'})`
    : `(Hugging Face provider ${options.provider ?? 'auto'})`;

  /**
   * Per call: a fetch that adds headers and remembers the last response (hf errors drop its headers). A body we
   * serialised ourselves is sent by hf as raw bytes without a content type, so `json` adds it.
   */
  function callFetch(json = false): { fetch: typeof fetch; last: () => Response | undefined } {
    let last: Response | undefined;
    const inner = options.fetch ?? fetch;
    const extra = Object.entries({ ...options.headers, ...(json ? { 'content-type': 'application/json' } : {}) });
    const wrapped: typeof fetch = async (input, init) => {
      // Copying hf's headers costs a Headers object per call: only pay it when there is something to add.
      if (extra.length === 0) return (last = await inner(input, init));
      const headers = new Headers(init?.headers);
      for (const [key, value] of extra) headers.set(key, value);
      last = await inner(input, { ...init, headers });
      return last;
    };
    return { fetch: wrapped, last: () => last };
  }

  /**
   * hf's arguments: the body built from the allow-list (the last check before the library, which reads `data`,
   * `accessToken`, `endpointUrl`, `provider`, … as its own), then the routing and key that only the operator sets.
   * @throws InvalidRequestError naming a field outside the allow-list, before anything is sent.
   */
  function args(params: ChatCompletionCreateParams, requestKey?: object): HfChatArgs {
    const body = pickUpstreamParams(params, allowed);
    body.model = mapModel(body.model);
    if (baseUrl) {
      // The body hf would write for an endpoint URL (its members, then `model`), serialised here so the k
      // candidates of a request share their conversation's JSON (see chat-body.ts). hf sends `data` as is (and
      // callFetch(true) adds its content type); it is ours, built from the allow-list above (a client's `data` is
      // refused there). `model` stays an argument so hf still refuses a path-like model id.
      const { model, ...rest } = body;
      const data = chatBody({ ...rest, model }, requestKey);
      return { model, data, accessToken: apiKey, endpointUrl: baseUrl } as unknown as HfChatArgs;
    }
    // Hugging Face providers: hf builds the body itself, since it maps the model to the provider's own id.
    // Our body is wire-compatible with hf's ChatCompletionInput, which forwards the fields it does not know verbatim.
    const wire = body as unknown as HfChatArgs;
    // hf validates the provider name at call time and throws an input error naming the valid ones.
    return { ...wire, accessToken: apiKey, provider: (options.provider ?? 'auto') as HfChatArgs['provider'] };
  }

  const generator: Generator = {
    name: options.name ?? 'openai-compatible',

    async complete(params, callOptions = {}) {
      // A candidate call is never a stream, whatever the client asked for.
      const { stream: _stream, stream_options: _streamOptions, ...rest } = params;
      // Serialising and sending a body costs in proportion to the conversation: one call per turn of the event
      // loop, so a request's k calls (and other requests' calls) let health checks in between.
      await takeTurn();
      const request = args(rest as ChatCompletionCreateParams, callOptions.requestKey);
      const http = callFetch(baseUrl !== undefined);
      try {
        const out = await client.chatCompletion(request, {
          signal: callOptions.signal,
          retry_on_error: false,
          fetch: http.fetch,
        });
        return out as unknown as ChatCompletion;
      } catch (err) {
        throw toUpstreamError(err, { where, response: http.last(), signal: callOptions.signal });
      }
    },

    async *stream(params, callOptions = {}) {
      const usage = params.stream_options?.include_usage === true && options.continuousUsageStats === true;
      await takeTurn(); // as in complete()
      const request = args(
        usage
          ? { ...params, stream: true, stream_options: { ...params.stream_options, continuous_usage_stats: true } }
          : { ...params, stream: true },
        callOptions.requestKey,
      );
      // Our own controller: hf only releases the reader lock when the consumer stops, so aborting is what closes the socket.
      const controller = new AbortController();
      const onAbort = () => controller.abort(callOptions.signal?.reason);
      if (callOptions.signal?.aborted) onAbort();
      callOptions.signal?.addEventListener('abort', onAbort, { once: true });
      const http = callFetch(baseUrl !== undefined);
      try {
        const chunks = client.chatCompletionStream(request, {
          signal: controller.signal,
          retry_on_error: false,
          fetch: http.fetch,
        });
        // hf ends quietly when the body ends, [DONE] or not; a choice left without a finish reason is the sign
        // that the answer was cut short, and a consumer must not relay it as complete.
        const unfinished = new Set<number>();
        let finished = 0;
        for await (const raw of chunks) {
          const chunk = raw as unknown as ChatCompletionChunk;
          for (const choice of chunk.choices ?? []) {
            if (choice.finish_reason == null) unfinished.add(choice.index);
            else {
              unfinished.delete(choice.index);
              finished++;
            }
          }
          yield chunk;
        }
        if (unfinished.size > 0 || finished === 0) {
          throw new UpstreamError(
            `Upstream ${where} ended its stream before the answer was complete (no finish_reason).`,
            http.last()?.status ?? null,
          );
        }
      } catch (err) {
        throw toUpstreamError(err, { where, response: http.last(), signal: controller.signal });
      } finally {
        callOptions.signal?.removeEventListener('abort', onAbort);
        controller.abort();
      }
    },
  };

  if (baseUrl) {
    generator.listModels = async (callOptions: CallOptions = {}): Promise<Model[]> => {
      const http = callFetch();
      let res: Response;
      try {
        res = await http.fetch(`${baseUrl}/models`, {
          headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
          ...(callOptions.signal ? { signal: callOptions.signal } : {}),
        });
      } catch (err) {
        throw toUpstreamError(err, { where, response: undefined, signal: callOptions.signal });
      }
      const body: unknown = await res.json().catch(() => undefined);
      // An abort (the caller's timeout) while reading the body surfaces here as an unreadable body; report the abort.
      if (callOptions.signal?.aborted) throw callOptions.signal.reason;
      if (!res.ok) throw upstreamError({ where, status: res.status, body, response: res });
      const data = (body as { data?: unknown } | undefined)?.data;
      if (!Array.isArray(data))
        throw upstreamError({
          where,
          status: res.status,
          body: 'GET /models answered without a data array',
          response: res,
        });
      return data as Model[];
    };
  }
  return generator;
}

interface ErrorContext {
  where: string;
  response: Response | undefined;
  signal: AbortSignal | undefined;
}

/** Maps whatever the hf client or fetch threw to an `UpstreamError`; aborts pass through untouched. */
function toUpstreamError(err: unknown, context: ErrorContext): unknown {
  const { where, response, signal } = context;
  if (signal?.aborted || isAbortError(err)) return err;
  if (err instanceof UpstreamError) return err;
  if (err instanceof InferenceClientProviderApiError) {
    return upstreamError({ where, status: err.httpResponse.status, body: err.httpResponse.body, response, cause: err });
  }
  if (err instanceof InferenceClientInputError) {
    // Refused before any request left: the client's input, not the upstream, is at fault. The common case is a
    // model id that looks like a path or URL (vLLM names a model by its path unless --served-model-name is set).
    return new InvalidRequestError(
      `The request cannot be sent upstream: ${err.message} Model ids must not start with "/" or "http(s):"; serve the model under a plain name (vLLM: --served-model-name).`,
      { param: 'model', code: 'invalid_model', cause: err },
    );
  }
  if (err instanceof InferenceClientProviderOutputError) {
    // A 2xx whose body is not a chat completion: still the upstream's fault, so a bad gateway.
    return new UpstreamError(
      `Upstream ${where} returned an invalid chat completion: ${err.message}`,
      response?.status ?? null,
      { cause: err },
    );
  }
  if (err instanceof SyntaxError) {
    // hf parses the JSON body or an SSE event and throws the parser's error: the upstream sent something broken.
    return new UpstreamError(`Upstream ${where} sent a malformed answer: ${err.message}`, response?.status ?? null, {
      cause: err,
    });
  }
  const reason = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
  // With a status line already received, the connection was cut mid-answer rather than never reached.
  if (response)
    return new UpstreamError(`Upstream ${where} broke off its answer: ${reason}`, response.status, { cause: err });
  return new UpstreamError(`Upstream ${where} is unreachable: ${reason}`, null, { cause: err });
}

/** One place that builds an `UpstreamError` from an upstream answer (status, OpenAI/TGI/plain body, Retry-After). */
function upstreamError(options: {
  where: string;
  status: number;
  body: unknown;
  response: Response | undefined;
  cause?: unknown;
}): UpstreamError {
  const { where, status, body, response } = options;
  const retryAfter = response?.headers.get('retry-after');
  return new UpstreamError(`Upstream ${where} answered ${status}: ${messageOf(body)}`, status, {
    cause: options.cause,
    ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
  });
}

/** The message of an error body: OpenAI `{error:{message}}`, TGI `{error}`, FastAPI `{detail}`, `{message}` or text. */
function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.trim() || 'no message';
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; detail?: unknown; message?: unknown };
    if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string') {
      return (b.error as { message: string }).message;
    }
    for (const value of [b.error, b.detail, b.message]) if (typeof value === 'string') return value;
    return JSON.stringify(body).slice(0, 500);
  }
  return 'no message';
}
