/**
 * @module http/pass-through
 * Relays an upstream stream (strategy `none` with `stream: true`) as this response's SSE events. The first chunk is
 * awaited before the events are handed over, so an upstream that fails at once still yields a real HTTP status.
 * Every wait for a chunk, the first included, is bounded by an idle timeout: an upstream that sends headers and
 * then nothing would otherwise hold the client (and a connection) forever behind keep-alive comments. When it
 * fires, the upstream call is aborted and the client gets a 504 (or, once the stream has started, an error event
 * and no `[DONE]`, so the answer never looks complete).
 */
import { UpstreamTimeoutError } from '../../core/errors.js';
import type { ChatCompletionChunk } from '../../core/openai.js';
import type { EventSource } from './event-stream.js';
import { REPORT_HEADERS } from './headers.js';
import type { ResponseMeta } from './render.js';
import { SSE_DONE, sseData } from './sse.js';

/** Options of {@link passThroughEvents}. */
export interface PassThroughOptions {
  /** This response's id, created and model, stamped on every chunk so the stream is self-consistent. */
  meta: ResponseMeta;
  /** Longest wait for the first chunk and between two chunks, ms. */
  idleTimeoutMs: number;
  /** The controller whose signal the upstream call runs under; aborted when the upstream goes silent. */
  abort: AbortController;
}

const TIMED_OUT = Symbol('timed out');

/** Waits for the first chunk, then returns the events (every chunk re-stamped, `[DONE]` last). */
export async function passThroughEvents(
  upstream: AsyncIterable<ChatCompletionChunk>,
  options: PassThroughOptions,
): Promise<EventSource> {
  const { meta } = options;
  const iterator = upstream[Symbol.asyncIterator]();
  const next = () => nextWithin(iterator, options);
  const first = await next();
  const frame = (chunk: object) =>
    sseData({ ...chunk, id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model });
  async function* events(): AsyncGenerator<string> {
    try {
      if (!first.done) yield frame(first.value);
      for (let chunk = await next(); !chunk.done; chunk = await next()) yield frame(chunk.value);
      yield SSE_DONE;
    } finally {
      // Runs when the client leaves early too: tells the upstream iterator to release its connection.
      await iterator.return?.();
    }
  }
  return { headers: { [REPORT_HEADERS.strategy]: 'none' }, events: events() };
}

/** The iterator's next chunk, or an `UpstreamTimeoutError` (and the upstream call aborted) after the idle timeout. */
async function nextWithin(
  iterator: AsyncIterator<ChatCompletionChunk>,
  options: PassThroughOptions,
): Promise<IteratorResult<ChatCompletionChunk>> {
  const { idleTimeoutMs, abort } = options;
  const pending = iterator.next();
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), idleTimeoutMs);
  });
  try {
    const result = await Promise.race([pending, idle]);
    if (result !== TIMED_OUT) return result;
  } finally {
    clearTimeout(timer);
  }
  // The read still pending rejects once the abort reaches the upstream request; nobody waits for it any more.
  pending.catch(() => {});
  const err = new UpstreamTimeoutError(
    `The upstream sent nothing for ${idleTimeoutMs} ms, the stream idle timeout; the stream was cut.`,
  );
  abort.abort(err);
  throw err;
}
