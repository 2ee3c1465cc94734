/**
 * @module onnx/spec
 * Interprets a model directory's files: which family the model is, how (conversation, response) becomes text,
 * the token budget, the pad id and which output columns become which attributes.
 */
import { join, resolve } from 'node:path';
import { ModelLoadError } from '../../core/errors.js';
import { CHAT_TEMPLATE_FILE, labelsOf, readModelHead } from './model-dir.js';
import type { ModelFiles, ModelHead } from './model-dir.js';
import { SIDECAR_FILE } from './sidecar.js';
import type { InputSpec, ModelFamily, SidecarAttribute } from './sidecar.js';

/** `model_type`s of encoder (BERT-like) models; anything with a chat template is otherwise taken as a decoder. */
const ENCODER_TYPES = new Set([
  'bert',
  'roberta',
  'xlm-roberta',
  'camembert',
  'deberta',
  'deberta-v2',
  'distilbert',
  'electra',
  'albert',
  'mpnet',
  'modernbert',
]);
const DECODER_TYPES = new Set([
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen3',
  'gemma',
  'gemma2',
  'gemma3',
  'phi',
  'phi3',
  'gpt2',
  'gpt_neox',
  'olmo',
  'olmo2',
]);

/** One exposed attribute: output column `index`, reported as `name`, normalised as `value · scale + offset`. */
export interface AttributeSpec {
  readonly name: string;
  readonly index: number;
  readonly scale: number;
  readonly offset: number;
  readonly aliases: readonly string[];
}

/** A chat input with its template resolved. */
export type ResolvedInput =
  Exclude<InputSpec, { type: 'chat' }> | { type: 'chat'; chatTemplate: string; addSpecialTokens?: boolean };

/** The interpreted model. */
export interface ModelSpec {
  readonly family: ModelFamily;
  readonly input: ResolvedInput;
  readonly maxLength: number;
  /** Output labels of the graph, by column. */
  readonly labels: readonly string[];
  readonly attributes: readonly AttributeSpec[];
  /** Graph output to read, when the sidecar names one. */
  readonly output?: string;
}

/**
 * The default chat template. As transformers loads it: `chat_template.jinja` takes priority over the
 * `chat_template` entry of `tokenizer_config.json` ("If independent chat template file(s) exist, they take priority
 * over template entries in the tokenizer config", `PreTrainedTokenizerBase._from_pretrained`).
 */
function chatTemplateOf(files: ModelFiles): string | undefined {
  if (files.chatTemplateFile !== undefined) return files.chatTemplateFile;
  const t = files.tokenizerConfig.chat_template;
  if (typeof t === 'string') return t;
  // Some tokenizers ship several named templates; the reward models we target use the default one.
  if (Array.isArray(t)) {
    const def = t.find((x: { name?: string; template?: string }) => x?.name === 'default');
    if (typeof def?.template === 'string') return def.template;
  }
  return undefined;
}

function familyOf(files: ModelFiles): ModelFamily {
  if (files.sidecar.family) return files.sidecar.family;
  const type = files.config.model_type ?? '';
  if (ENCODER_TYPES.has(type)) return 'encoder';
  if (DECODER_TYPES.has(type)) return 'decoder';
  return chatTemplateOf(files) === undefined ? 'encoder' : 'decoder';
}

function inputOf(files: ModelFiles, family: ModelFamily): ResolvedInput {
  const declared =
    files.sidecar.input ?? (family === 'decoder' ? { type: 'chat' as const } : { type: 'pair' as const });
  if (declared.type !== 'chat') return declared;
  const chatTemplate = declared.chatTemplate ?? chatTemplateOf(files);
  if (chatTemplate === undefined) {
    throw new ModelLoadError(
      join(files.dir, CHAT_TEMPLATE_FILE),
      `expected a chat template to format (conversation, response) for this ${family} model: ${CHAT_TEMPLATE_FILE} ` +
        '(where transformers saves it) or `chat_template` in tokenizer_config.json, as the model was exported; ' +
        `or say how to format the input in ${SIDECAR_FILE}: "input": {"type": "chat", "chatTemplate": "..."}, ` +
        '{"type": "plain", "format": "... {prompt} ... {response}"} or {"type": "pair"}',
    );
  }
  return { ...declared, chatTemplate };
}

function maxLengthOf(files: ModelFiles, override: number | undefined): number {
  if (override !== undefined) return override;
  if (files.sidecar.maxLength !== undefined) return files.sidecar.maxLength;
  const limits = [
    files.tokenizerConfig.model_max_length,
    files.config.max_position_embeddings,
    files.config.n_positions,
  ].filter(
    // Tokenizers without a limit store 1e30 here; ignore such sentinels.
    (v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 1e6,
  );
  return limits.length > 0 ? Math.min(...limits) : 512;
}

function attributesOf(files: ModelHead, labels: readonly string[]): AttributeSpec[] {
  const where = join(files.dir, SIDECAR_FILE);
  const declared: SidecarAttribute[] = files.sidecar.attributes ?? labels.map((name, index) => ({ name, index }));
  const seen = new Set<string>();
  return declared.map((a) => {
    const byLabel = a.label === undefined ? -1 : labels.indexOf(a.label);
    if (a.label !== undefined && byLabel < 0) {
      throw new ModelLoadError(
        where,
        `attribute \`${a.name}\`: label \`${a.label}\` is not in config.json id2label (${labels.join(', ')})`,
      );
    }
    const index = a.index ?? (byLabel >= 0 ? byLabel : labels.indexOf(a.name));
    if (index < 0 || index >= labels.length) {
      throw new ModelLoadError(
        where,
        `attribute \`${a.name}\`: expected an \`index\` below ${labels.length} or a \`label\` from config.json id2label`,
      );
    }
    for (const n of [a.name, ...(a.aliases ?? [])]) {
      if (seen.has(n)) throw new ModelLoadError(where, `attribute name or alias \`${n}\` is used twice`);
      seen.add(n);
    }
    return { name: a.name, index, scale: a.scale ?? 1, offset: a.offset ?? 0, aliases: a.aliases ?? [] };
  });
}

/** Interprets the files; `maxLength` overrides the sidecar and config. */
export function resolveModelSpec(files: ModelFiles, maxLength?: number): ModelSpec {
  const family = familyOf(files);
  const labels = labelsOf(files.config);
  return {
    family,
    input: inputOf(files, family),
    maxLength: maxLengthOf(files, maxLength),
    labels,
    attributes: attributesOf(files, labels),
    ...(files.sidecar.output === undefined ? {} : { output: files.sidecar.output }),
  };
}

/**
 * The attribute names a model directory's scorer will report, in order, read from `config.json` and `prefsel.json`
 * only (no tokenizer, no ONNX Runtime): for checking settings that name attributes before the model loads.
 * @throws ModelLoadError naming the file, as `createOnnxScorer` would.
 */
export async function readModelAttributes(modelDir: string): Promise<string[]> {
  const head = await readModelHead(resolve(modelDir));
  return attributesOf(head, labelsOf(head.config)).map((a) => a.name);
}
