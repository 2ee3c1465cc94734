/**
 * @module http/responses-render
 * A {@link Selection} as a Responses API object: the chosen candidate as the one assistant message in `output`,
 * `usage` summed over every upstream call (what the upstream billed), and the opt-in `selection` report. The pieces
 * (ids, usage, status, the response skeleton) are also what the event stream in `responses-stream.ts` is built from.
 */
import { randomUUID } from 'node:crypto';
import type { CompletionUsage, FinishReason } from '../../core/openai.js';
import type {
  ResponseError,
  ResponseIncompleteDetails,
  ResponseObject,
  ResponseOutputMessage,
  ResponseStatus,
  ResponseTextFormat,
  ResponseUsage,
} from '../../core/openai-responses.js';
import type { Selection } from '../../core/types.js';
import { selectionReport, type SelectionReport } from './report.js';

/** Request fields a Response object reports back. */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  metadata: Record<string, string>;
  temperature: number | null;
  top_p: number | null;
  textFormat: ResponseTextFormat;
  user?: string;
}

/** Identity shared by a response, its message and every event of its stream. */
export interface ResponsesMeta {
  /** `resp_…` */
  id: string;
  /** `msg_…`, the id of the assistant message item. */
  messageId: string;
  /** Unix seconds. */
  createdAt: number;
  /** The model name as the client sent it. */
  model: string;
  echo: ResponseEcho;
}

const hex = () => randomUUID().replaceAll('-', '');

/** Fresh ids and timestamp for one response. */
export function newResponsesMeta(model: string, echo: ResponseEcho): ResponsesMeta {
  return { id: `resp_${hex()}`, messageId: `msg_${hex()}`, createdAt: Math.floor(Date.now() / 1000), model, echo };
}

/** Chat usage in the Responses shape. The upstream's cached-token count is kept when it reports one. */
export function responseUsage(usage: CompletionUsage): ResponseUsage {
  const details = (usage as { prompt_tokens_details?: { cached_tokens?: unknown } }).prompt_tokens_details;
  const cached = typeof details?.cached_tokens === 'number' ? details.cached_tokens : 0;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: cached, cache_write_tokens: 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.total_tokens,
  };
}

/** How a finished answer ends: `length` and `content_filter` make an incomplete response, as the Responses API does. */
export function finishStatus(finishReason: FinishReason | null | undefined): {
  status: 'completed' | 'incomplete';
  incomplete: ResponseIncompleteDetails | null;
} {
  if (finishReason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

/** The assistant message item holding `text`. */
export function outputMessage(
  meta: ResponsesMeta,
  text: string,
  status: ResponseOutputMessage['status'],
): ResponseOutputMessage {
  return {
    type: 'message',
    id: meta.messageId,
    role: 'assistant',
    status,
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

/** What changes over a response's life; everything else comes from the meta. */
export interface ResponseState {
  status: ResponseStatus;
  output: ResponseOutputMessage[];
  usage?: ResponseUsage;
  incomplete?: ResponseIncompleteDetails | null;
  error?: ResponseError | null;
}

/** A Response object in the given state. */
export function responseObject(meta: ResponsesMeta, state: ResponseState): ResponseObject {
  const { echo } = meta;
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: state.status,
    completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    error: state.error ?? null,
    incomplete_details: state.incomplete ?? null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    metadata: echo.metadata,
    model: meta.model,
    output: state.output,
    parallel_tool_calls: true,
    previous_response_id: null,
    store: false,
    temperature: echo.temperature,
    text: { format: echo.textFormat },
    tool_choice: 'none',
    tools: [],
    top_p: echo.top_p,
    truncation: 'disabled',
    ...(state.usage ? { usage: state.usage } : {}),
    ...(echo.user === undefined ? {} : { user: echo.user }),
  };
}

/** The non-streaming body: the chosen candidate's text, with `selection` added when the client asked for it. */
export function renderResponse(
  selection: Selection,
  meta: ResponsesMeta,
  options: { returnCandidates: boolean },
): ResponseObject & { selection?: SelectionReport } {
  const { chosen } = selection;
  const { status, incomplete } = finishStatus(chosen.finishReason);
  return {
    ...responseObject(meta, {
      status,
      incomplete,
      output: [outputMessage(meta, chosen.message?.content ?? '', status)],
      usage: responseUsage(selection.usage),
    }),
    ...(options.returnCandidates ? { selection: selectionReport(selection) } : {}),
  };
}
