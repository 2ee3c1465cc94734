/**
 * @module http/request-schema
 * The zod schema of a chat-completions request as prefsel accepts it: the OpenAI fields it reads (type-checked),
 * every other field kept and passed through, and the two prefsel extensions `preference` and `selection`, whose
 * rules are the engine's own schemas. The header forms (`X-Preference`, `X-Selection-*`) are validated by the same
 * sub-schemas.
 */
import { z } from 'zod';
import { preferenceSchema } from '../preference.js';
import { selectionFields } from '../selection-options.js';
import { optionsObject } from '../validation.js';

/** Roles a message may have. `function` is OpenAI's legacy tool role, still sent by older clients. */
export const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;

/** Roles whose messages must carry content (an assistant turn may hold only tool calls). */
const CONTENT_REQUIRED = new Set<string>(['system', 'developer', 'user']);

/**
 * Bounds on the OpenAI fields prefsel forwards; each keeps one request from sending the upstream (and every log and
 * error message that quotes it) an unbounded value. OpenAI's own limits where it has them (tools 128, top_logprobs
 * 20, penalties ±2, logit_bias ±100), generous ones elsewhere.
 */
export const FIELD_LIMITS = {
  /** Characters of a model id (OpenAI ids are under 64; a vLLM path-like served name fits too). */
  modelChars: 256,
  /** Characters of `user`. */
  userChars: 512,
  /** Stop sequences. */
  stops: 16,
  /** Tools offered to the model. */
  tools: 128,
  /** Entries of `logit_bias`. */
  logitBias: 1024,
} as const;

/** A text part must carry its text; other part types (images, audio) are the upstream's to check. */
const contentPart = z.looseObject({ type: z.string() }).superRefine((part, ctx) => {
  if (part.type === 'text' && typeof part.text !== 'string') {
    ctx.addIssue({ code: 'custom', path: ['text'], message: 'a text part needs a string `text`' });
  }
});
const content = z.union([z.string(), z.array(contentPart), z.null()]);

const message = z
  .looseObject({
    role: z.enum(ROLES),
    content: content.optional(),
    name: z.string().optional(),
    tool_calls: z.array(z.looseObject({})).optional(),
    tool_call_id: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if (CONTENT_REQUIRED.has(m.role) && m.content == null) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: `a ${m.role} message needs content` });
    }
  });

/** What the schema checks against: the selector's attributes and limits. */
export interface SchemaLimits {
  /** Attribute names the scorer knows; preference weights must use these. */
  attributes: readonly string[];
  /** The angle form's plane, when the selector has its own. */
  angleAttributes?: readonly [string, string] | undefined;
  /** Largest `selection.k` a client may ask for (the selector's `limits.maxK`). */
  maxK: number;
}

/**
 * Per-request selection options: the engine's schema (one truth for every bound), plus `return_candidates`, which
 * only shapes the HTTP response.
 */
export function selectionSchema(limits: SchemaLimits) {
  return optionsObject({ ...selectionFields({ maxK: limits.maxK }), return_candidates: z.boolean() });
}

/**
 * The whole body: every forwarded OpenAI field typed and bounded. The parser refuses top-level fields outside the
 * allow-list before this schema runs; `looseObject` keeps the operator's `--forward-params` fields (untyped: they
 * are the upstream's to check).
 */
export function chatRequestSchema(limits: SchemaLimits) {
  const penalty = z.number().min(-2).max(2).nullish();
  return z.looseObject({
    model: z.string().min(1).max(FIELD_LIMITS.modelChars),
    messages: z.array(message).min(1),
    n: z.int().min(1).max(128).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
    max_tokens: z.int().min(1).nullish(),
    max_completion_tokens: z.int().min(1).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: z.int().nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(FIELD_LIMITS.stops)]).nullish(),
    user: z.string().max(FIELD_LIMITS.userChars).optional(),
    frequency_penalty: penalty,
    presence_penalty: penalty,
    logit_bias: z
      .record(z.string().regex(/^\d{1,10}$/, 'expected a token id'), z.number().min(-100).max(100))
      .refine((bias) => Object.keys(bias).length <= FIELD_LIMITS.logitBias, {
        message: `at most ${FIELD_LIMITS.logitBias} entries`,
      })
      .nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.int().min(0).max(20).nullish(),
    tools: z.array(z.looseObject({})).max(FIELD_LIMITS.tools).nullish(),
    tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })]).nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    reasoning_effort: z
      .string()
      .regex(/^[a-z]{1,16}$/, 'expected a level such as low, medium or high')
      .nullish(),
    response_format: z.looseObject({ type: z.string() }).nullish(),
    preference: preferenceSchema(limits).optional(),
    selection: selectionSchema(limits).optional(),
  });
}

/** A parsed body. */
export type ChatRequestBody = z.infer<ReturnType<typeof chatRequestSchema>>;
/** Parsed selection options (body and header forms). */
export type SelectionFields = z.infer<ReturnType<typeof selectionSchema>>;
