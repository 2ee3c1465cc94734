/**
 * @module completion
 * From a chat-completions body to the simulator's replies and billed usage: the one mapping both the HTTP server
 * and in-process callers (the selection-quality bench) use, so they answer identically for the same body.
 */
import { contentText, type ChatCompletionCreateParams, type CompletionUsage } from '../core/openai.js';
import { generateReply, type Coverage, type Reply } from './text-model.js';
import { countTokens } from './tokens.js';

/** The simulated model's settings (competence, answer length, how much an opening predicts the rest). */
export interface ReplyModel {
  coverage: Coverage;
  falloffDeg: number;
  /** Multiplies the number of sentences; default 1. */
  lengthScale?: number | undefined;
  /** Correlation in [0, 1] between the latent quality of an answer's opening and of its rest; default 1. */
  prefixInformativeness?: number | undefined;
  /** Width of the per-answer latent on-topic rate (times temperature); default 0.2. */
  qualitySpread?: number | undefined;
}

/** The reply for choice `choiceIndex` of a request body (client seed, temperature and token limit respected). */
export function replyToRequest(body: ChatCompletionCreateParams, model: ReplyModel, choiceIndex = 0): Reply {
  return generateReply({
    messages: body.messages,
    seed: body.seed,
    temperature: body.temperature,
    maxTokens: body.max_completion_tokens ?? body.max_tokens,
    coverage: model.coverage,
    falloffDeg: model.falloffDeg,
    lengthScale: model.lengthScale,
    prefixInformativeness: model.prefixInformativeness,
    qualitySpread: model.qualitySpread,
    choiceIndex,
  });
}

/** Usage as the simulator bills it: prompt tokens of every message plus every reply's completion tokens. */
export function usageFor(body: ChatCompletionCreateParams, replies: readonly Reply[]): CompletionUsage {
  const promptTokens = body.messages.reduce((sum, m) => sum + countTokens(contentText(m.content)), 0);
  const completionTokens = replies.reduce((sum, r) => sum + r.completionTokens, 0);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
