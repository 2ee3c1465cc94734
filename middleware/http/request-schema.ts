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

const contentPart = z.looseObject({ type: z.string() });
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

/** The whole body. Only fields prefsel reads are typed; the rest pass through untouched (`looseObject`). */
export function chatRequestSchema(limits: SchemaLimits) {
  return z.looseObject({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    n: z.int().min(1).max(128).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
    max_tokens: z.int().min(1).nullish(),
    max_completion_tokens: z.int().min(1).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().gt(0).max(1).nullish(),
    seed: z.int().nullish(),
    stop: z.union([z.string(), z.array(z.string())]).nullish(),
    user: z.string().optional(),
    tools: z.array(z.looseObject({})).nullish(),
    response_format: z.looseObject({ type: z.string() }).nullish(),
    preference: preferenceSchema(limits).optional(),
    selection: selectionSchema(limits).optional(),
  });
}

/** A parsed body. */
export type ChatRequestBody = z.infer<ReturnType<typeof chatRequestSchema>>;
/** Parsed selection options (body and header forms). */
export type SelectionFields = z.infer<ReturnType<typeof selectionSchema>>;
