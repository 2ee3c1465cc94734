/**
 * @module http/sse
 * Server-sent events as openai-node reads them: `data: <json>` events, `: comment` keep-alives, a mid-stream
 * error as `data: {"error":{…}}`, and `data: [DONE]` last. Also replays a finished selection as chunks.
 */
import type { ChatCompletionChunk, CompletionUsage } from '../../core/openai.js';
import type { RenderedChoice, ResponseMeta } from './render.js';
import type { SelectionReport } from './report.js';

/** The terminal event of a successful stream. */
export const SSE_DONE = 'data: [DONE]\n\n';
/** A comment line: ignored by SSE parsers, keeps proxies and clients from timing the connection out. */
export const SSE_KEEP_ALIVE = ': keep-alive\n\n';

/** One `data:` event. JSON never contains a raw newline, so one line per event is always valid SSE. */
export function sseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** Headers of every event-stream response; `X-Accel-Buffering` stops nginx from holding chunks back. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/**
 * Splits text into pieces of about `size` characters at whitespace, so a replay looks like token streaming.
 * The pieces always concatenate back to the exact text.
 */
export function splitText(text: string, size: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const part of text.split(/(\s+)/)) {
    current += part;
    if (current.length >= size) {
      pieces.push(current);
      current = '';
    }
  }
  if (current !== '') pieces.push(current);
  return pieces;
}

/** Options of {@link replayChunks}. */
export interface ReplayOptions {
  meta: ResponseMeta;
  /** Adds `usage: null` to every chunk and a final usage chunk with `choices: []`. */
  includeUsage: boolean;
  usage: CompletionUsage;
  /** Attached, as a top-level `selection` field, to the last finish chunk. */
  report?: SelectionReport;
  systemFingerprint?: string | null;
  /** Approximate characters per content chunk. */
  chunkChars: number;
}

type Chunk = ChatCompletionChunk & { selection?: SelectionReport };

/** The chunks that stream `choices`: per choice the role delta, its content, its tool calls, its finish reason. */
export function* replayChunks(choices: readonly RenderedChoice[], options: ReplayOptions): Generator<Chunk> {
  const { meta } = options;
  const base = {
    id: meta.id,
    object: 'chat.completion.chunk' as const,
    created: meta.created,
    model: meta.model,
    ...(options.systemFingerprint == null ? {} : { system_fingerprint: options.systemFingerprint }),
  };
  const chunk = (choice: Chunk['choices'][number]): Chunk => ({
    ...base,
    choices: [choice],
    ...(options.includeUsage ? { usage: null } : {}),
  });

  for (const [index, { message, finishReason }] of choices.entries()) {
    yield chunk({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null });
    for (const piece of splitText(message.content ?? '', options.chunkChars)) {
      yield chunk({ index, delta: { content: piece }, logprobs: null, finish_reason: null });
    }
    if (message.tool_calls && message.tool_calls.length > 0) {
      const toolCalls = message.tool_calls.map((call, i) => ({ index: i, ...call }));
      yield chunk({ index, delta: { tool_calls: toolCalls }, logprobs: null, finish_reason: null });
    }
    const finish = chunk({ index, delta: {}, logprobs: null, finish_reason: finishReason });
    if (options.report && index === choices.length - 1) finish.selection = options.report;
    yield finish;
  }
  if (options.includeUsage) yield { ...base, choices: [], usage: options.usage };
}
