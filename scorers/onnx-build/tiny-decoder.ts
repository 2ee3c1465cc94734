/**
 * @module onnx-build/tiny-decoder
 * A tiny decoder-shaped sequence classifier over Llama-3 token ids, for tests: causal (each position sees only
 * itself and earlier tokens, as in a Llama), so right padding must not change any real position's value. Either
 * the graph pools like transformers' `LlamaForSequenceClassification` (last token that is not `pad_token_id`) or
 * it returns per-token scores `[batch, sequence, labels]` and leaves pooling to the scorer.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder, tensor } from './graph.js';
import { cast, linear, randomDense } from './layers.js';
import { LLAMA3_CHAT_TEMPLATE, llama3TokenizerFiles } from './llama3.js';
import { DataType } from './proto.js';
import { createRng, randomNormal } from './random.js';

/** Options of {@link buildTinyDecoderGraph}. */
export interface TinyDecoderOptions {
  /** `graph`: pool in the graph at the last non-pad id; `tokens`: output per-token scores. */
  readonly pooling: 'graph' | 'tokens';
  /** The id the graph treats as padding (ArmoRM: 128256). */
  readonly padId: number;
  readonly labels: readonly string[];
  /** Take a `position_ids` input (some decoder exports do). @default false */
  readonly positionIds?: boolean;
  /** Graph output name. @default 'logits' */
  readonly outputName?: string;
}

const BUCKETS = 997; // ids are hashed into a small table so the test model stays a few KB
const H = 8;

/** Builds the graph. */
export function buildTinyDecoderGraph(opts: TinyDecoderOptions): Uint8Array {
  const rng = createRng(7);
  const L = opts.labels.length;
  const g = new GraphBuilder('tiny_decoder_classifier');
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  let e = g.op('Gather', [
    g.initializer(randomNormal(rng, BUCKETS * H, 1), [BUCKETS, H]),
    g.op('Mod', [ids, g.constI64(BUCKETS)]),
  ]);
  if (opts.positionIds) {
    const pos = g.input('position_ids', DataType.INT64, ['batch', 'sequence']);
    const table = g.initializer(randomNormal(rng, 4096 * H, 0.5), [4096, H]);
    e = g.op('Add', [e, g.op('Gather', [table, g.op('Min', [pos, g.constI64(4095)])])]);
  }
  const m = g.op('Unsqueeze', [cast(g, mask, DataType.FLOAT), g.constI64([2])]);
  const axis = g.constI64(1);
  const mean = g.op('Div', [
    g.op('CumSum', [g.op('Mul', [e, m]), axis]),
    g.op('Max', [g.op('CumSum', [m, axis]), g.constF(1)]),
  ]);
  const perToken = linear(g, g.op('Tanh', [mean]), randomDense(rng, H, L, 1)); // [B,T,L]
  const name = opts.outputName ?? 'logits';
  if (opts.pooling === 'tokens') {
    g.output(perToken, name, DataType.FLOAT, ['batch', 'sequence', L]);
  } else {
    // transformers: last_non_pad = argmax(arange(T) * (input_ids != pad_token_id)).
    const notPad = cast(g, g.op('Not', [g.op('Equal', [ids, g.constI64(opts.padId)])]), DataType.FLOAT);
    const ones = g.op('ConstantOfShape', [g.op('Shape', [ids])], {
      value: { tensor: tensor('one', Float32Array.of(1), [1]) },
    });
    const index = g.op('Sub', [g.op('CumSum', [ones, axis]), g.constF(1)]);
    const last = g.op('ArgMax', [g.op('Mul', [index, notPad])], { axis: 1, keepdims: 1 }); // [B,1]
    const batch = g.op('Slice', [g.op('Shape', [ids]), g.constI64([0]), g.constI64([1])]);
    const gatherShape = g.op('Concat', [batch, g.constI64([1, L])], { axis: 0 });
    const at = g.op('Expand', [g.op('Unsqueeze', [last, g.constI64([2])]), gatherShape]);
    const pooled = g.op('Squeeze', [g.op('GatherElements', [perToken, at], { axis: 1 }), g.constI64([1])]);
    g.output(pooled, name, DataType.FLOAT, ['batch', L]);
  }
  return g.build({ docString: 'Tiny decoder-shaped classifier with random weights (tests only).' });
}

/** Options of {@link writeTinyDecoderDir}: the graph's, plus what goes into the directory's JSON files. */
export interface TinyDecoderDirOptions extends TinyDecoderOptions {
  /** Chat template written to tokenizer_config.json. @default Meta's Llama-3-Instruct template */
  readonly chatTemplate?: string;
  /** `max_position_embeddings`. @default 8192 */
  readonly maxPosition?: number;
  /** Written as `prefsel.json` when given. */
  readonly sidecar?: Record<string, unknown>;
}

/** Writes an ArmoRM-like directory: Llama-3 tokenizer, `LlamaForSequenceClassification` config, tiny graph. */
export async function writeTinyDecoderDir(dir: string, opts: TinyDecoderDirOptions): Promise<string> {
  const src = llama3TokenizerFiles();
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await copyFile(src.tokenizer, join(dir, 'tokenizer.json'));
  const tokConfig = JSON.parse(await readFile(src.config, 'utf8')) as Record<string, unknown>;
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json({ ...tokConfig, chat_template: opts.chatTemplate ?? LLAMA3_CHAT_TEMPLATE }),
  );
  await writeFile(
    join(dir, 'config.json'),
    json({
      architectures: ['LlamaForSequenceClassification'],
      model_type: 'llama',
      id2label: Object.fromEntries(opts.labels.map((n, i) => [String(i), n])),
      num_labels: opts.labels.length,
      max_position_embeddings: opts.maxPosition ?? 8192,
      pad_token_id: opts.padId,
      bos_token_id: 128000,
      eos_token_id: 128009,
    }),
  );
  if (opts.sidecar) await writeFile(join(dir, 'prefsel.json'), json(opts.sidecar));
  await writeFile(join(dir, 'onnx', 'model.onnx'), buildTinyDecoderGraph(opts));
  return dir;
}
