/**
 * @module config-values
 * The rules of the server settings whose values have a syntax of their own (sizes, model maps, field lists, the
 * default preference, the default pruning). Each accepts the text a flag or variable gives and the typed value a configuration file gives.
 */
import { z } from 'zod';
import { forwardParamProblem } from '../core/upstream-params.js';
import { parsePreferenceHeader } from '../middleware/http/headers.js';
import { preferenceSchema } from '../middleware/preference.js';
import { selectionFields } from '../middleware/selection-options.js';

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i;
const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** Bytes as a number, or text such as `512kb` / `4mb`. */
export const byteSize = z.union([z.int().min(1), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const m = SIZE.exec(value.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!) : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 1048576, 512kb or 4mb' });
    return z.NEVER;
  }
  return bytes;
});

/** `CLIENT=UPSTREAM` pairs, or (from a config file) an object. */
export const modelMap = z
  .union([z.record(z.string().min(1), z.string().min(1)), z.array(z.string())])
  .transform((value, ctx) => {
    if (!Array.isArray(value)) return value;
    const map: Record<string, string> = {};
    for (const pair of value) {
      const [from, to, ...rest] = pair.split('=').map((s) => s.trim());
      if (!from || !to || rest.length > 0) {
        ctx.addIssue({ code: 'custom', message: `"${pair}" is not CLIENT_MODEL=UPSTREAM_MODEL` });
        return z.NEVER;
      }
      map[from] = to;
    }
    return map;
  });

/**
 * Operator-named extra body fields, comma-separated in the flag as in the variable; core/upstream-params owns the
 * rule for which names can never be forwarded.
 */
export const forwardParams = z
  .array(z.string())
  .transform((items) =>
    items
      .flatMap((item) => item.split(','))
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  )
  .superRefine((names, ctx) => {
    for (const name of names) {
      const problem = forwardParamProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  });

/**
 * The default preference: the X-Preference grammar as text, or a preference object. Its form is checked here by the
 * engine's schema; its attribute names once the reward model's labels are read (before the model loads).
 */
export const preference = z.union([z.string(), z.record(z.string(), z.unknown())]).transform((value, ctx) => {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = parsePreferenceHeader(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected "helpfulness=0.8,verbosity=0.6" or "angle=30"' });
      return z.NEVER;
    }
  }
  return checkedBy(preferenceSchema(), parsed, ctx);
});

/** on/off (or true/false) as text, or a boolean from a config file. */
export const onOff = z.union([z.boolean(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'boolean') return value;
  const text = value.trim().toLowerCase();
  if (text === 'on' || text === 'true') return true;
  if (text === 'off' || text === 'false') return false;
  ctx.addIssue({ code: 'custom', message: 'expected on or off' });
  return z.NEVER;
});

/** The default pruning: on/off, or the engine's settings object (JSON text, or an object from a config file). */
export const prune = z.union([z.boolean(), z.string(), z.record(z.string(), z.unknown())]).transform((value, ctx) => {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (['on', 'true'].includes(text)) parsed = true;
    else if (['off', 'false'].includes(text)) parsed = false;
    else {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected on, off or a JSON object such as {"schedule":[64,128]}' });
        return z.NEVER;
      }
    }
  }
  return checkedBy(selectionFields().prune, parsed, ctx);
});

/** A value parsed from text, checked by the engine's own rule; its first issue becomes this setting's message. */
function checkedBy<T>(rule: z.ZodType<T>, value: unknown, ctx: z.RefinementCtx): T {
  const checked = rule.safeParse(value);
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  ctx.addIssue({ code: 'custom', message: `${where}${issue.message}` });
  return z.NEVER;
}
