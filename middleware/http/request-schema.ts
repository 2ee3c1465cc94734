/**
 * @module http/request-schema
 * The zod schema of a chat-completions request as prefsel accepts it: the OpenAI fields it reads (type-checked),
 * every other field kept and passed through, and the two prefsel extensions `preference` and `selection`. The
 * header forms (`X-Preference`, `X-Selection-*`) are validated by the same sub-schemas.
 */
import { z } from 'zod';
import { STRATEGIES } from '../../core/types.js';

/** Roles a message may have. `function` is OpenAI's legacy tool role, still sent by older clients. */
export const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'] as const;
/** Neighbourhood modes, as on the wire. */
export const NEIGHBOURHOODS = ['grid', 'cap'] as const;
/** Directive placements, as on the wire. */
export const PLACEMENTS = ['system', 'user', 'suffix'] as const;

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

/** Limits the schema enforces; they protect the upstream from one request asking for unbounded work. */
export interface SchemaLimits {
  /** Attribute names the scorer knows; preference weights must use these. */
  attributes: readonly string[];
  /** Largest `selection.k` a client may ask for. */
  maxK: number;
}

/** Attribute weights keyed by name; unknown names are rejected on the key itself so `param` points at it. */
export function weightsSchema(attributes: readonly string[]) {
  const known = new Set(attributes);
  return z.record(z.string(), z.number()).superRefine((weights, ctx) => {
    for (const name of Object.keys(weights)) {
      if (!known.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `unknown attribute "${name}"; valid attributes: ${attributes.join(', ')}`,
        });
      }
    }
  });
}

/** `{ helpfulness: 0.8 }`, `{ weights: { helpfulness: 0.8 } }` or `{ angle_deg: 30 }`. */
export function preferenceSchema(attributes: readonly string[]) {
  const weights = weightsSchema(attributes);
  return z.union([z.strictObject({ angle_deg: z.number() }), z.strictObject({ weights }), weights]);
}

/** Per-request selection options; unknown keys are typos in our own namespace, so they are rejected. */
export function selectionSchema(limits: SchemaLimits) {
  return z
    .strictObject({
      strategy: z.enum(STRATEGIES),
      k: z.int().min(1).max(limits.maxK),
      radius_deg: z.number().min(0).max(90),
      neighbourhood: z.enum(NEIGHBOURHOODS),
      seed: z.int(),
      temperature: z.number().min(0).max(2),
      directive_placement: z.enum(PLACEMENTS),
      // Its fields and bounds are checked by the engine (middleware/prune-options.ts), the one place they are declared.
      prune: z.union([z.boolean(), z.looseObject({})]),
      return_candidates: z.boolean(),
    })
    .partial();
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
    preference: preferenceSchema(limits.attributes).optional(),
    selection: selectionSchema(limits).optional(),
  });
}

/** A parsed body. */
export type ChatRequestBody = z.infer<ReturnType<typeof chatRequestSchema>>;
/** Parsed selection options (body and header forms). */
export type SelectionFields = z.infer<ReturnType<typeof selectionSchema>>;
