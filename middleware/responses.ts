/**
 * @module responses
 * Preference selection behind the OpenAI Responses API: serves `POST …/responses` inside any Hono app, for text, so
 * clients that speak only the Responses API (the Vercel AI SDK's default `openai(…)` provider, current OpenAI SDKs)
 * get selected answers by changing the base URL. The same engine, extensions (`preference` / `selection` in the body,
 * `X-Preference` / `X-Selection-*` headers, strategy-prefixed model ids) and report headers as chat completions.
 *
 * Behaviour worth knowing:
 * - The chosen candidate is the one `message` item of `output`; `usage` is summed over every upstream call.
 * - Streams carry the Responses API's typed events with consecutive `sequence_number`s and no `[DONE]`. The 200 is
 *   held back for up to `keepAliveMs` so fast failures keep their HTTP status; after that `response.created` and
 *   `response.in_progress` go out, `: keep-alive` comments follow while candidates are generated, and a late failure
 *   is an `error` event followed by `response.failed`.
 * - Strategy `none` with `stream: true` relays the upstream's stream live (no queue, retries or deadline; no report).
 * - With `return_candidates: true` the `selection` report is a top-level field of the Response object (in a stream:
 *   of the `response.completed` event's `response`).
 * - With pruning on (`selection.prune`), a stream starts as soon as one candidate is left: what it has written so far,
 *   then its text live (early streaming); the closing events follow once the selection is complete.
 * - A JSON `text.format` passes through with strategy `none` (the reward model judges prose), as on chat.
 * - Tools, non-text input and stored state are refused with a 400 naming the field (see `http/responses-request.ts`).
 */
import type { MiddlewareHandler } from 'hono';
import { NotFoundError } from '../core/errors.js';
import type { EarlyWinner } from '../core/selector.js';
import type { Selection } from '../core/types.js';
import { requestAbort } from './http/client-abort.js';
import { delayedEventStream, type EventSource } from './http/event-stream.js';
import { withIdleTimeout } from './http/idle-timeout.js';
import { REPORT_HEADERS } from './http/headers.js';
import { reportHeaders, selectionReport } from './http/report.js';
import { createResponsesRequestParser } from './http/responses-request.js';
import { newResponsesMeta, renderResponse } from './http/responses-render.js';
import { commitHeaders } from './http/live-stream.js';
import { liveSelection, primed, relayChunks, replaySelection, ResponseEventWriter } from './http/responses-stream.js';
import { middlewareOptions, type PreferenceSelectionOptions } from './hono.js';
import { keepForFeedback, resolveRequestProfile } from './profiles/request.js';

/** Options of {@link preferenceResponses}: the same as the chat-completions middleware's. */
export type PreferenceResponsesOptions = PreferenceSelectionOptions;

/**
 * Creates the Responses API middleware. Mount it where the OpenAI path should live; it handles `POST …/responses`
 * and passes every other request to `next()`. Errors are thrown as `PrefselError`s (render them with `errorResponse`
 * in `app.onError`).
 *
 * @param options.selector - the engine.
 * @param [options.keepAliveMs=1500] - header hold-back and keep-alive period of streams.
 * The largest k a request may ask for, and every other selection rule, is the selector's (`createSelector({ maxK })`).
 * @returns the Hono middleware.
 * @example
 * const app = new Hono();
 * const selector = createSelector({ generator, scorer });
 * app.use('/v1/*', preferenceSelection({ selector }), preferenceResponses({ selector }));
 */
export function preferenceResponses(options: PreferenceResponsesOptions): MiddlewareHandler {
  const opts = middlewareOptions(options);
  const { selector } = opts;
  const parse = createResponsesRequestParser({
    attributes: selector.attributes,
    angleAttributes: selector.angleAttributes,
    maxK: selector.limits.maxK,
    defaults: selector.defaults,
    forwardParams: opts.forwardParams,
  });

  return async function preferenceResponses(c, next) {
    if (c.req.method !== 'POST' || !c.req.path.endsWith('/responses')) return next();

    const request = await parse(c.req.raw);
    const upstreamModel = opts.resolveModel(request.params.model);
    if (upstreamModel == null) {
      throw new NotFoundError(`The model \`${request.params.model}\` does not exist or is not served by this proxy.`, {
        code: 'model_not_found',
        param: 'model',
      });
    }
    const params = { ...request.params, model: upstreamModel };
    const meta = newResponsesMeta(request.model, request.echo);
    const { abort, asClientError } = requestAbort(c.req.raw.signal);
    const writer = new ResponseEventWriter(meta);
    const streamOptions = {
      keepAliveMs: opts.keepAliveMs,
      abort,
      onLateError: (err: unknown) => opts.onStreamError(asClientError(err), c),
      onCommit: () => writer.start(),
      errorFrames: (err: unknown) => writer.fail(asClientError(err)),
    };

    const stream = selector.generator.stream;
    if (request.stream && request.selection.strategy === 'none' && stream) {
      // The Response needs usage at the end, so the upstream is always asked for its usage chunk.
      const upstream = withIdleTimeout(
        stream.call(
          selector.generator,
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: abort.signal },
        ),
        { idleTimeoutMs: opts.streamIdleTimeoutMs, abort },
      );
      const ready = primed(upstream).then(
        (chunks): EventSource => ({
          headers: { [REPORT_HEADERS.strategy]: 'none' },
          events: relayChunks(writer, chunks),
        }),
        (err: unknown) => Promise.reject(asClientError(err)),
      );
      const { headers, body } = await delayedEventStream({ ready, ...streamOptions });
      return c.body(body, 200, headers);
    }

    // Early streaming: with pruning, the engine hands over the last candidate while it is still being generated.
    let onCommit: ((winner: EarlyWinner) => void) | undefined;
    const committed = new Promise<EarlyWinner>((resolve) => (onCommit = resolve));
    const profile = await resolveRequestProfile(c, { preference: request.preference, user: params.user }, opts);
    const selecting = selector
      .select(
        { params, ...(profile.preference ? { preference: profile.preference } : {}), selection: request.selection },
        { signal: abort.signal, ...(request.stream ? { onCommit } : {}) },
      )
      .then(
        async (selection: Selection) => {
          c.set('prefselSelection', selection);
          opts.onSelection(selection, c);
          await keepForFeedback(c, profile, { responseId: meta.id, selection, options: opts });
          return selection;
        },
        (err: unknown) => Promise.reject(asClientError(err)),
      );

    if (!request.stream) {
      const selection = await selecting;
      const body = renderResponse(selection, meta, { returnCandidates: request.returnCandidates });
      return c.json(body, 200, { ...reportHeaders(selection), ...profile.headers });
    }
    const ready = Promise.race([
      selecting.then((selection): EventSource => ({
        headers: { ...reportHeaders(selection), ...profile.headers },
        events: replaySelection(writer, selection, {
          chunkChars: opts.chunkChars,
          ...(request.returnCandidates ? { report: selectionReport(selection) } : {}),
        }),
      })),
      committed.then((winner): EventSource => ({
        headers: { ...commitHeaders(winner, request.selection.strategy), ...profile.headers },
        events: liveSelection(writer, winner, selecting, {
          chunkChars: opts.chunkChars,
          ...(request.returnCandidates ? { report: selectionReport } : {}),
        }),
      })),
    ]);
    const { headers, body } = await delayedEventStream({ ready, ...streamOptions });
    return c.body(body, 200, headers);
  };
}
