/**
 * @module http/responses-stream
 * The Responses API's typed event stream. {@link ResponseEventWriter} is a small state machine that turns "the answer
 * so far" into events with consecutive `sequence_number`s: `response.created` / `response.in_progress`, the message
 * item and its text part opening, `response.output_text.delta` per piece, then the closing events and
 * `response.completed` (or `response.incomplete`) with usage — or, on a failure, `error` and `response.failed`.
 * It does not care where the text comes from: {@link replaySelection} feeds it a finished selection,
 * {@link relayChunks} a live chat-completions stream (strategy `none`), {@link liveSelection} a candidate pruning
 * committed to while it is still being generated (early streaming).
 */
import { UpstreamError } from '../../core/errors.js';
import type { ChatCompletionChunk, CompletionUsage, FinishReason } from '../../core/openai.js';
import type { ResponseError, ResponseOutputText, ResponseStreamEvent } from '../../core/openai-responses.js';
import type { EarlyWinner } from '../../core/selector.js';
import type { Selection } from '../../core/types.js';
import { errorBody, errorStatus } from './errors.js';
import type { SelectionReport } from './report.js';
import { finishStatus, outputMessage, responseObject, responseUsage, type ResponsesMeta } from './responses-render.js';
import { splitText } from './sse.js';

/** Distributes `Omit` over a union, so each event keeps its own fields. */
type Unsequenced<E> = E extends unknown ? Omit<E, 'sequence_number'> : never;

/** One SSE frame as the Responses API sends it: the event type on `event:`, the whole event as `data:`. */
export function sseEvent(event: ResponseStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** How a successful answer ended. */
export interface ResponseEnd {
  finishReason: FinishReason | null | undefined;
  /** Tokens billed for the whole request; absent when the upstream did not report them. */
  usage?: CompletionUsage;
  /** The selection report, attached to the final response object (`return_candidates`). */
  report?: SelectionReport;
}

/** Writes the events of one response, in order. Every method returns the SSE frames to send next. */
export class ResponseEventWriter {
  private sequence = 0;
  private text = '';
  private phase: 'new' | 'started' | 'open' | 'ended' = 'new';

  constructor(private readonly meta: ResponsesMeta) {}

  /** True once a terminal event (completed, incomplete or failed) was written. */
  get ended(): boolean {
    return this.phase === 'ended';
  }

  /** `response.created` and `response.in_progress`; nothing if already written. */
  start(): string[] {
    if (this.phase !== 'new') return [];
    this.phase = 'started';
    const response = responseObject(this.meta, { status: 'in_progress', output: [] });
    return [this.emit({ type: 'response.created', response }), this.emit({ type: 'response.in_progress', response })];
  }

  /** A piece of the answer's text; opens the message item and its text part first. */
  delta(text: string): string[] {
    const frames = this.open();
    if (text === '') return frames;
    this.text += text;
    frames.push(this.emit({ type: 'response.output_text.delta', ...this.position(), delta: text, logprobs: [] }));
    return frames;
  }

  /** Closes the text part and the message, then `response.completed` (or `response.incomplete`) with usage. */
  finish(end: ResponseEnd): string[] {
    if (this.phase === 'ended') return [];
    const frames = this.open();
    const { status, incomplete } = finishStatus(end.finishReason);
    const part: ResponseOutputText = { type: 'output_text', text: this.text, annotations: [] };
    const item = outputMessage(this.meta, this.text, status);
    const response = {
      ...responseObject(this.meta, {
        status,
        incomplete,
        output: [item],
        ...(end.usage ? { usage: responseUsage(end.usage) } : {}),
      }),
      ...(end.report ? { selection: end.report } : {}),
    };
    frames.push(
      this.emit({ type: 'response.output_text.done', ...this.position(), text: this.text, logprobs: [] }),
      this.emit({ type: 'response.content_part.done', ...this.position(), part }),
      this.emit({ type: 'response.output_item.done', output_index: 0, item }),
      this.emit({ type: status === 'completed' ? 'response.completed' : 'response.incomplete', response }),
    );
    this.phase = 'ended';
    return frames;
  }

  /**
   * A failure after the 200 went out: the `error` event (the OpenAI error's code, message and param), then
   * `response.failed` with the text produced so far. Starts the response first if nothing was written yet, since
   * SDKs build their snapshot from `response.created`.
   */
  fail(err: unknown): string[] {
    if (this.phase === 'ended') return [];
    const wasOpen = this.phase === 'open';
    const frames = this.start();
    const { error } = errorBody(err);
    frames.push(this.emit({ type: 'error', code: error.code, message: error.message, param: error.param }));
    const output = wasOpen ? [outputMessage(this.meta, this.text, 'incomplete')] : [];
    const failed = { code: failedCode(errorStatus(err)), message: error.message };
    frames.push(
      this.emit({
        type: 'response.failed',
        response: responseObject(this.meta, { status: 'failed', output, error: failed }),
      }),
    );
    this.phase = 'ended';
    return frames;
  }

  /** Starts the response if needed, then announces the message item and its text part (once). */
  private open(): string[] {
    const frames = this.start();
    if (this.phase !== 'started') return frames;
    this.phase = 'open';
    const part: ResponseOutputText = { type: 'output_text', text: '', annotations: [] };
    frames.push(
      this.emit({
        type: 'response.output_item.added',
        output_index: 0,
        item: outputMessage(this.meta, '', 'in_progress'),
      }),
      this.emit({ type: 'response.content_part.added', ...this.position(), part }),
    );
    return frames;
  }

  private position() {
    return { item_id: this.meta.messageId, output_index: 0, content_index: 0 };
  }

  private emit(event: Unsequenced<ResponseStreamEvent>): string {
    return sseEvent({ ...event, sequence_number: this.sequence++ } as ResponseStreamEvent);
  }
}

/** The Responses API's closed set of failure codes, chosen by the HTTP status the error would have had. */
function failedCode(status: number): ResponseError['code'] {
  if (status === 429) return 'rate_limit_exceeded';
  return status >= 400 && status < 500 ? 'invalid_prompt' : 'server_error';
}

/** Options of {@link replaySelection}. */
export interface ReplaySelectionOptions {
  /** Approximate characters per `response.output_text.delta`. */
  chunkChars: number;
  /** Attached to the final response object. */
  report?: SelectionReport;
}

/** A finished selection as events: the chosen answer in small pieces, usage summed over every candidate. */
export function* replaySelection(
  writer: ResponseEventWriter,
  selection: Selection,
  options: ReplaySelectionOptions,
): Generator<string> {
  yield* writer.start();
  for (const piece of splitText(selection.chosen.message?.content ?? '', options.chunkChars)) {
    yield* writer.delta(piece);
  }
  yield* writer.finish({
    finishReason: selection.chosen.finishReason,
    usage: selection.usage,
    ...(options.report ? { report: options.report } : {}),
  });
}

/**
 * Early streaming: the committed candidate's text so far (in small pieces), then each piece as it is generated; the
 * closing events, with usage over every candidate and the report, once the selection is complete.
 */
export async function* liveSelection(
  writer: ResponseEventWriter,
  winner: EarlyWinner,
  selection: Promise<Selection>,
  options: { chunkChars: number; report?: (selection: Selection) => SelectionReport },
): AsyncGenerator<string> {
  yield* writer.start();
  let first = true;
  for await (const piece of winner.content) {
    for (const part of first ? splitText(piece, options.chunkChars) : [piece]) yield* writer.delta(part);
    first = false;
  }
  const done = await selection;
  yield* writer.finish({
    finishReason: done.chosen.finishReason,
    usage: done.usage,
    ...(options.report ? { report: options.report(done) } : {}),
  });
}

/**
 * A live chat-completions stream (choice 0) as events. A stream that ends without a finish reason was cut off:
 * it fails the response instead of presenting a truncated answer as complete.
 */
export async function* relayChunks(
  writer: ResponseEventWriter,
  chunks: AsyncIterable<ChatCompletionChunk>,
): AsyncGenerator<string> {
  yield* writer.start();
  let finishReason: FinishReason | null = null;
  let usage: CompletionUsage | undefined;
  for await (const chunk of chunks) {
    const choice = chunk.choices.find((c) => c.index === 0);
    if (choice?.delta.content) yield* writer.delta(choice.delta.content);
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  if (finishReason === null) {
    throw new UpstreamError('The upstream stream ended before its answer was complete (no finish reason).', 502);
  }
  yield* writer.finish({ finishReason, ...(usage ? { usage } : {}) });
}

/**
 * Waits for the first item of a stream, so a source that fails at once still fails before any byte is sent (a real
 * HTTP status). The returned iterable yields that item and the rest, and releases the source when left early.
 */
export async function primed<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        if (first.done) return;
        yield first.value;
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
      } finally {
        await iterator.return?.();
      }
    },
  };
}
