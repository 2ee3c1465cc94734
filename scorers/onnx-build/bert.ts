/**
 * @module onnx-build/bert
 * A BERT sequence classifier (`BertForSequenceClassification`) as an ONNX graph with the inputs and output name an
 * `optimum` export has (`input_ids`, `attention_mask`, `token_type_ids` → `logits`), written as a Hugging Face
 * directory that prefsel and transformers.js both load. Weights are random (seeded): the shape, and so the cost,
 * is real; the scores mean nothing. Used for tests (tiny sizes) and the scoring benchmark (realistic sizes).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from './graph.js';
import { cast, gelu, layerNorm, linear, randomDense } from './layers.js';
import { DataType } from './proto.js';
import { createRng, randomNormal } from './random.js';
import { wordpieceTokenizerConfig, wordpieceTokenizerJson } from './wordpiece.js';

/** Shape of the model. */
export interface BertShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  /** FFN width. @default 4 × hidden */
  readonly intermediate?: number;
  /** Longest sequence (position table size). @default 512 */
  readonly maxPosition?: number;
  /** Output names (`id2label`). */
  readonly labels: readonly string[];
  /** Weight seed. @default 1 */
  readonly seed?: number;
}

/** Builds the ONNX bytes for `shape` over a vocabulary of `vocabSize`. */
export function buildBertGraph(shape: BertShape, vocabSize: number): Uint8Array {
  const { layers, hidden: H, heads } = shape;
  if (H % heads !== 0) throw new TypeError(`Expected \`hidden\` (${H}) to be divisible by \`heads\` (${heads})`);
  const I = shape.intermediate ?? 4 * H;
  const P = shape.maxPosition ?? 512;
  const dHead = H / heads;
  const rng = createRng(shape.seed ?? 1);
  const g = new GraphBuilder('bert_for_sequence_classification');
  const ids = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch_size', 'sequence_length']);
  const types = g.input('token_type_ids', DataType.INT64, ['batch_size', 'sequence_length']);

  // Embeddings: word + position + segment, then LayerNorm.
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.constI64(1)]);
  const positions = g.op('Range', [g.constI64(0), seqLen, g.constI64(1)]);
  const word = g.op('Gather', [g.initializer(randomNormal(rng, vocabSize * H, 0.02), [vocabSize, H]), ids]);
  const pos = g.op('Gather', [g.initializer(randomNormal(rng, P * H, 0.02), [P, H]), positions]);
  const seg = g.op('Gather', [g.initializer(randomNormal(rng, 2 * H, 0.02), [2, H]), types]);
  let x = layerNorm(g, g.op('Add', [g.op('Add', [word, pos]), seg]), H);

  // Additive mask [B,1,1,T]: 0 where attended, -10000 at padding (exp underflows to exactly 0 in float32).
  const maskF = cast(g, g.op('Unsqueeze', [mask, g.constI64([1, 2])]), DataType.FLOAT);
  const bias = g.op('Mul', [g.op('Sub', [g.constF(1), maskF]), g.constF(-10000)]);
  const splitHeads = g.constI64([0, 0, heads, dHead]);
  const mergeHeads = g.constI64([0, 0, H]);
  const scale = g.constF(1 / Math.sqrt(dHead));

  for (let l = 0; l < layers; l++) {
    const proj = (perm: number[]) =>
      g.op('Transpose', [g.op('Reshape', [linear(g, x, randomDense(rng, H, H)), splitHeads])], { perm });
    const q = proj([0, 2, 1, 3]); // [B,h,T,d]
    const k = proj([0, 2, 3, 1]); // [B,h,d,T]
    const v = proj([0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), bias]);
    const ctx = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] }), mergeHeads]);
    x = layerNorm(g, g.op('Add', [x, linear(g, merged, randomDense(rng, H, H))]), H);
    const ffn = linear(g, gelu(g, linear(g, x, randomDense(rng, H, I))), randomDense(rng, I, H));
    x = layerNorm(g, g.op('Add', [x, ffn]), H);
  }

  // Pooler on [CLS], then the classification head.
  const cls = g.op('Gather', [x, g.constI64(0)], { axis: 1 });
  const pooled = g.op('Tanh', [linear(g, cls, randomDense(rng, H, H))]);
  const logits = linear(g, pooled, randomDense(rng, H, shape.labels.length));
  g.output(logits, 'logits', DataType.FLOAT, ['batch_size', shape.labels.length]);
  return g.build({ docString: 'BERT sequence classifier with RANDOM weights (benchmark/test model, not a judge).' });
}

/** The `config.json` transformers.js expects of a `BertForSequenceClassification`. */
export function bertConfig(shape: BertShape, vocabSize: number): Record<string, unknown> {
  return {
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    vocab_size: vocabSize,
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate ?? 4 * shape.hidden,
    hidden_act: 'gelu',
    max_position_embeddings: shape.maxPosition ?? 512,
    type_vocab_size: 2,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
    problem_type: 'regression',
    num_labels: shape.labels.length,
    id2label: Object.fromEntries(shape.labels.map((n, i) => [String(i), n])),
    label2id: Object.fromEntries(shape.labels.map((n, i) => [n, i])),
    prefsel_note: 'random weights',
  };
}

/** Writes a complete model directory (`config.json`, tokenizer files, `onnx/model.onnx`) to `dir`. */
export async function writeBertModelDir(dir: string, shape: BertShape, vocab: readonly string[]): Promise<string> {
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(join(dir, 'config.json'), json(bertConfig(shape, vocab.length)));
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(wordpieceTokenizerJson(vocab)));
  await writeFile(join(dir, 'tokenizer_config.json'), json(wordpieceTokenizerConfig(shape.maxPosition ?? 512)));
  await writeFile(join(dir, 'onnx', 'model.onnx'), buildBertGraph(shape, vocab.length));
  return dir;
}
