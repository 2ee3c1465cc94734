/**
 * Model directories laid out as real exports are (`torch.onnx.export` / optimum graphs, tokenizer files as
 * transformers saves them), checked against references that do not go through prefsel's encoding or feeds:
 * - token ids: the string Python's Jinja2 renders, written out by hand from the template's logic, tokenized by
 *   the tokenizer alone; for text pairs, the ids `tokenizers` gives (`Tokenizer.encode(a, b)`), from the vocab;
 * - scores: ONNX Runtime run directly on those ids, one sequence at a time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import * as ort from 'onnxruntime-node';
import type { ScoreInput } from '../../core/ports.js';
import { writeBertModelDir } from '../onnx-build/bert.js';
import { QWEN3_IDS, qwen3TokenizerFiles } from '../onnx-build/qwen3.js';
import { writeTinyDecoderDir } from '../onnx-build/tiny-decoder.js';
import { wordpieceVocab } from '../onnx-build/wordpiece.js';
import { createOnnxScorer } from './scorer.js';
import type { OnnxScorer } from './scorer.js';

const quiet = { info() {}, warn() {} };
const LABELS = ['helpfulness', 'correctness', 'verbosity'];

/** Scores from ONNX Runtime alone: one sequence per run, int64 inputs, the named output's row. */
async function reference(
  onnxPath: string,
  output: string,
  rows: ReadonlyArray<{ ids: readonly number[]; typeIds?: readonly number[] }>,
): Promise<number[][]> {
  const session = await ort.InferenceSession.create(onnxPath);
  try {
    const out: number[][] = [];
    for (const row of rows) {
      const t = (v: readonly number[]) => new ort.Tensor('int64', BigInt64Array.from(v, BigInt), [1, v.length]);
      const feeds: Record<string, ort.Tensor> = { input_ids: t(row.ids), attention_mask: t(row.ids.map(() => 1)) };
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = t(row.typeIds ?? row.ids.map(() => 0));
      const result = (await session.run(feeds, [output]))[output]!;
      out.push(Array.from(result.data as Float32Array));
    }
    return out;
  } finally {
    await session.release();
  }
}

function expectClose(actual: readonly number[][], expected: readonly number[][], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) =>
    row.forEach((v, j) => expect(Math.abs(v - expected[i]![j]!)).toBeLessThanOrEqual(tolerance)),
  );
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-exports-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a Qwen3 reward model whose template is in chat_template.jinja', () => {
  let tokenizer: Tokenizer | undefined;
  /** The Qwen3 tokenizer on its own (building it takes seconds: once). */
  const qwen = () => {
    const f = qwen3TokenizerFiles();
    tokenizer ??= new Tokenizer(
      JSON.parse(readFileSync(f.tokenizer, 'utf8')),
      JSON.parse(readFileSync(f.config, 'utf8')),
    );
    return tokenizer;
  };
  /**
   * What transformers renders for [user: Hi, assistant: <response>] with Qwen3's template, by hand from its logic:
   * the last assistant turn after the last user query gets an empty think block, then `content.lstrip('\n')`
   * (Python: strips newlines only), then `<|im_end|>\n`.
   */
  const rendered = (response: string) =>
    `<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n${response.replace(/^\n+/, '')}<|im_end|>\n`;
  const chat = (response: string): ScoreInput => ({ messages: [{ role: 'user', content: 'Hi' }], response });
  const responses = ['   Hello there', '\n\n  Hi\n', 'Hello there', '', ' \u00a0indented\u3000 reply  '];

  let scorer: OnnxScorer;
  let dir: string;
  beforeAll(async () => {
    dir = await writeTinyDecoderDir(join(root, 'qwen3'), {
      tokenizer: 'qwen3',
      templateIn: 'chat_template.jinja',
      pooling: 'graph',
      padId: QWEN3_IDS.endOfText,
      labels: LABELS,
    });
    scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
  });
  afterAll(() => scorer.close());

  it('Should load the template from chat_template.jinja (tokenizer_config.json has none)', () => {
    expect(JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')).chat_template).toBeUndefined();
    expect(scorer.info.family).toBe('decoder');
    expect(scorer.spec.input).toMatchObject({
      type: 'chat',
      chatTemplate: readFileSync(join(dir, 'chat_template.jinja'), 'utf8'),
    });
  });

  it("Should keep a response’s leading spaces under `lstrip('\\n')`, as Python does", () => {
    // "\n\n" "  " " Hello" " there": Python keeps the spaces; JavaScript's trimStart gave "\n\n" "Hello" " there".
    expect(scorer.encode(chat('   Hello there')).ids.slice(10, 16)).toEqual([271, 151668, 271, 256, 21927, 1052]);
  });

  it.each(responses.map((r) => [JSON.stringify(r), r]))(
    'Should give the ids of the Python rendering for %s',
    (_, r) => {
      const expected = qwen().encode(rendered(r), { add_special_tokens: false }).ids;
      expect(scorer.encode(chat(r)).ids).toEqual(expected);
    },
  );

  it('Should score as ONNX Runtime does on those ids (1e-6), batched exactly as one by one', async () => {
    const inputs = responses.map(chat);
    const expected = await reference(
      join(dir, 'onnx', 'model.onnx'),
      'logits',
      responses.map((r) => ({ ids: qwen().encode(rendered(r), { add_special_tokens: false }).ids })),
    );
    const batched = await scorer.score(inputs);
    expectClose(batched, expected, 1e-6);
    for (const [i, input] of inputs.entries()) expect(await scorer.score([input])).toEqual([batched[i]]);
  });

  it('Should prefer chat_template.jinja over tokenizer_config.json when both exist, as transformers does', async () => {
    const both = await writeTinyDecoderDir(join(root, 'both'), {
      tokenizer: 'qwen3',
      templateIn: 'both',
      configTemplate: "{% for m in messages %}{{ m['content'] }}{% endfor %}",
      pooling: 'graph',
      padId: QWEN3_IDS.endOfText,
      labels: LABELS,
    });
    const s = await createOnnxScorer({ modelDir: both, device: 'cpu', logger: quiet });
    try {
      expect(s.encode(chat('   Hello there')).ids).toEqual(scorer.encode(chat('   Hello there')).ids);
    } finally {
      await s.close();
    }
  });
});

describe('an encoder pair model given an empty response', () => {
  const vocab = wordpieceVocab(['say', 'nothing', 'paris'], 200);
  const id = (t: string) => vocab.indexOf(t);
  let scorer: OnnxScorer;
  let dir: string;
  beforeAll(async () => {
    dir = await writeBertModelDir(
      join(root, 'bert'),
      { layers: 1, hidden: 16, heads: 2, labels: LABELS, maxPosition: 64 },
      vocab,
    );
    scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
  });
  afterAll(() => scorer.close());
  const empty: ScoreInput = { messages: [{ role: 'user', content: 'Say nothing.' }], response: '' };

  it('Should keep the empty second sequence: [CLS] a [SEP] [SEP], as `tokenizers` encodes (a, "")', () => {
    const enc = scorer.encode(empty);
    expect(enc.ids).toEqual(['[CLS]', 'say', 'nothing', '.', '[SEP]', '[SEP]'].map(id));
    expect(enc.typeIds).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('Should leave non-empty pairs as they were', () => {
    const enc = scorer.encode({ ...empty, response: 'Paris.' });
    expect(enc.ids).toEqual(['[CLS]', 'say', 'nothing', '.', '[SEP]', 'paris', '.', '[SEP]'].map(id));
    expect(enc.typeIds).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('Should score it as ONNX Runtime does on those ids (1e-6)', async () => {
    const ids = ['[CLS]', 'say', 'nothing', '.', '[SEP]', '[SEP]'].map(id);
    const [expected] = await reference(join(dir, 'onnx', 'model.onnx'), 'logits', [
      { ids, typeIds: [0, 0, 0, 0, 0, 1] },
    ]);
    expectClose(await scorer.score([empty]), [expected!], 1e-6);
  });
});

describe('a graph whose first output is last_hidden_state', () => {
  const inputs: ScoreInput[] = [
    { messages: [{ role: 'user', content: 'Hello!' }], response: 'Hi there.' },
    { messages: [{ role: 'user', content: 'Name a colour.' }], response: 'Blue, or perhaps a deep ultramarine.' },
  ];

  it('Should read `scores` [batch, 3], chosen by name and shape, not the first output', async () => {
    const dir = await writeTinyDecoderDir(join(root, 'hidden'), {
      pooling: 'graph',
      padId: 128256,
      labels: LABELS,
      outputName: 'scores',
      hiddenStateOutput: true,
    });
    const scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
    try {
      expect(scorer.info.output).toBe('scores');
      const expected = await reference(
        join(dir, 'onnx', 'model.onnx'),
        'scores',
        inputs.map((i) => scorer.encode(i)),
      );
      expectClose(await scorer.score(inputs), expected, 1e-6);
    } finally {
      await scorer.close();
    }
  });
});
