/**
 * @module http/responses-request
 * From a raw `POST /v1/responses` request to the engine's request. prefsel serves the Responses API for text: the
 * input (a string or message items with text parts) and `instructions` become chat messages, and the upstream call
 * is built field by field from an allow-list (`max_output_tokens` → `max_tokens`, `temperature`, `top_p`, `user`,
 * a JSON `text.format` → `response_format`, which passes through with strategy `none` as it does on chat).
 * Every field a client may send is named in the schema: a few harmless ones are accepted and ignored (`store: false`,
 * `truncation: "disabled"`, …), tools, non-text inputs and stored state (`previous_response_id`, `conversation`,
 * `store: true`) get a 400 that names the field and says why. Any other field is the chat endpoint's 400 "Unknown
 * parameter", unless the operator forwards it (`forwardParams`): then it is copied to the upstream call as it is.
 */
import { z } from 'zod';
import type { ChatCompletionCreateParams, ChatCompletionMessageParam, ChatContent } from '../../core/openai.js';
import type { ResponseTextFormat } from '../../core/openai-responses.js';
import type { PreferenceInput, SelectionOptions, StrategyName } from '../../core/types.js';
import { forwardableParams, pickUpstreamParams, unknownParamError } from '../../core/upstream-params.js';
import { issuesToError } from '../validation.js';
import { createExtensionResolver, type ExtensionResolverOptions } from './extensions.js';
import { readJson } from './parse-request.js';
import { chatRequestSchema, type SchemaLimits } from './request-schema.js';
import type { ResponseEcho } from './responses-render.js';

/** Roles a Responses message item may have. */
export const RESPONSE_INPUT_ROLES = ['user', 'assistant', 'system', 'developer'] as const;

const STATELESS =
  'prefsel keeps no state between requests: send the whole conversation in `input` (in the AI SDK, set providerOptions.openai.store = false)';
const NO_TOOLS =
  'tools are not supported on /v1/responses yet; use /v1/chat/completions, which passes tool requests through';
const TEXT_ONLY =
  'prefsel serves text: content parts must be input_text or output_text (images, files and audio are not supported yet)';

/** Why an input item of a given type cannot be served (only `message` items can). */
function itemTypeError(type: string): string {
  if (type === 'item_reference') return `item references need stored responses; ${STATELESS}`;
  if (type.includes('call') || type.includes('tool')) return `"${type}" items are not supported: ${NO_TOOLS}`;
  return `"${type}" items are not supported: only message items (role and text content) are`;
}

/** Refuses any value but null/absent, saying why. */
const refused = (why: string) => z.null({ error: why }).optional();

const textPartType = z.enum(['input_text', 'output_text'], { error: TEXT_ONLY });
/** The part's type is checked on its own first, so an image part is named as such rather than as a missing text. */
const textPart = z.looseObject({ type: textPartType }).pipe(z.looseObject({ type: textPartType, text: z.string() }));

const messageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(RESPONSE_INPUT_ROLES),
  content: z.union([z.string(), z.array(textPart)]),
});

/** `text.format`: prose (selected), or JSON (passed through with strategy `none`, as chat's `response_format`). */
const textFormat = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('text') }),
    z.strictObject({ type: z.literal('json_object') }),
    z.strictObject({
      type: z.literal('json_schema'),
      name: z.string().min(1).max(64),
      schema: z.record(z.string(), z.unknown()),
      description: z.string().optional(),
      strict: z.boolean().nullish(),
    }),
  ],
  { error: 'expected a format of type "text", "json_object" or "json_schema"' },
);

/** Checks the item's type first, so a tool call or item reference is named as such rather than as a missing role. */
const inputItem = z
  .looseObject({ type: z.string().optional() })
  .superRefine((item, ctx) => {
    if (item.type !== undefined && item.type !== 'message') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: itemTypeError(item.type) });
    }
  })
  .pipe(messageItem);

/** The body prefsel accepts. Strict: a field not listed here is a 400 naming it (operator-forwarded ones aside). */
export function responsesRequestSchema(limits: SchemaLimits) {
  // Bounds shared with chat completions come from its schema, so both endpoints enforce the same rule.
  const chat = chatRequestSchema(limits).shape;
  return z.strictObject({
    model: chat.model,
    input: z.union([z.string(), z.array(inputItem).min(1)]),
    instructions: z.string().nullish(),
    max_output_tokens: z.int().min(1).nullish(),
    temperature: chat.temperature,
    top_p: chat.top_p,
    user: chat.user,
    metadata: z
      .record(z.string().max(64), z.string().max(512))
      .refine((m) => Object.keys(m).length <= 16, { error: 'at most 16 keys' })
      .nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.strictObject({ include_obfuscation: z.boolean().nullish() }).nullish(),
    // Accepted and ignored: each states the only behaviour prefsel has.
    store: z.literal(false, { error: `responses are not stored; ${STATELESS}` }).nullish(),
    background: z.literal(false, { error: 'background responses are not supported' }).nullish(),
    truncation: z.literal('disabled', { error: 'prefsel does not truncate the input' }).nullish(),
    service_tier: z.enum(['auto', 'default']).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    prompt_cache_key: z.string().nullish(),
    safety_identifier: z.string().nullish(),
    include: z.array(z.string()).max(0, { error: 'no extra output data can be included' }).nullish(),
    text: z.strictObject({ format: textFormat.optional() }).nullish(),
    // Refused with the reason.
    tools: z.array(z.unknown()).max(0, { error: NO_TOOLS }).nullish(),
    tool_choice: z.enum(['none', 'auto'], { error: NO_TOOLS }).nullish(),
    max_tool_calls: refused(NO_TOOLS),
    previous_response_id: refused(STATELESS),
    conversation: refused(STATELESS),
    prompt: refused('stored prompt templates are not supported; send the prompt text in `input`'),
    context_management: refused('context management is not supported'),
    reasoning: refused('reasoning options are not supported'),
    top_logprobs: refused('log probabilities are not supported'),
    preference: chat.preference,
    selection: chat.selection,
  });
}

/** A validated Responses request, ready for the engine and the renderer. */
export interface ParsedResponsesRequest {
  /** The model as the client named it, strategy prefix included (the response reports this name). */
  model: string;
  /** The chat-completions body for the engine, built from the allow-list only. */
  params: ChatCompletionCreateParams;
  preference?: PreferenceInput;
  /** Selection options with the effective strategy filled in. */
  selection: SelectionOptions & { strategy: StrategyName };
  stream: boolean;
  returnCandidates: boolean;
  /** Request fields the Response object reports back. */
  echo: ResponseEcho;
}

/** Options of {@link createResponsesRequestParser}. */
export interface ResponsesRequestParserOptions extends ExtensionResolverOptions {
  /** Extra top-level fields the operator forwards upstream as they are (vLLM's `top_k`, …). */
  forwardParams?: readonly string[];
}

/** Builds the parser once (schemas depend on the scorer's attributes), returns the per-request function. */
export function createResponsesRequestParser(
  options: ResponsesRequestParserOptions,
): (request: Request) => Promise<ParsedResponsesRequest> {
  const bodySchema = responsesRequestSchema(options);
  const known = new Set(Object.keys(bodySchema.shape));
  const forwarded = forwardableParams(options.forwardParams);
  const extra = new Set((options.forwardParams ?? []).filter((name) => !known.has(name)));
  const resolveExtensions = createExtensionResolver(options);

  return async function parseResponsesRequest(request) {
    const raw = await readJson(request, 'Responses request');
    const passed: Record<string, unknown> = {};
    for (const key of Object.keys(raw)) {
      if (known.has(key)) continue;
      if (!extra.has(key)) throw unknownParamError(key);
      passed[key] = raw[key];
      delete raw[key];
    }
    const parsed = bodySchema.safeParse(raw);
    if (!parsed.success) throw issuesToError(parsed.error.issues);
    const body = parsed.data;
    const { model, preference, selection, returnCandidates } = resolveExtensions(request.headers, body);

    // Built field by field, then through the chat endpoint's allow-list: nothing else ever reaches the upstream.
    const fields: Record<string, unknown> = { ...passed, model, messages: toMessages(body.instructions, body.input) };
    if (body.max_output_tokens != null) fields.max_tokens = body.max_output_tokens;
    if (body.temperature != null) fields.temperature = body.temperature;
    if (body.top_p != null) fields.top_p = body.top_p;
    if (body.user !== undefined) fields.user = body.user;
    const format = body.text?.format ?? { type: 'text' };
    // JSON output is the upstream's to produce: the reward model judges prose, so it passes through (strategy none).
    const json = format.type !== 'text';
    if (json) fields.response_format = toResponseFormat(format);
    const params: ChatCompletionCreateParams = pickUpstreamParams(fields, forwarded);

    return {
      model: body.model,
      params,
      ...(preference === undefined ? {} : { preference }),
      selection: json ? { ...selection, strategy: 'none' } : selection,
      stream: body.stream === true,
      returnCandidates,
      echo: {
        instructions: body.instructions ?? null,
        max_output_tokens: body.max_output_tokens ?? null,
        metadata: body.metadata ?? {},
        temperature: body.temperature ?? null,
        top_p: body.top_p ?? null,
        textFormat: format,
        ...(body.user === undefined ? {} : { user: body.user }),
      },
    };
  };
}

type Input = z.infer<ReturnType<typeof responsesRequestSchema>>['input'];

/** `instructions` as the leading system message, then the input: a string is one user turn. */
function toMessages(instructions: string | null | undefined, input: Input): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [];
  if (instructions) messages.push({ role: 'system', content: instructions });
  if (typeof input === 'string') messages.push({ role: 'user', content: input });
  else for (const item of input) messages.push({ role: item.role, content: toChatContent(item.content) });
  return messages;
}

/** A Responses `text.format` as the chat-completions `response_format` the upstream understands. */
function toResponseFormat(format: Exclude<ResponseTextFormat, { type: 'text' }>): Record<string, unknown> {
  if (format.type === 'json_object') return { type: 'json_object' };
  const { type, ...jsonSchema } = format;
  return { type, json_schema: jsonSchema };
}

/** One text part stays a plain string (what every OpenAI-compatible server accepts); several stay separate parts. */
function toChatContent(content: string | ReadonlyArray<{ text: string }>): ChatContent {
  if (typeof content === 'string') return content;
  if (content.length === 1) return content[0]!.text;
  return content.map((part) => ({ type: 'text', text: part.text }));
}
