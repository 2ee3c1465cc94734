/**
 * @module onnx/sidecar
 * The optional `prefsel.json` file beside a model: what the model's config cannot say. Example for the DPA
 * reward model (10 outputs, RPS reads idx 9 as helpfulness and idx 4 as verbosity, plain `[INST]` prompt):
 * ```json
 * { "family": "decoder",
 *   "input": { "type": "plain", "format": "[INST] You must read the following conversation carefully and rate the assistant's response from score 0-100 in these aspects: helpfulness, correctness, coherence, honesty, complexity, verbosity\n\nUser: {prompt}\n\nAssistant: {response} [/INST]" },
 *   "maxLength": 2048,
 *   "attributes": [ { "index": 9, "name": "helpfulness", "aliases": ["ultrafeedback-helpfulness"] },
 *                   { "index": 4, "name": "verbosity", "aliases": ["helpsteer-verbosity"] } ] }
 * ```
 * ArmoRM instead uses `{ "input": { "type": "chat" }, "output": "rewards", "attributes": [{ "index": 9, "name":
 * "helpfulness", "scale": 100 }, …] }`: Llama-3 chat template, 0–1 rewards scaled to the DPA model's 0–100.
 */
import { z } from 'zod';

/** Smallest token budget per sequence: below it, template overhead alone would not fit. */
export const MIN_MAX_LENGTH = 8;

/** The model families the loader knows. */
export const MODEL_FAMILIES = ['encoder', 'decoder'] as const;
/** One of {@link MODEL_FAMILIES}. */
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

const attributeSchema = z.strictObject({
  /** Output column to read; defaults to the column whose `id2label` entry equals `label`, else the position. */
  index: z.number().int().min(0).optional(),
  /** The `id2label` name to read (alternative to `index`). */
  label: z.string().min(1).optional(),
  /** The name the scorer reports. */
  name: z.string().min(1),
  /** Other names that mean this attribute (preference weights may use them). */
  aliases: z.array(z.string().min(1)).optional(),
  /** Affine normalisation `value · scale + offset`, so attributes on different scales can be weighted together. */
  scale: z.number().finite().optional(),
  offset: z.number().finite().optional(),
});

const inputSchema = z.discriminatedUnion('type', [
  /** Render the conversation plus the response with a Jinja chat template (the tokenizer's unless overridden). */
  z.strictObject({
    type: z.literal('chat'),
    chatTemplate: z.string().min(1).optional(),
    addSpecialTokens: z.boolean().optional(),
  }),
  /** A plain prompt string with `{prompt}`, `{conversation}` and `{response}` placeholders (the DPA reward model). */
  z.strictObject({
    type: z.literal('plain'),
    format: z.string().includes('{response}'),
    addSpecialTokens: z.boolean().optional(),
  }),
  /** A tokenizer text pair (conversation, response), as encoder reward models are trained. */
  z.strictObject({ type: z.literal('pair') }),
]);

/** Schema of `prefsel.json`. */
export const sidecarSchema = z.strictObject({
  /** Free text for humans. */
  description: z.string().optional(),
  family: z.enum(MODEL_FAMILIES).optional(),
  input: inputSchema.optional(),
  /** Graph output holding the attribute scores. @default 'logits', else the first output */
  output: z.string().min(1).optional(),
  /** Token budget per (conversation, response) sequence. */
  maxLength: z.number().int().min(MIN_MAX_LENGTH).optional(),
  /** Pad id, when neither config.json nor the tokenizer names one. */
  padTokenId: z.number().int().min(0).optional(),
  /** The attributes to expose, in order; all `id2label` entries when omitted. */
  attributes: z.array(attributeSchema).min(1).optional(),
});

/** A parsed `prefsel.json`. */
export type Sidecar = z.infer<typeof sidecarSchema>;
/** How (conversation, response) becomes model text. */
export type InputSpec = NonNullable<Sidecar['input']>;
/** One attribute entry of the sidecar. */
export type SidecarAttribute = NonNullable<Sidecar['attributes']>[number];

/** The file name the loader looks for beside `config.json`. */
export const SIDECAR_FILE = 'prefsel.json';
