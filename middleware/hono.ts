/**
 * @module hono
 * Preference selection as Hono middleware: serves `POST …/chat/completions` inside any Hono app, in the OpenAI
 * wire format (JSON and SSE), with prefsel's `preference` / `selection` extensions in the body or as headers.
 *
 * Behaviour worth knowing:
 * - Selection happens before the first byte, so errors are real HTTP statuses. A stream holds its 200 back for up
 *   to `keepAliveMs`; if selection takes longer, the stream starts with `: keep-alive` comments and a late failure
 *   is sent as `data: {"error":{…}}` (openai-node throws it as `APIError`).
 * - Requests with `tools` or a non-text `response_format` pass through with strategy `none` (the reward model
 *   judges prose, not tool calls or JSON); `X-Selection-Strategy: none` in the response says so.
 * - Strategy `none` with `stream: true` is true pass-through streaming when the generator can stream. It then skips
 *   the engine's queue, retries and deadline (an idle timeout bounds each wait for a chunk instead), and the
 *   response carries no selection report.
 * - A model id may carry a strategy prefix (`rps:llama-3`, `none:llama-3`) for clients that can only pick a model;
 *   body and header options still take precedence.
 * - With `return_candidates: true` the `selection` report is a top-level field of the JSON body, or of the last
 *   finish chunk (`finish_reason` set) of a stream.
 * - With pruning on (`selection.prune`), a stream whose pruning leaves one candidate starts at once: what that
 *   candidate has written so far, then its chunks live (early streaming); `X-Selection-Committed-At-Tokens` says
 *   when. The report, usage and finish reason come in the last chunks.
 * - The client disconnecting aborts every upstream call of its request.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { assertInBound, type Bound } from '../core/bounds.js';
import { NotFoundError } from '../core/errors.js';
import type { ChatCompletionChunk } from '../core/openai.js';
import type { EarlyWinner, Selector } from '../core/selector.js';
import type { Selection } from '../core/types.js';
import { requestAbort } from './http/client-abort.js';
import { delayedEventStream, type EventSource } from './http/event-stream.js';
import { withIdleTimeout } from './http/idle-timeout.js';
import { REPORT_HEADERS } from './http/headers.js';
import { commitHeaders, liveEvents } from './http/live-stream.js';
import { createRequestParser, type ParsedChatRequest } from './http/parse-request.js';
import { newResponseMeta, renderCompletion, selectedChoices, type ResponseMeta } from './http/render.js';
import { reportHeaders, selectionReport } from './http/report.js';
import { replayChunks, SSE_DONE, sseData } from './http/sse.js';
import { keepForFeedback, resolveRequestProfile, type RequestProfileOptions } from './profiles/request.js';

/** What the middleware puts on the context, typed for every app (`c.get('prefselSelection')`). */
export interface PrefselVariables {
  /** The validated request. */
  prefselRequest: ParsedChatRequest;
  /** The finished selection (absent for pass-through streams). */
  prefselSelection: Selection;
  /** The tenant whose profiles a request reads and moves (the server sets it from the client key). */
  prefselTenant: string;
}

declare module 'hono' {
  interface ContextVariableMap extends PrefselVariables {}
}

/** Options of {@link preferenceSelection}; `profiles` selects under each user's learned direction. */
export interface PreferenceSelectionOptions extends RequestProfileOptions {
  /** The engine (`createSelector(...)`). */
  readonly selector: Selector;
  /**
   * Longest time a stream holds back its 200 waiting for the selection, and the keep-alive period after that.
   * Minimum: `1`.
   * @default 1500
   */
  readonly keepAliveMs?: number;
  /**
   * Longest wait for the first chunk of a pass-through stream and between two of its chunks; then the upstream call
   * is aborted and the client gets a 504 (or an error event once the stream has started). Minimum: `1`.
   * @default 60000
   */
  readonly streamIdleTimeoutMs?: number;
  /**
   * Approximate characters per content chunk when a selected answer is replayed as a stream. Minimum: `1`.
   * @default 24
   */
  readonly chunkChars?: number;
  /**
   * Maps the client's model name (strategy prefix already removed) to the upstream's; `null`/`undefined` means
   * unknown (404 `model_not_found`).
   * @default identity
   */
  readonly resolveModel?: (model: string) => string | null | undefined;
  /**
   * Top-level body fields accepted and forwarded upstream beyond the OpenAI chat-completion parameters (e.g. vLLM's
   * `top_k`); any other field is a 400 naming it. Give the generator the same list (its `forwardParams`).
   * @default []
   */
  readonly forwardParams?: readonly string[];
  /** Called with every finished selection (metrics, logs). Must not throw. */
  readonly onSelection?: (selection: Selection, c: Context) => void;
  /** Called with errors that could only be reported inside an already-started stream. Must not throw. */
  readonly onStreamError?: (err: unknown, c: Context) => void;
}

/** Defaults of the middleware's numeric options (the server's settings start from these). */
export const MIDDLEWARE_DEFAULTS = { keepAliveMs: 1500, streamIdleTimeoutMs: 60_000, chunkChars: 24 } as const;
/** Ranges of the middleware's numeric options. */
export const MIDDLEWARE_BOUNDS = {
  keepAliveMs: { min: 1, integer: true },
  streamIdleTimeoutMs: { min: 1, integer: true },
  chunkChars: { min: 1, integer: true },
} as const satisfies Record<keyof typeof MIDDLEWARE_DEFAULTS, Bound>;

const defaults = {
  ...MIDDLEWARE_DEFAULTS,
  forwardParams: [] as readonly string[],
  resolveModel: (model: string): string | null | undefined => model,
  onSelection: (): void => {},
  onStreamError: (): void => {},
} satisfies Required<Omit<PreferenceSelectionOptions, 'selector' | keyof RequestProfileOptions>>;

/**
 * The options with their defaults, checked. Shared by every endpoint middleware (chat completions, Responses).
 * @throws TypeError naming the option when a bound is violated or an option belongs to the engine.
 */
export function middlewareOptions(
  options: PreferenceSelectionOptions,
): Required<Omit<PreferenceSelectionOptions, keyof RequestProfileOptions>> & RequestProfileOptions {
  if ('maxK' in options) {
    // Moved to the engine so the HTTP layer and the library cannot disagree about the largest k.
    throw new TypeError('`maxK` is an option of createSelector({ maxK }), not of the HTTP middleware');
  }
  const opts = { ...defaults, ...options };
  assertInBound('keepAliveMs', opts.keepAliveMs, MIDDLEWARE_BOUNDS.keepAliveMs);
  assertInBound('streamIdleTimeoutMs', opts.streamIdleTimeoutMs, MIDDLEWARE_BOUNDS.streamIdleTimeoutMs);
  assertInBound('chunkChars', opts.chunkChars, MIDDLEWARE_BOUNDS.chunkChars);
  return opts;
}

/**
 * Creates the chat-completions middleware. Mount it where the OpenAI path should live; it handles
 * `POST …/chat/completions` and passes every other request to `next()`. Errors are thrown as `PrefselError`s,
 * which Hono's default handler already renders in the OpenAI shape (or use `errorResponse` in `app.onError`).
 *
 * @param options.selector - the engine.
 * @param [options.keepAliveMs=1500] - header hold-back and keep-alive period of streams.
 * The largest k a request may ask for, and every other selection rule, is the selector's (`createSelector({ maxK })`).
 * @returns the Hono middleware.
 * @example
 * const app = new Hono();
 * app.use('/v1/*', preferenceSelection({ selector: createSelector({ generator, scorer }) }));
 */
export function preferenceSelection(options: PreferenceSelectionOptions): MiddlewareHandler {
  const opts = middlewareOptions(options);
  const { selector } = opts;
  const parse = createRequestParser({
    attributes: selector.attributes,
    angleAttributes: selector.angleAttributes,
    maxK: selector.limits.maxK,
    defaults: selector.defaults,
    forwardParams: opts.forwardParams,
  });

  return async function preferenceSelection(c, next) {
    if (c.req.method !== 'POST' || !c.req.path.endsWith('/chat/completions')) return next();

    const request = await parse(c.req.raw);
    const upstreamModel = opts.resolveModel(request.params.model);
    if (upstreamModel == null) {
      throw new NotFoundError(`The model \`${request.params.model}\` does not exist or is not served by this proxy.`, {
        code: 'model_not_found',
        param: 'model',
      });
    }
    c.set('prefselRequest', request);
    const params = { ...request.params, model: upstreamModel };
    const meta = newResponseMeta(request.model);

    const { abort, asClientError } = requestAbort(c.req.raw.signal);
    const onLateError = (err: unknown) => opts.onStreamError(asClientError(err), c);

    const stream = selector.generator.stream;
    if (request.stream && request.selection.strategy === 'none' && stream) {
      const upstream = withIdleTimeout(
        stream.call(
          selector.generator,
          { ...params, stream: true, ...streamOptions(request) },
          { signal: abort.signal },
        ),
        { idleTimeoutMs: opts.streamIdleTimeoutMs, abort },
      );
      const ready = passThroughEvents(upstream, meta).catch((err: unknown) => Promise.reject(asClientError(err)));
      const { headers, body } = await delayedEventStream({ ready, keepAliveMs: opts.keepAliveMs, abort, onLateError });
      return c.body(body, 200, headers);
    }

    // Early streaming: with pruning, the engine hands over the last candidate while it is still being generated.
    let onCommit: ((winner: EarlyWinner) => void) | undefined;
    const committed = new Promise<EarlyWinner>((resolve) => (onCommit = resolve));
    const profile = await resolveRequestProfile(c, { preference: request.preference, user: params.user }, opts);
    const selecting = selector
      .select(
        {
          params,
          ...(profile.preference ? { preference: profile.preference } : {}),
          selection: request.selection,
          n: request.n,
        },
        { signal: abort.signal, ...(request.stream && request.n === 1 ? { onCommit } : {}) },
      )
      .then(
        async (selection) => {
          c.set('prefselSelection', selection);
          opts.onSelection(selection, c);
          await keepForFeedback(c, profile, { responseId: meta.id, selection, options: opts });
          return selection;
        },
        (err: unknown) => Promise.reject(asClientError(err)),
      );

    if (!request.stream) {
      const selection = await selecting;
      return c.json(renderCompletion(selection, request, meta), 200, {
        ...reportHeaders(selection),
        ...profile.headers,
      });
    }
    const ready = Promise.race([
      selecting.then((selection): EventSource => ({
        headers: { ...reportHeaders(selection), ...profile.headers },
        events: replayEvents(selection, request, { meta, chunkChars: opts.chunkChars }),
      })),
      committed.then((winner): EventSource => ({
        headers: { ...commitHeaders(winner, request.selection.strategy), ...profile.headers },
        events: liveEvents(winner, selecting, {
          meta,
          includeUsage: request.includeUsage,
          returnCandidates: request.returnCandidates,
          chunkChars: opts.chunkChars,
        }),
      })),
    ]);
    const { headers, body } = await delayedEventStream({ ready, keepAliveMs: opts.keepAliveMs, abort, onLateError });
    return c.body(body, 200, headers);
  };
}

/** The client's `stream_options`, forwarded on pass-through so the upstream adds its usage chunk. */
function streamOptions(request: ParsedChatRequest) {
  return request.includeUsage ? { stream_options: { include_usage: true } } : {};
}

/** A finished selection as SSE frames, `[DONE]` last. */
function* replayEvents(
  selection: Selection,
  request: ParsedChatRequest,
  options: { meta: ResponseMeta; chunkChars: number },
): Generator<string> {
  const chunks = replayChunks(selectedChoices(selection, request.n), {
    meta: options.meta,
    includeUsage: request.includeUsage,
    usage: selection.usage,
    chunkChars: options.chunkChars,
    systemFingerprint: selection.chosen.completion?.system_fingerprint ?? null,
    ...(request.returnCandidates ? { report: selectionReport(selection) } : {}),
  });
  for (const chunk of chunks) yield sseData(chunk);
  yield SSE_DONE;
}

/**
 * Relays an upstream stream. Waits for the first chunk so an upstream that fails at once still yields a real HTTP
 * status; every chunk gets this response's id, created and model so the stream is self-consistent.
 */
async function passThroughEvents(
  upstream: AsyncIterable<ChatCompletionChunk>,
  meta: ResponseMeta,
): Promise<EventSource> {
  const iterator = upstream[Symbol.asyncIterator]();
  const first = await iterator.next();
  const frame = (chunk: object) =>
    sseData({ ...chunk, id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model });
  async function* events(): AsyncGenerator<string> {
    try {
      if (!first.done) yield frame(first.value);
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield frame(next.value);
      yield SSE_DONE;
    } finally {
      // Runs when the client leaves early too: tells the upstream iterator to release its connection.
      await iterator.return?.();
    }
  }
  return { headers: { [REPORT_HEADERS.strategy]: 'none' }, events: events() };
}
