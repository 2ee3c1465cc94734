/**
 * @module respond
 * Writes the simulator's answers in the OpenAI wire format: JSON completions, SSE streams (id/object/created on every
 * chunk, a role delta first, an optional `choices: []` usage chunk, then `data: [DONE]`) and error bodies.
 */
import type { ServerResponse } from 'node:http';
import type { ChatCompletion, ChatCompletionChunk, CompletionUsage } from '../core/openai.js';
import type { Reply } from './text-model.js';
import { splitForStreaming } from './tokens.js';

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

/** Options of {@link streamCompletion}. */
export interface StreamOptions {
  identity: AnswerIdentity;
  replies: Reply[];
  usage: CompletionUsage;
  includeUsage: boolean;
  /** Waits before each content piece (pacing); rejects when the client went away. */
  pace: (piece: string) => Promise<void>;
}

/** Streams replies as SSE chunks, paced by `pace`; choices are streamed one after the other. */
export async function streamCompletion(res: ServerResponse, options: StreamOptions): Promise<void> {
  const { identity, replies, usage, includeUsage, pace } = options;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const send = (choices: ChatCompletionChunk['choices'], extra: Partial<ChatCompletionChunk> = {}): void => {
    const chunk: ChatCompletionChunk = {
      ...identity,
      object: 'chat.completion.chunk',
      choices,
      system_fingerprint: 'fp_prefsel_sim',
      ...extra,
    };
    if (includeUsage && !('usage' in extra)) chunk.usage = null;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  };
  for (const [index, reply] of replies.entries()) {
    send([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }]);
    for (const piece of splitForStreaming(reply.content)) {
      await pace(piece);
      send([{ index, delta: { content: piece }, finish_reason: null, logprobs: null }]);
    }
    send([{ index, delta: {}, finish_reason: reply.finishReason, logprobs: null }]);
  }
  if (includeUsage) send([], { usage });
  res.end('data: [DONE]\n\n');
}
