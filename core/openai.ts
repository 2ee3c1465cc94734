/**
 * @module openai
 * The subset of the OpenAI Chat Completions wire format prefsel reads and writes. Names mirror openai-node
 * (`ChatCompletion`, `ChatCompletionChunk`, `ChatCompletionCreateParams`); fields stay snake_case as on the wire.
 */

/** Text or multi-part content of a message. */
export type ChatContent = string | Array<{ type: string; text?: string; [key: string]: unknown }> | null;

/** One message of a conversation. */
export interface ChatCompletionMessageParam {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content: ChatContent;
  name?: string;
  tool_calls?: ChatCompletionMessageToolCall[];
  tool_call_id?: string;
}

/** A tool call the model asked for. */
export interface ChatCompletionMessageToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The assistant message in a completion. */
export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal?: string | null;
  tool_calls?: ChatCompletionMessageToolCall[];
}

/** Token counts, as billed by the upstream. */
export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Why generation stopped. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

/** Request body of `POST /v1/chat/completions` (the fields prefsel knows; others pass through untouched). */
export interface ChatCompletionCreateParams {
  model: string;
  messages: ChatCompletionMessageParam[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  seed?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  user?: string;
  stream?: boolean | null;
  /** `continuous_usage_stats` is vLLM's: usage on every chunk (prefsel sends it only when configured to). */
  stream_options?: { include_usage?: boolean; continuous_usage_stats?: boolean } | null;
  tools?: unknown[];
  tool_choice?: unknown;
  response_format?: unknown;
  [key: string]: unknown;
}

/** Non-streaming response. */
export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: ChatCompletionMessage;
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: CompletionUsage;
  system_fingerprint?: string | null;
}

/** One SSE chunk of a streaming response. */
export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string | null; tool_calls?: unknown[]; refusal?: string | null };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
  }>;
  usage?: CompletionUsage | null;
  system_fingerprint?: string | null;
}

/** An entry of `GET /v1/models`. */
export interface Model {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The plain text of a message's content (multi-part text parts joined). */
export function contentText(content: ChatContent | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}
