/**
 * @module http/event-stream
 * An SSE response that keeps real HTTP statuses for fast failures. The 200 and its headers are held back until the
 * events are ready or `keepAliveMs` passes, whichever comes first: a request that fails quickly (bad preference,
 * upstream 401, overload) still gets its 4xx/5xx status. After that point the stream is committed: comment lines
 * keep it alive while the work runs, and a late failure becomes openai-node's `data: {"error":{…}}` event (or the
 * frames the protocol uses instead: the Responses API's `error` and `response.failed` events).
 */
import { errorBody } from './errors.js';
import { SSE_HEADERS, SSE_KEEP_ALIVE, sseData } from './sse.js';

/** The events of a response, available once the work is done. */
export interface EventSource {
  /** Extra headers, used only when the events were ready before the headers went out. */
  headers?: Record<string, string>;
  /** Complete SSE frames. A throw mid-way is reported to the client as an error event. */
  events: Iterable<string> | AsyncIterable<string>;
}

/** Options of {@link delayedEventStream}. */
export interface DelayedEventStreamOptions {
  /** Resolves with the events, or rejects with the error to report. */
  ready: Promise<EventSource>;
  /** Longest wait before the headers are committed; also the keep-alive period after that. */
  keepAliveMs: number;
  /** Aborted when the client goes away mid-stream, so the work behind `ready` stops. */
  abort: AbortController;
  /** Told about errors that could only be reported inside the stream (after the 200). */
  onLateError?: (err: unknown) => void;
  /** Frames sent when the headers go out before the events are ready (the Responses API's `response.created`). */
  onCommit?: () => Iterable<string>;
  /** Frames that report a failure inside the stream; default openai-node's `data: {"error":{…}}`. */
  errorFrames?: (err: unknown) => Iterable<string>;
}

/** Status 200 headers and body of the stream. */
export interface EventStreamResponse {
  headers: Record<string, string>;
  body: ReadableStream<Uint8Array>;
}

type Early = { source: EventSource } | { error: unknown } | null;

/** Waits at most `keepAliveMs` for `ready`; throws its error if it failed in that window. */
export async function delayedEventStream(options: DelayedEventStreamOptions): Promise<EventStreamResponse> {
  const { ready, keepAliveMs, abort, onLateError, onCommit } = options;
  const errorFrames = options.errorFrames ?? ((err: unknown) => [sseData(errorBody(err))]);
  let timer: NodeJS.Timeout | undefined;
  const early: Early = await Promise.race([
    ready.then(
      (source) => ({ source }),
      (error: unknown) => ({ error }),
    ),
    new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), keepAliveMs);
    }),
  ]);
  clearTimeout(timer);
  if (early && 'error' in early) throw early.error;

  const encoder = new TextEncoder();
  let closed = false;
  let keepAlive: NodeJS.Timeout | undefined;
  const stop = () => {
    closed = true;
    clearInterval(keepAlive);
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const fail = (err: unknown) => {
        for (const frame of errorFrames(err)) write(frame);
        onLateError?.(err);
      };
      const pump = async () => {
        let source = early?.source;
        if (!source) {
          // Flush the headers now and prove the connection is alive while candidates are generated.
          for (const frame of onCommit?.() ?? []) write(frame);
          write(SSE_KEEP_ALIVE);
          keepAlive = setInterval(() => write(SSE_KEEP_ALIVE), keepAliveMs);
          try {
            source = await ready;
          } catch (err) {
            return fail(err);
          } finally {
            clearInterval(keepAlive);
          }
        }
        try {
          for await (const event of source.events) {
            if (closed) break;
            write(event);
          }
        } catch (err) {
          fail(err);
        }
      };
      void pump().finally(() => {
        if (closed) return;
        stop();
        controller.close();
      });
    },
    cancel() {
      // The client went away: stop writing and cancel every upstream call still running for this request.
      stop();
      abort.abort(new DOMException('The client closed the stream.', 'AbortError'));
    },
  });

  return { headers: { ...SSE_HEADERS, ...(early?.source.headers ?? {}) }, body };
}
