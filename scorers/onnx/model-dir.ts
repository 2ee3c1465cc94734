/**
 * @module onnx/model-dir
 * Reads a Hugging Face-style model directory, as `optimum-cli export onnx` and transformers.js lay it out:
 * `config.json`, `tokenizer.json`, `tokenizer_config.json`, `chat_template.jinja` (where transformers ≥ 4.47
 * saves the chat template), `onnx/model.onnx` (or `model.onnx`) and the optional `prefsel.json` sidecar. Every problem becomes a {@link ModelLoadError} naming the file and what was expected.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelLoadError } from '../../core/errors.js';
import { SIDECAR_FILE, sidecarSchema } from './sidecar.js';
import type { Sidecar } from './sidecar.js';

/** The `config.json` fields the scorer reads. */
export interface HfConfig {
  model_type?: string;
  architectures?: string[];
  id2label?: Record<string, string>;
  num_labels?: number;
  max_position_embeddings?: number;
  n_positions?: number;
  pad_token_id?: number | null;
  eos_token_id?: number | number[] | null;
  [key: string]: unknown;
}

/** Everything read from a model directory, before any interpretation. */
export interface ModelFiles {
  /** The directory, as given. */
  readonly dir: string;
  readonly config: HfConfig;
  /** Parsed `tokenizer.json`. */
  readonly tokenizer: Record<string, unknown>;
  /** Parsed `tokenizer_config.json`, or `{}` when the file is absent. */
  readonly tokenizerConfig: Record<string, unknown>;
  /** The text of `chat_template.jinja`, when present. */
  readonly chatTemplateFile?: string;
  /** Parsed sidecar, or `{}` when absent. */
  readonly sidecar: Sidecar;
  /** Path of the ONNX graph. */
  readonly onnxPath: string;
}

/** The file transformers ≥ 4.47 saves the chat template in (rather than in `tokenizer_config.json`). */
export const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** Where exported graphs live, in the order they are tried. */
export const ONNX_CANDIDATES = ['onnx/model.onnx', 'model.onnx'] as const;

async function readJson(dir: string, file: string, required: boolean): Promise<Record<string, unknown> | undefined> {
  const path = join(dir, file);
  if (!existsSync(path)) {
    if (!required) return undefined;
    throw new ModelLoadError(path, `file not found; a model directory needs ${file}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ModelLoadError(path, `expected valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelLoadError(path, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function checkConfig(path: string, config: Record<string, unknown>): HfConfig {
  const { id2label, num_labels: numLabels } = config;
  if (id2label !== undefined) {
    if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) {
      throw new ModelLoadError(path, 'expected `id2label` to be an object mapping output index to attribute name');
    }
    for (const [k, v] of Object.entries(id2label)) {
      if (!/^\d+$/.test(k) || typeof v !== 'string') {
        throw new ModelLoadError(
          path,
          `expected \`id2label\` entries like "0": "helpfulness", got ${JSON.stringify(k)}: ${JSON.stringify(v)}`,
        );
      }
    }
  }
  if (numLabels !== undefined && (typeof numLabels !== 'number' || !Number.isInteger(numLabels) || numLabels < 1)) {
    throw new ModelLoadError(path, `expected \`num_labels\` to be an integer >= 1, got ${JSON.stringify(numLabels)}`);
  }
  if (id2label === undefined && numLabels === undefined) {
    throw new ModelLoadError(path, 'expected `id2label` (attribute names) or `num_labels`');
  }
  return config as HfConfig;
}

/** The text of `chat_template.jinja`, exactly as saved (Jinja drops one trailing newline itself), if present. */
async function readChatTemplate(dir: string): Promise<string | undefined> {
  const path = join(dir, CHAT_TEMPLATE_FILE);
  if (!existsSync(path)) return undefined;
  const text = await readFile(path, 'utf8');
  if (text.trim() === '') throw new ModelLoadError(path, 'expected a Jinja chat template, found an empty file');
  return text;
}

/** The small files that say what a model outputs: `config.json` and the optional sidecar. */
export type ModelHead = Pick<ModelFiles, 'dir' | 'config' | 'sidecar'>;

/**
 * Reads and checks only `config.json` and `prefsel.json`: enough to know the attributes, in milliseconds, so a
 * server can check its settings against them before the slow part (tokenizer and graph) starts.
 */
export async function readModelHead(dir: string): Promise<ModelHead> {
  if (!existsSync(dir)) throw new ModelLoadError(dir, 'model directory not found');
  const config = checkConfig(join(dir, 'config.json'), (await readJson(dir, 'config.json', true))!);
  const rawSidecar = await readJson(dir, SIDECAR_FILE, false);
  let sidecar: Sidecar = {};
  if (rawSidecar !== undefined) {
    const parsed = sidecarSchema.safeParse(rawSidecar);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ModelLoadError(
        join(dir, SIDECAR_FILE),
        `invalid at \`${issue.path.join('.') || '(root)'}\`: ${issue.message}`,
      );
    }
    sidecar = parsed.data;
  }
  return { dir, config, sidecar };
}

/** Reads and checks the files of a model directory (no ONNX Runtime involved). */
export async function readModelFiles(dir: string): Promise<ModelFiles> {
  const { config, sidecar } = await readModelHead(dir);
  const tokenizer = (await readJson(dir, 'tokenizer.json', true))!;
  if (typeof tokenizer.model !== 'object' || tokenizer.model === null) {
    throw new ModelLoadError(
      join(dir, 'tokenizer.json'),
      'expected a Hugging Face tokenizers file with a `model` object',
    );
  }
  const tokenizerConfig = (await readJson(dir, 'tokenizer_config.json', false)) ?? {};
  const chatTemplateFile = await readChatTemplate(dir);
  const onnxRel = ONNX_CANDIDATES.find((rel) => existsSync(join(dir, rel)));
  if (onnxRel === undefined) {
    throw new ModelLoadError(
      join(dir, ONNX_CANDIDATES[0]),
      `file not found; expected the ONNX graph at ${ONNX_CANDIDATES.join(' or ')}`,
    );
  }
  return {
    dir,
    config,
    tokenizer,
    tokenizerConfig,
    ...(chatTemplateFile === undefined ? {} : { chatTemplateFile }),
    sidecar,
    onnxPath: join(dir, onnxRel),
  };
}

/** The output labels in index order: `id2label` names, else `LABEL_i`. */
export function labelsOf(config: HfConfig): string[] {
  const n = Math.max(config.num_labels ?? 0, ...Object.keys(config.id2label ?? {}).map((k) => Number(k) + 1));
  return Array.from({ length: n }, (_, i) => config.id2label?.[String(i)] ?? `LABEL_${i}`);
}
