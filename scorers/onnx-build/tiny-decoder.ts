/**
 * @module onnx-build/tiny-decoder
 * A tiny decoder-shaped sequence classifier over Llama-3 or Qwen3 token ids, for tests: causal (each position sees
 * only itself and earlier tokens, as in a Llama), so right padding must not change any real position's value.
 * Either the graph pools like transformers' `LlamaForSequenceClassification` (last token that is not
 * `pad_token_id`) or it returns per-token scores `[batch, sequence, labels]` and leaves pooling to the scorer.
 * The directory can take the layouts real exports have: the chat template in `chat_template.jinja` (transformers
 * ≥ 4.47), `last_hidden_state` as the first output (`torch.onnx.export` of a model returning hidden states), a
 * float `attention_mask`.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder, tensor } from './graph.js';
import { cast, linear, randomDense } from './layers.js';
import { LLAMA3_CHAT_TEMPLATE, llama3TokenizerFiles } from './llama3.js';
import { DataType } from './proto.js';
import { QWEN3_IDS, qwen3TokenizerFiles } from './qwen3.js';
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
  /** Also output `last_hidden_state` `[batch, sequence, 8]`, first, as exports of models with hidden states do. */
  readonly hiddenStateOutput?: boolean;
  /** Element type of `attention_mask`. @default 'int64' */
  readonly maskType?: 'int64' | 'float32';
}

const BUCKETS = 997; // ids are hashed into a small table so the test model stays a few KB
const H = 8;

/** Builds the graph. */
export function buildTinyDecoderGraph(opts: TinyDecoderOptions): Uint8Array {
  const rng = createRng(7);
  const L = opts.labels.length;
  const g = new GraphBuilder('tiny_decoder_classifier');
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const floatMask = opts.maskType === 'float32';
  const mask = g.input('attention_mask', floatMask ? DataType.FLOAT : DataType.INT64, ['batch', 'sequence']);
  let e = g.op('Gather', [
    g.initializer(randomNormal(rng, BUCKETS * H, 1), [BUCKETS, H]),
    g.op('Mod', [ids, g.constI64(BUCKETS)]),
  ]);
  if (opts.positionIds) {
    const pos = g.input('position_ids', DataType.INT64, ['batch', 'sequence']);
    const table = g.initializer(randomNormal(rng, 4096 * H, 0.5), [4096, H]);
    e = g.op('Add', [e, g.op('Gather', [table, g.op('Min', [pos, g.constI64(4095)])])]);
  }
  const m = g.op('Unsqueeze', [floatMask ? mask : cast(g, mask, DataType.FLOAT), g.constI64([2])]);
  const axis = g.constI64(1);
  const mean = g.op('Div', [
    g.op('CumSum', [g.op('Mul', [e, m]), axis]),
    g.op('Max', [g.op('CumSum', [m, axis]), g.constF(1)]),
  ]);
  const hidden = g.op('Tanh', [mean]); // [B,T,H]
  if (opts.hiddenStateOutput) g.output(hidden, 'last_hidden_state', DataType.FLOAT, ['batch', 'sequence', H]);
  const perToken = linear(g, hidden, randomDense(rng, H, L, 1)); // [B,T,L]
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
  /** Whose tokenizer files (and `model_type`). @default 'llama3' */
  readonly tokenizer?: 'llama3' | 'qwen3';
  /** The chat template. @default Meta's Llama-3-Instruct template; Qwen3's own for `qwen3` */
  readonly chatTemplate?: string;
  /**
   * Where the template goes: `tokenizer_config.json` (transformers < 4.47), `chat_template.jinja` (the file
   * current transformers saves, with no `chat_template` left in tokenizer_config.json) or `both` (the file wins;
   * tokenizer_config.json then holds `configTemplate`). @default 'tokenizer_config'
   */
  readonly templateIn?: 'tokenizer_config' | 'chat_template.jinja' | 'both';
  /** The tokenizer_config.json template when `templateIn` is `both`. */
  readonly configTemplate?: string;
  /** `max_position_embeddings`. @default 8192 */
  readonly maxPosition?: number;
  /** Written as `prefsel.json` when given. */
  readonly sidecar?: Record<string, unknown>;
}

const FAMILIES = {
  llama3: {
    files: llama3TokenizerFiles,
    template: LLAMA3_CHAT_TEMPLATE as string | undefined,
    config: {
      architectures: ['LlamaForSequenceClassification'],
      model_type: 'llama',
      bos_token_id: 128000,
      eos_token_id: 128009,
    },
  },
  qwen3: {
    files: qwen3TokenizerFiles,
    template: undefined,
    config: { architectures: ['Qwen3ForSequenceClassification'], model_type: 'qwen3', eos_token_id: QWEN3_IDS.imEnd },
  },
};

/**
 * Writes a reward-model directory: Llama-3 (ArmoRM-like) or Qwen3 (Skywork-Reward-V2-Qwen3-like) tokenizer, a
 * `*ForSequenceClassification` config, the tiny graph, the chat template where `templateIn` says.
 */
export async function writeTinyDecoderDir(dir: string, opts: TinyDecoderDirOptions): Promise<string> {
  const family = FAMILIES[opts.tokenizer ?? 'llama3'];
  const src = family.files();
  await mkdir(join(dir, 'onnx'), { recursive: true });
  await copyFile(src.tokenizer, join(dir, 'tokenizer.json'));
  const { chat_template: shipped, ...tokConfig } = JSON.parse(await readFile(src.config, 'utf8')) as Record<
    string,
    unknown
  >;
  const template = opts.chatTemplate ?? family.template ?? (shipped as string);
  const where = opts.templateIn ?? 'tokenizer_config';
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const inConfig = where === 'tokenizer_config' ? template : where === 'both' ? opts.configTemplate : undefined;
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json({ ...tokConfig, ...(inConfig === undefined ? {} : { chat_template: inConfig }) }),
  );
  if (where !== 'tokenizer_config') await writeFile(join(dir, 'chat_template.jinja'), template);
  await writeFile(
    join(dir, 'config.json'),
    json({
      ...family.config,
      id2label: Object.fromEntries(opts.labels.map((n, i) => [String(i), n])),
      num_labels: opts.labels.length,
      max_position_embeddings: opts.maxPosition ?? 8192,
      pad_token_id: opts.padId,
    }),
  );
  if (opts.sidecar) await writeFile(join(dir, 'prefsel.json'), json(opts.sidecar));
  await writeFile(join(dir, 'onnx', 'model.onnx'), buildTinyDecoderGraph(opts));
  return dir;
}
