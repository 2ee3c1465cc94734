/**
 * @module http/render
 * A {@link Selection} as the OpenAI response a client asked for: the top-n candidates as `choices` (rank order),
 * `usage` summed over every upstream call, and the opt-in `selection` report.
 */
import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionMessage, FinishReason } from '../../core/openai.js';
import type { Selection } from '../../core/types.js';
import { selectionReport, type SelectionReport } from './report.js';

/** Identity shared by a response and every chunk of its stream. */
export interface ResponseMeta {
  id: string;
  created: number;
  /** The model name as the client sent it. */
  model: string;
}

/** A fresh `chatcmpl-…` id and timestamp. */
export function newResponseMeta(model: string): ResponseMeta {
  return { id: `chatcmpl-${randomUUID().replaceAll('-', '')}`, created: Math.floor(Date.now() / 1000), model };
}

/** One choice to return, in the order the client sees them. */
export interface RenderedChoice {
  message: ChatCompletionMessage;
  finishReason: FinishReason;
  /** The upstream's logprobs, kept on pass-through. */
  logprobs?: unknown;
}

/**
 * The choices a selection yields. Strategy `none` passes the upstream's own choices through (it forwarded `n`);
 * the selecting strategies return the best `n` candidates by projection (fewer when fewer succeeded).
 */
export function selectedChoices(selection: Selection, n: number): RenderedChoice[] {
  const upstream = selection.strategy === 'none' ? selection.chosen.completion?.choices : undefined;
  if (upstream && upstream.length > 0) {
    return upstream.map((c) => ({ message: c.message, finishReason: c.finish_reason ?? 'stop', logprobs: c.logprobs }));
  }
  const ranked = selection.ranked.length > 0 ? selection.ranked : [selection.chosen];
  return ranked.slice(0, n).map((c) => ({
    message: c.message ?? { role: 'assistant', content: '' },
    finishReason: c.finishReason ?? 'stop',
  }));
}

/** The non-streaming body, with `selection` added when the client asked for the candidates. */
export function renderCompletion(
  selection: Selection,
  request: { n: number; returnCandidates: boolean },
  meta: ResponseMeta,
): ChatCompletion & { selection?: SelectionReport } {
  const fingerprint = selection.chosen.completion?.system_fingerprint;
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: selectedChoices(selection, request.n).map((c, index) => ({
      index,
      message: c.message,
      finish_reason: c.finishReason,
      logprobs: c.logprobs ?? null,
    })),
    usage: selection.usage,
    ...(fingerprint == null ? {} : { system_fingerprint: fingerprint }),
    ...(request.returnCandidates ? { selection: selectionReport(selection) } : {}),
  };
}
