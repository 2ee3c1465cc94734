/**
 * Encoder family (BERT-shaped): text pairs with `token_type_ids` discovered from the graph, [CLS]-pooled logits,
 * padding that does not change scores, and a plain input format from the sidecar.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBertModelDir } from '../onnx-build/bert.js';
import { wordpieceVocab } from '../onnx-build/wordpiece.js';
import { createOnnxScorer } from './scorer.js';
import type { OnnxScorer } from './scorer.js';
import type { ScoreInput } from '../../core/ports.js';

const quiet = { info() {}, warn() {} };
const words =
  'what is the capital of france paris it a city on seine river explain tcp slow start window grows ##s ##ing'.split(
    ' ',
  );
const vocab = wordpieceVocab(words, 200);
const id = (t: string) => vocab.indexOf(t);

const inputs: ScoreInput[] = [
  { messages: [{ role: 'user', content: 'What is the capital of France?' }], response: 'Paris.' },
  { messages: [{ role: 'user', content: 'Explain TCP slow start.' }], response: 'The window grows.' },
  {
    messages: [
      { role: 'user', content: 'What is Paris?' },
      { role: 'assistant', content: 'A city.' },
      { role: 'user', content: 'On the Seine?' },
    ],
    response: 'It is a city on the Seine river, the capital of France.',
  },
];

let root: string;
let scorer: OnnxScorer;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-enc-'));
  const dir = await writeBertModelDir(
    join(root, 'bert'),
    { layers: 1, hidden: 16, heads: 2, labels: ['quality', 'length'], maxPosition: 64 },
    vocab,
  );
  scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
});
afterAll(async () => {
  await scorer.close();
  rmSync(root, { recursive: true, force: true });
});

describe('encoder family', () => {
  it('Should take the family, inputs and limits from config.json', () => {
    expect(scorer.info.family).toBe('encoder');
    expect(scorer.info.maxLength).toBe(64);
    expect(scorer.attributes).toEqual(['quality', 'length']);
  });

  it('Should encode (conversation, response) as a text pair with segment ids', () => {
    const enc = scorer.encode(inputs[0]!);
    const expected = ['[CLS]', 'what', 'is', 'the', 'capital', 'of', 'france', '?', '[SEP]', 'paris', '.', '[SEP]'].map(
      id,
    );
    expect(enc.ids).toEqual(expected);
    expect(enc.typeIds).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('Should render a multi-turn conversation as a transcript in the first segment', () => {
    const enc = scorer.encode(inputs[2]!);
    const sep = enc.ids.indexOf(id('[SEP]'));
    expect(enc.ids.slice(0, sep)).toContain(id('##s')); // "Assistant:" and "User:" labels are WordPiece-split
    expect(enc.typeIds!.slice(sep + 1).every((t) => t === 1)).toBe(true);
  });

  it('Should give the same scores batched and one by one', async () => {
    const batched = await scorer.score(inputs);
    for (const [i, input] of inputs.entries()) {
      const [alone] = await scorer.score([input]);
      alone!.forEach((v, j) => expect(Math.abs(v - batched[i]![j]!)).toBeLessThan(1e-5));
    }
  });

  it('Should truncate the conversation, not the response, at maxLength', async () => {
    const short = await createOnnxScorer({ modelDir: join(root, 'bert'), device: 'cpu', logger: quiet, maxLength: 20 });
    try {
      const enc = short.encode(inputs[2]!);
      expect(enc.ids.length).toBeLessThanOrEqual(20);
      expect(enc.ids.length).toBeLessThan(scorer.encode(inputs[2]!).ids.length);
      const full = scorer.encode(inputs[2]!);
      const responseLen = full.typeIds!.filter((t) => t === 1).length;
      expect(enc.ids.slice(-responseLen)).toEqual(full.ids.slice(-responseLen));
    } finally {
      await short.close();
    }
  });

  it('Should format plain prompts from the sidecar (DPA-style `[INST]` template)', async () => {
    writeFileSync(
      join(root, 'bert', 'prefsel.json'),
      JSON.stringify({ input: { type: 'plain', format: 'rate this: user: {prompt} assistant: {response}' } }),
    );
    const plain = await createOnnxScorer({ modelDir: join(root, 'bert'), device: 'cpu', logger: quiet });
    try {
      const enc = plain.encode(inputs[0]!);
      expect(enc.typeIds).toBeUndefined();
      expect(enc.ids.slice(-4)).toEqual([':', 'paris', '.', '[SEP]'].map(id));
      expect(enc.ids.filter((t) => t === id('[SEP]')).length).toBe(1);
    } finally {
      await plain.close();
      rmSync(join(root, 'bert', 'prefsel.json'));
    }
  });
});
