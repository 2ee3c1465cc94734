/**
 * @module respond
 * Writes the simulator's answers in the OpenAI wire format: JSON completions, SSE streams (id/object/created on every
 * chunk, a role delta first, an optional `choices: []` usage chunk, then `data: [DONE]`) and error bodies.
 */
import type { ServerResponse } from 'node:http';
import type { ChatCompletion, ChatCompletionChunk, CompletionUsage } from '../core/openai.js';
import type { Reply } from './text-model.js';
import { countTokens, splitForStreaming } from './tokens.js';

/** Identity shared by every chunk of one answer. */
export interface AnswerIdentity {
  id: string;
  created: number;
  model: string;
}

/** Sends an OpenAI-shaped error (or `body` verbatim). */
export function sendError(
  res: ServerResponse,
  options: { status: number; message: string; retryAfterSeconds?: number; body?: unknown; param?: string },
): void {
  const { status } = options;
  const type = status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const code = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request';
  const body = options.body ?? { error: { message: options.message, type, param: options.param ?? null, code } };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
  res.writeHead(status, headers).end(JSON.stringify(body));
}

/** Sends a non-streaming completion with one choice per reply. */
export function sendCompletion(
  res: ServerResponse,
  options: { identity: AnswerIdentity; replies: Reply[]; usage: CompletionUsage },
): void {
  const { identity, replies, usage } = options;
  const completion: ChatCompletion = {
    ...identity,
    object: 'chat.completion',
    choices: replies.map((reply, index) => ({
      index,
      message: { role: 'assistant', content: reply.content, refusal: null },
      finish_reason: reply.finishReason,
      logprobs: null,
    })),
    usage,
    system_fingerprint: 'fp_prefsel_sim',
  };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
}

/** Options of {@link completionChunks}. */
export interface ChunkOptions {
  identity: AnswerIdentity;
  replies: Reply[];
  usage: CompletionUsage;
  /** `stream_options.include_usage`: `usage: null` on every chunk and a final `choices: []` usage chunk. */
  includeUsage: boolean;
  /** vLLM's `stream_options.continuous_usage_stats` (with include_usage): every chunk carries the usage so far. */
  continuousUsage: boolean;
}

/** One chunk of a stream and the completion tokens its content carries (0 for role, finish and usage chunks). */
export interface StreamPiece {
  chunk: ChatCompletionChunk;
  tokens: number;
}

/**
 * The chunks of a streamed answer, in order: per choice a role delta, one content chunk per word, a finish chunk;
 * then the usage chunk when asked for. Pure, so the HTTP server (which paces and writes them) and in-process
 * generators stream exactly the same thing.
 */
export function* completionChunks(options: ChunkOptions): Generator<StreamPiece> {
  const { identity, replies, usage, includeUsage } = options;
  const continuous = includeUsage && options.continuousUsage;
  let sent = 0;
  const piece = (choices: ChatCompletionChunk['choices'], tokens = 0): StreamPiece => {
    sent += tokens;
    const chunk: ChatCompletionChunk = {
      ...identity,
      object: 'chat.completion.chunk',
      choices,
      system_fingerprint: 'fp_prefsel_sim',
    };
    if (continuous) {
      chunk.usage = {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: sent,
        total_tokens: usage.prompt_tokens + sent,
      };
    } else if (includeUsage) chunk.usage = null;
    return { chunk, tokens };
  };
  for (const [index, reply] of replies.entries()) {
    yield piece([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]);
    for (const text of splitForStreaming(reply.content)) {
      yield piece([{ index, delta: { content: text }, finish_reason: null, logprobs: null }], countTokens(text));
    }
    yield piece([{ index, delta: {}, finish_reason: reply.finishReason, logprobs: null }]);
  }
  if (includeUsage) yield { chunk: { ...piece([]).chunk, usage }, tokens: 0 };
}

/** Options of {@link streamCompletion}. */
export interface StreamOptions extends ChunkOptions {
  /** Waits before each content chunk for its tokens (pacing); rejects when the client went away. */
  pace: (tokens: number) => Promise<void>;
  /** Told after each content chunk is written, with its completion tokens. */
  onSent?: (tokens: number) => void;
}

/** Streams replies as SSE chunks, paced by `pace`; choices are streamed one after the other. */
export async function streamCompletion(res: ServerResponse, options: StreamOptions): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const { chunk, tokens } of completionChunks(options)) {
    if (tokens > 0) await options.pace(tokens);
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    if (tokens > 0) options.onSent?.(tokens);
  }
  res.end('data: [DONE]\n\n');
}
