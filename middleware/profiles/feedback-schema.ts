/**
 * @module profiles/feedback-schema
 * The one declaration of what the profile endpoints accept: the user id rule (the chat body's `user` rule), feedback
 * ids, the two feedback kinds and a hand-set preference, and the bounds and defaults of the profile settings. The
 * HTTP routes, the library calls and the server's settings all check against these.
 */
import { z } from 'zod';
import type { Bound } from '../../core/bounds.js';
import { FIELD_LIMITS, chatRequestSchema, type SchemaLimits } from '../http/request-schema.js';
import { preferenceSchema } from '../preference.js';
import { numberRule } from '../validation.js';

/** Defaults of the profile options (the server's settings start from these). */
export const PROFILE_DEFAULTS = {
  /** How long a response's candidates are kept for a choice: an hour. */
  reportTtlMs: 3_600_000,
  /** How many responses' candidates are kept at most, per store. */
  maxReports: 100_000,
  /** Longest wait for the profile on the request path; then the default preference is used. */
  lookupTimeoutMs: 1000,
  /** Longest wait for the store (and the scorer) in the profile endpoints; then 503. */
  storeTimeoutMs: 10_000,
} as const;

/** Ranges of the profile options. */
export const PROFILE_BOUNDS = {
  reportTtlMs: { min: 1000, integer: true },
  maxReports: { min: 1, integer: true },
  lookupTimeoutMs: { min: 1, integer: true },
  storeTimeoutMs: { min: 1, integer: true },
} as const satisfies Record<keyof typeof PROFILE_DEFAULTS, Bound>;

/** Characters of a feedback or response id. */
export const ID_CHARS = 128;
/** Characters of each text of an edit. */
export const EDIT_CHARS = 200_000;
/** Most candidates one choice may name as shown (the largest k). */
const MAX_SHOWN = 64;

/** A user id: what the chat body's `user` accepts (non-empty). */
export const userIdSchema = z
  .string()
  .min(1, { error: 'must be a non-empty string' })
  .max(FIELD_LIMITS.userChars, { error: `must be at most ${FIELD_LIMITS.userChars} characters` });

/** Printable ASCII without spaces: safe in logs and as a database key. */
const idSchema = z
  .string({ error: 'must be a string' })
  .min(1)
  .max(ID_CHARS)
  .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' });

const candidateIndex = numberRule({ min: 0, max: MAX_SHOWN - 1, integer: true });

/** The body of `POST …/preferences/{user}/feedback` and `PUT …/preferences/{user}`, for a scorer's attributes. */
export function profileSchemas(limits: SchemaLimits) {
  const messages = chatRequestSchema(limits).shape.messages;
  const choice = z.strictObject({
    type: z.literal('choice'),
    feedback_id: idSchema.optional(),
    response_id: idSchema,
    chosen: candidateIndex,
    shown: z.array(candidateIndex).min(2).max(MAX_SHOWN).optional(),
  });
  const edit = z.strictObject({
    type: z.literal('edit'),
    feedback_id: idSchema.optional(),
    messages: messages.optional(),
    original: z.string().max(EDIT_CHARS),
    edited: z.string().max(EDIT_CHARS),
  });
  const feedback = z.discriminatedUnion('type', [choice, edit], {
    error: (issue) =>
      issue.code === 'invalid_union' ? 'must be "choice" or "edit"' : 'must be an object with a "type"',
  });
  const put = z.strictObject({ preference: preferenceSchema(limits) });
  return { feedback, put };
}

/** A parsed feedback body. */
export type FeedbackBody = z.infer<ReturnType<typeof profileSchemas>['feedback']>;
