/**
 * @module http/live-stream
 * Early streaming: once pruning commits to one candidate while it is still being generated, the client's stream
 * starts at once: a role delta, what the candidate has written so far (split like a replay), then each upstream piece
 * as it arrives. The finish chunk (with the `selection` report when asked for) and the usage chunk follow when the
 * selection is complete, so `usage` still sums every candidate. A candidate that fails after the stream started ends
 * it with an error event, since part of the answer has been sent.
 */
import type { ChatCompletionChunk } from '../../core/openai.js';
import type { EarlyWinner } from '../../core/selector.js';
import type { Selection } from '../../core/types.js';
import { REPORT_HEADERS } from './headers.js';
import type { ResponseMeta } from './render.js';
import { selectionReport, type SelectionReport } from './report.js';
import { SSE_DONE, sseData, splitText } from './sse.js';

/** Options of {@link liveEvents}. */
export interface LiveEventsOptions {
  meta: ResponseMeta;
  includeUsage: boolean;
  returnCandidates: boolean;
  /** Approximate characters per chunk of the replayed text so far. */
  chunkChars: number;
}

type Chunk = ChatCompletionChunk & { selection?: SelectionReport };

/** The SSE frames of an early-streamed answer, `[DONE]` last (see the module doc). */
export async function* liveEvents(
  winner: EarlyWinner,
  selection: Promise<Selection>,
  options: LiveEventsOptions,
): AsyncGenerator<string> {
  const { meta, includeUsage } = options;
  const chunk = (
    delta: Chunk['choices'][number]['delta'],
    finish: Chunk['choices'][number]['finish_reason'],
  ): Chunk => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  yield sseData(chunk({ role: 'assistant', content: '' }, null));
  let first = true;
  for await (const piece of winner.content) {
    // The first piece is everything written before the commit: replay it in small chunks, then forward as it comes.
    for (const part of first ? splitText(piece, options.chunkChars) : [piece])
      yield sseData(chunk({ content: part }, null));
    first = false;
  }
  const done = await selection;
  const finish = chunk({}, done.chosen.finishReason ?? 'stop');
  if (options.returnCandidates) finish.selection = selectionReport(done);
  yield sseData(finish);
  if (includeUsage)
    yield sseData({
      id: meta.id,
      object: 'chat.completion.chunk',
      created: meta.created,
      model: meta.model,
      choices: [],
      usage: done.usage,
    });
  yield SSE_DONE;
}

/** Headers of an early-streamed response: only what is known when the answer is committed. */
export function commitHeaders(winner: EarlyWinner, strategy: string): Record<string, string> {
  return {
    [REPORT_HEADERS.strategy]: strategy,
    [REPORT_HEADERS.chosen]: String(winner.index),
    [REPORT_HEADERS.committedAt]: String(winner.tokens),
  };
}
