/**
 * @module openai-responses
 * The subset of the OpenAI Responses API wire format (`POST /v1/responses`) prefsel writes: a text-only Response
 * object and its stream events. Names mirror openai-node (`Response`, `ResponseStreamEvent`); fields stay snake_case
 * as on the wire. A test checks these against the official SDK's own types.
 */

/** Token counts in the Responses shape. */
export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A text part of an output message. */
export interface ResponseOutputText {
  type: 'output_text';
  text: string;
  annotations: never[];
}

/** The assistant's message: the only output item prefsel produces. */
export interface ResponseOutputMessage {
  type: 'message';
  id: string;
  role: 'assistant';
  status: 'in_progress' | 'completed' | 'incomplete';
  content: ResponseOutputText[];
}

/** Lifecycle of a response. */
export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** Why a response stopped early. */
export interface ResponseIncompleteDetails {
  reason: 'max_output_tokens' | 'content_filter';
}

/**
 * The error of a failed response (`response.failed`). The API's codes are a closed set, so prefsel's own code goes in
 * the `error` event sent just before it.
 */
export interface ResponseError {
  code: 'server_error' | 'rate_limit_exceeded' | 'invalid_prompt';
  message: string;
}

/** The output format a response was asked for (`text.format`): prose, or JSON passed through from the upstream. */
export type ResponseTextFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      name: string;
      schema: Record<string, unknown>;
      description?: string;
      strict?: boolean | null;
    };

/** A Response object (`object: "response"`), as returned by `POST /v1/responses` and inside lifecycle events. */
export interface ResponseObject {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  completed_at: number | null;
  error: ResponseError | null;
  incomplete_details: ResponseIncompleteDetails | null;
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  model: string;
  output: ResponseOutputMessage[];
  parallel_tool_calls: boolean;
  previous_response_id: null;
  store: false;
  temperature: number | null;
  text: { format: ResponseTextFormat };
  tool_choice: 'none';
  tools: never[];
  top_p: number | null;
  truncation: 'disabled';
  usage?: ResponseUsage;
  user?: string;
}

/** Events that carry the whole response. */
export interface ResponseLifecycleEvent {
  type: 'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete' | 'response.failed';
  sequence_number: number;
  response: ResponseObject;
}

/** `response.output_item.added` / `.done`. */
export interface ResponseOutputItemEvent {
  type: 'response.output_item.added' | 'response.output_item.done';
  sequence_number: number;
  output_index: number;
  item: ResponseOutputMessage;
}

/** `response.content_part.added` / `.done`. */
export interface ResponseContentPartEvent {
  type: 'response.content_part.added' | 'response.content_part.done';
  sequence_number: number;
  item_id: string;
  output_index: number;
  content_index: number;
  part: ResponseOutputText;
}

/** `response.output_text.delta`. */
export interface ResponseTextDeltaEvent {
  type: 'response.output_text.delta';
  sequence_number: number;
  item_id: string;
  output_index: number;
  content_index: number;
  delta: string;
  logprobs: never[];
}

/** `response.output_text.done`. */
export interface ResponseTextDoneEvent {
  type: 'response.output_text.done';
  sequence_number: number;
  item_id: string;
  output_index: number;
  content_index: number;
  text: string;
  logprobs: never[];
}

/** `error`: a failure after the stream started (the Responses API's mid-stream error event). */
export interface ResponseErrorEvent {
  type: 'error';
  sequence_number: number;
  code: string | null;
  message: string;
  param: string | null;
}

/** Every event prefsel streams. */
export type ResponseStreamEvent =
  | ResponseLifecycleEvent
  | ResponseOutputItemEvent
  | ResponseContentPartEvent
  | ResponseTextDeltaEvent
  | ResponseTextDoneEvent
  | ResponseErrorEvent;
