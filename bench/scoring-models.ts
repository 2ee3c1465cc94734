/**
 * @module bench/scoring-models
 * Model directories and workload for the scoring benchmark: BERT-shaped sequence classifiers with RANDOM weights,
 * built from code into `.models/bench/` (reused when present), and deterministic (prompt, k responses) requests
 * with the spread of lengths a best-of-k scorer sees.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeBertModelDir } from '../scorers/onnx-build/bert.js';
import type { BertShape } from '../scorers/onnx-build/bert.js';
import { llama3TokenizerFiles } from '../scorers/onnx-build/llama3.js';
import { createRng } from '../scorers/onnx-build/random.js';
import { wordpieceVocab, wordsFromBpeVocab } from '../scorers/onnx-build/wordpiece.js';
import type { ScoreInput } from '../core/ports.js';

/** A named benchmark model shape. */
export interface BenchShape extends BertShape {
  readonly name: string;
  readonly vocabSize: number;
}

/** Shapes by the `--shapes` token that selects them (`LAYERSxHIDDEN`). */
export const BENCH_SHAPES: Readonly<Record<string, BenchShape>> = {
  // MiniLM-L6-H384 layout (the size of many small cross-encoders).
  '6x384': {
    name: 'bert-6x384',
    layers: 6,
    hidden: 384,
    heads: 12,
    vocabSize: 30522,
    labels: ['helpfulness', 'verbosity'],
  },
  // BERT-base layout.
  '12x768': {
    name: 'bert-12x768',
    layers: 12,
    hidden: 768,
    heads: 12,
    vocabSize: 30522,
    labels: ['helpfulness', 'verbosity'],
  },
  // For --quick and the test: seconds, not minutes.
  '2x64': { name: 'bert-2x64', layers: 2, hidden: 64, heads: 4, vocabSize: 8000, labels: ['helpfulness', 'verbosity'] },
};

/** Default directory for benchmark models (gitignored). */
export const BENCH_MODELS_DIR = resolve('.models/bench');

/** Parameter count of a shape (embeddings, encoder layers, pooler, head). */
export function paramCount(s: BenchShape): number {
  const H = s.hidden;
  const I = s.intermediate ?? 4 * H;
  const P = s.maxPosition ?? 512;
  const layer = 4 * (H * H + H) + H * I + I + I * H + H + 4 * H;
  return (s.vocabSize + P + 2) * H + 2 * H + s.layers * layer + H * H + H + H * s.labels.length + s.labels.length;
}

let cachedWords: string[] | undefined;
/** English-like words: the Llama-3 BPE vocabulary's alphabetic tokens. */
function englishWords(): string[] {
  cachedWords ??= wordsFromBpeVocab(
    (JSON.parse(readFileSync(llama3TokenizerFiles().tokenizer, 'utf8')) as { model: { vocab: Record<string, number> } })
      .model.vocab,
  );
  return cachedWords;
}

/** Returns the model directory for `shape`, building it first when absent. Same shape, same bytes. */
export async function ensureBenchModel(shape: BenchShape, root = BENCH_MODELS_DIR): Promise<string> {
  const dir = join(root, shape.name);
  if (existsSync(join(dir, 'onnx', 'model.onnx')) && existsSync(join(dir, 'tokenizer.json'))) return dir;
  return writeBertModelDir(dir, shape, wordpieceVocab(englishWords(), shape.vocabSize));
}

/** One scoring request: a prompt and its k candidate responses. */
export type BenchRequest = ScoreInput[];

/** Options of {@link makeWorkload}. */
export interface WorkloadOptions {
  readonly requests: number;
  /** Candidates per request (RPS uses k = 5). */
  readonly candidates: number;
  readonly promptWords: readonly [number, number];
  readonly responseWords: readonly [number, number];
  readonly seed: number;
}

/** Deterministic requests; response lengths vary widely within a request, as sampled candidates do. */
export function makeWorkload(opts: WorkloadOptions): BenchRequest[] {
  const words = englishWords()
    .filter((w) => !w.startsWith('##') && w.length > 2)
    .slice(0, 5000);
  const rng = createRng(opts.seed);
  const between = ([lo, hi]: readonly [number, number]) => lo + Math.floor(rng.next() * (hi - lo + 1));
  const sentence = (n: number) =>
    Array.from({ length: n }, () => words[Math.floor(rng.next() * words.length)]).join(' ') + '.';
  return Array.from({ length: opts.requests }, () => {
    const prompt = sentence(between(opts.promptWords));
    return Array.from({ length: opts.candidates }, () => ({
      messages: [{ role: 'user' as const, content: prompt }],
      response: sentence(between(opts.responseWords)),
    }));
  });
}
