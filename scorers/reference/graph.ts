/**
 * @module reference/graph
 * The reference reward model as an ONNX graph over Llama-3 token ids. It is a transparent heuristic judge, not a
 * learned one: every attribute is a formula over token counts, computed in the graph so the model runs through
 * exactly the same loader, tokenizer, chat template, batching and ONNX Runtime path as a real reward model.
 *
 * Segments come from the Llama-3 chat template itself: the response is everything after the last
 * `<|start_header_id|>…<|end_header_id|>\n\n` header; the prompt is everything before that header, minus the
 * header spans (role names) and special tokens. So the graph needs only `input_ids` and `attention_mask`.
 *
 * Attributes, each on a 0–100 scale (like the DPA reward model's outputs):
 * - helpfulness = 100 · sat · (0.15 + 0.85 · relevance), relevance = 0.6 · coverage + 0.4 · min(1, 3 · precision);
 *   coverage = share of the prompt's distinct content words the response uses, precision = share of the response's
 *   content tokens found in the prompt, sat = 1 − exp(−contentTokens / 8) so a one-word reply is not maximal.
 * - verbosity = min(100, 100 · ln(1 + responseTokens) / ln(513)): log-scaled length, 100 at 512 tokens.
 * - coherence = 100 · (1 − (unigramRepeat + bigramRepeat) / 2) · (1 − exp(−responseTokens / 2)), where the
 *   repeat rates are the shares of content tokens, and of token bigrams, that already occurred in the response.
 */
import { GraphBuilder, tensor } from '../onnx-build/graph.js';
import { cast, reduceSum } from '../onnx-build/layers.js';
import { DataType } from '../onnx-build/proto.js';
import { LLAMA3_IDS } from '../onnx-build/llama3.js';
import type { VocabTables } from './vocab.js';

/** Llama-3 special token ids the graph keys on. */
const LLAMA3 = {
  firstSpecial: LLAMA3_IDS.beginOfText,
  startHeader: LLAMA3_IDS.startHeader,
  endHeader: LLAMA3_IDS.endHeader,
} as const;

/** Attribute names, in output order. */
export const REFERENCE_ATTRIBUTES = ['helpfulness', 'verbosity', 'coherence'] as const;

/** Bigram hashes are bucketed into this many slots (a prime; collisions only under-count repetition slightly). */
const BIGRAM_BUCKETS = 131071;

/** Builds the reference model's ONNX bytes from the vocabulary tables. */
export function buildReferenceGraph(tables: VocabTables): Uint8Array {
  const g = new GraphBuilder('prefsel_reference_reward');
  const ids = g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  const mask = g.input('attention_mask', DataType.INT64, ['batch', 'sequence']);
  const F = DataType.FLOAT;
  const one = g.constF(1);
  const zero = g.constF(0);
  const axis1 = g.constI64(1);
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const sub = (a: string, b: string) => g.op('Sub', [a, b]);
  const div = (a: string, b: string) => g.op('Div', [a, b]);
  const not = (a: string) => sub(one, a);
  const sum = (a: string) => reduceSum(g, a, [1]); // [B,1]
  const eqF = (x: string, id: number) => cast(g, g.op('Equal', [x, g.constI64(id)]), F);
  const safeDiv = (a: string, b: string) => div(a, g.op('Max', [b, one]));
  // Shift [B,T] left by one position, filling the end with 0 (value of the next token at each position).
  const batchShape = (last: number) =>
    g.op('Concat', [g.op('Slice', [g.op('Shape', [ids]), g.constI64([0]), g.constI64([1])]), g.constI64([last])], {
      axis: 0,
    });
  const zerosF = (last: number) =>
    g.op('ConstantOfShape', [batchShape(last)], { value: { tensor: tensor('v', new Float32Array(1), [1]) } });
  const shiftLeft = (x: string, pad: string) =>
    g.op('Concat', [g.op('Slice', [x, g.constI64([1]), g.constI64([Number.MAX_SAFE_INTEGER]), g.constI64([1])]), pad], {
      axis: 1,
    });
  const shiftRight = (x: string, pad: string) =>
    g.op('Concat', [pad, g.op('Slice', [x, g.constI64([0]), g.constI64([-1]), g.constI64([1])])], { axis: 1 });

  const maskF = cast(g, mask, F);
  const clipped = g.op('Min', [ids, g.constI64(tables.size - 1)]); // pad ids beyond the table stay in range
  const regular = mul(cast(g, g.op('Less', [ids, g.constI64(LLAMA3.firstSpecial)]), F), maskF);
  const isStart = mul(eqF(ids, LLAMA3.startHeader), maskF);
  const isEnd = mul(eqF(ids, LLAMA3.endHeader), maskF);
  const csStart = g.op('CumSum', [isStart, axis1]);
  const inHeader = cast(g, g.op('Greater', [sub(csStart, g.op('CumSum', [isEnd, axis1])), zero]), F);
  const lastTurn = cast(g, g.op('Equal', [csStart, sum(isStart)]), F);
  const afterHeader = shiftRight(isEnd, zerosF(1)); // the "\n\n" the template writes after each header
  const outside = mul(not(inHeader), regular);
  const response = mul(mul(lastTurn, outside), not(afterHeader));
  const prompt = mul(not(lastTurn), outside);

  const content = g.op('Gather', [g.initializer(tables.content, [tables.size]), clipped]);
  const canon = cast(g, g.op('Gather', [g.initializer(tables.canonical, [tables.size]), clipped]), DataType.INT64);
  const promptContent = mul(prompt, content);
  const responseContent = mul(response, content);
  const scatterAdd = (idx: string, upd: string, buckets: number) =>
    g.op('ScatterElements', [zerosF(buckets), idx, upd], { axis: 1, reduction: 'add' });
  const present = (counts: string) => cast(g, g.op('Greater', [counts, zero]), F);
  const promptSeen = present(scatterAdd(canon, promptContent, tables.size));
  const responseSeen = present(scatterAdd(canon, responseContent, tables.size));

  const nResponse = sum(response);
  const nContent = sum(responseContent);
  const coverage = safeDiv(sum(mul(promptSeen, responseSeen)), sum(promptSeen));
  const inPrompt = g.op('GatherElements', [promptSeen, canon], { axis: 1 });
  const precision = safeDiv(sum(mul(responseContent, inPrompt)), nContent);
  const relevance = g.op('Add', [
    mul(coverage, g.constF(0.6)),
    mul(g.op('Min', [mul(precision, g.constF(3)), one]), g.constF(0.4)),
  ]);
  const saturation = (n: string, k: number) => not(g.op('Exp', [div(g.op('Neg', [n]), g.constF(k))]));
  const helpfulness = mul(
    mul(saturation(nContent, 8), g.op('Add', [g.constF(0.15), mul(relevance, g.constF(0.85))])),
    g.constF(100),
  );

  const verbosity = g.op('Min', [
    mul(g.op('Log', [g.op('Add', [nResponse, one])]), g.constF(100 / Math.log(513))),
    g.constF(100),
  ]);

  const unigramRepeat = safeDiv(sub(nContent, sum(responseSeen)), nContent);
  const zeroCol = zerosF(1);
  const bigram = mul(response, shiftLeft(response, zeroCol));
  const nextCanon = shiftLeft(canon, cast(g, zeroCol, DataType.INT64));
  const hash = g.op('Mod', [
    g.op('Add', [g.op('Mul', [canon, g.constI64(1009)]), nextCanon]),
    g.constI64(BIGRAM_BUCKETS),
  ]);
  const nBigrams = sum(bigram);
  const bigramRepeat = safeDiv(sub(nBigrams, sum(present(scatterAdd(hash, bigram, BIGRAM_BUCKETS)))), nBigrams);
  const repeat = mul(g.op('Add', [unigramRepeat, bigramRepeat]), g.constF(0.5));
  const coherence = mul(mul(not(repeat), saturation(nResponse, 2)), g.constF(100));

  const logits = g.op('Concat', [helpfulness, verbosity, coherence], { axis: 1 });
  g.output(logits, 'logits', F, ['batch', REFERENCE_ATTRIBUTES.length]);
  return g.build({
    docString: 'prefsel reference reward model: heuristic attributes over Llama-3 token ids (not a learned judge).',
    metadata: { attributes: REFERENCE_ATTRIBUTES.join(',') },
  });
}
