/**
 * @module broken
 * Answers that go wrong after the status line, the failures a flaky upstream produces in practice and a status
 * code cannot express: a connection that goes silent, a socket cut mid-answer, a stream that ends early without
 * `[DONE]`, and a body that is not what its content type promises.
 */
import type { ServerResponse } from 'node:http';
import type { ChatCompletionChunk } from '../core/openai.js';
import type { AnswerIdentity } from './respond.js';

/**
 * - `hang`: a 200 and its headers, then nothing until the client leaves.
 * - `cut`: a 200 and half of the answer, then the socket is destroyed.
 * - `truncate`: a 200 and half of the answer, then a clean end: no finish reason, no `[DONE]`, half a JSON document.
 * - `garbage`: a 200 whose body does not parse (`application/json` that is not JSON, SSE events that are not).
 */
export const BREAKS = ['hang', 'cut', 'truncate', 'garbage'] as const;
/** One way to break an answer. */
export type Break = (typeof BREAKS)[number];

/** Options of {@link sendBroken}. */
export interface BrokenOptions {
  stream: boolean;
  identity: AnswerIdentity;
  /** The answer that would have been sent; `cut` and `truncate` send its first half. */
  content: string;
  /** Aborted when the client goes away (ends a `hang`). */
  signal: AbortSignal;
}

/** Sends a broken answer; resolves once the simulator is done with the response. */
export async function sendBroken(res: ServerResponse, kind: Break, options: BrokenOptions): Promise<void> {
  const { stream, identity, content, signal } = options;
  const half = content.slice(0, Math.ceil(content.length / 2));
  res.writeHead(200, {
    'content-type': stream ? 'text/event-stream' : 'application/json',
    'cache-control': 'no-cache',
  });
  if (kind === 'hang') {
    res.flushHeaders();
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    return;
  }
  if (kind === 'garbage') {
    res.end(stream ? 'data: {"choices": [{"delta": not json\n\ndata: [DONE]\n\n' : '{"id": "x", "choices": [oops');
    return;
  }
  const partial = stream ? firstChunks(identity, half) : JSON.stringify(completion(identity, content)).slice(0, 40);
  if (kind === 'truncate') {
    res.end(partial);
    return;
  }
  // `cut`: the bytes must leave before the socket dies, or the client only sees a reset with no body at all.
  await new Promise<void>((resolve) => res.write(partial, () => resolve()));
  res.socket?.destroy();
}

function firstChunks(identity: AnswerIdentity, text: string): string {
  const chunk = (delta: ChatCompletionChunk['choices'][number]['delta']): string => {
    const value: ChatCompletionChunk = {
      ...identity,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: null, logprobs: null }],
    };
    return `data: ${JSON.stringify(value)}\n\n`;
  };
  return chunk({ role: 'assistant', content: '' }) + chunk({ content: text });
}

function completion(identity: AnswerIdentity, content: string): object {
  return {
    ...identity,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  };
}
