/**
 * Decoder family (ArmoRM-shaped): the real Llama-3 tokenizer and chat template, right padding with the config's
 * pad id, last-token pooling (in the graph or by the scorer), `position_ids` discovery, truncation, sidecar.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LLAMA3_IDS, llama3TokenizerFiles } from '../onnx-build/llama3.js';
import { writeTinyDecoderDir } from '../onnx-build/tiny-decoder.js';
import { createOnnxScorer } from './scorer.js';
import type { OnnxScorer } from './scorer.js';
import type { ScoreInput } from '../../core/ports.js';

const quiet = { info() {}, warn() {} };
const ARMO_PAD = 128256;
const LABELS = [
  'helpsteer-helpfulness',
  'helpsteer-correctness',
  'helpsteer-coherence',
  'helpsteer-complexity',
  'helpsteer-verbosity',
];

const chats: ScoreInput[] = [
  { messages: [{ role: 'user', content: 'Hello!' }], response: 'Hi there.' },
  {
    messages: [{ role: 'user', content: 'Explain TCP slow start in one paragraph, please.' }],
    response:
      'Slow start doubles the congestion window every round trip until it reaches the threshold, then grows linearly.',
  },
  {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a colour.' },
    ],
    response: 'Blue.',
  },
  {
    messages: [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello! How can I help?' },
      { role: 'user', content: 'Tell me a joke about cats and keyboards.' },
    ],
    response: 'My cat walked on the keyboard and committed to main. Now the build is purr-fect.',
  },
];

let root: string;
let graphPooled: OnnxScorer;
let tokenPooled: OnnxScorer;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-dec-'));
  const a = await writeTinyDecoderDir(join(root, 'graph'), { pooling: 'graph', padId: ARMO_PAD, labels: LABELS });
  const b = await writeTinyDecoderDir(join(root, 'tokens'), {
    pooling: 'tokens',
    padId: ARMO_PAD,
    labels: LABELS,
    positionIds: true,
  });
  [graphPooled, tokenPooled] = await Promise.all([
    createOnnxScorer({ modelDir: a, device: 'cpu', logger: quiet }),
    createOnnxScorer({ modelDir: b, device: 'cpu', logger: quiet }),
  ]);
});
afterAll(async () => {
  await Promise.all([graphPooled.close(), tokenPooled.close()]);
  rmSync(root, { recursive: true, force: true });
});

describe('decoder family', () => {
  it('Should render a known chat to the token ids Hugging Face gives', () => {
    const { ids } = graphPooled.encode(chats[0]!);
    // <|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>
    // <|start_header_id|>assistant<|end_header_id|>\n\nHi there.<|eot_id|>  ("Hello"=9906 "!"=0 "Hi"=13347 " there"=1070 "."=13)
    expect(ids).toEqual([
      128000, 128006, 882, 128007, 271, 9906, 0, 128009, 128006, 78191, 128007, 271, 13347, 1070, 13, 128009,
    ]);
    expect(ids.at(-1)).toBe(LLAMA3_IDS.eot);
  });

  it('Should discover the graph inputs and family', () => {
    expect(graphPooled.info.family).toBe('decoder');
    expect(graphPooled.attributes).toEqual(LABELS);
    expect(tokenPooled.info.output).toBe('logits');
  });

  it.each([
    ['pooled in the graph by pad id', () => graphPooled],
    ['pooled by the scorer at the last real token', () => tokenPooled],
  ])('Should give the same scores batched and one by one (%s)', async (_, get) => {
    const scorer = get();
    const batched = await scorer.score(chats);
    for (const [i, chat] of chats.entries()) {
      const [alone] = await scorer.score([chat]);
      alone!.forEach((v, j) => expect(Math.abs(v - batched[i]![j]!)).toBeLessThan(1e-5));
    }
    // The inputs differ, so the scores must too (guards against pooling a constant position).
    expect(new Set(batched.map((r) => r[0]!.toFixed(6))).size).toBe(chats.length);
  });
});

describe('decoder truncation', () => {
  let short: OnnxScorer;
  beforeAll(async () => {
    short = await createOnnxScorer({ modelDir: join(root, 'graph'), device: 'cpu', logger: quiet, maxLength: 40 });
  });
  afterAll(() => short.close());
  const tail = (ids: readonly number[], n: number) => ids.slice(-n);

  it('Should drop the oldest turns first and keep the response whole', () => {
    const full = graphPooled.encode(chats[3]!);
    const cut = short.encode(chats[3]!);
    expect(full.ids.length).toBeGreaterThan(40);
    expect(cut.ids.length).toBeLessThanOrEqual(40);
    // The response and the closing <|eot_id|> are intact; the first user turn ("Hi") is gone.
    const response = tail(full.ids, 23);
    expect(tail(cut.ids, 23)).toEqual(response);
    expect(cut.ids.filter((id) => id === LLAMA3_IDS.user).length).toBe(1);
    // The assistant turn that answered it went with it, so the conversation still alternates user/assistant.
    expect(cut.ids.filter((id) => id === LLAMA3_IDS.assistant).length).toBe(1);
    expect(cut.ids[0]).toBe(LLAMA3_IDS.beginOfText);
  });

  it('Should cut an overlong response from its start, never its end', async () => {
    const input = {
      messages: [{ role: 'user' as const, content: 'Count.' }],
      response: `${'one two three '.repeat(60)}and that is the END.`,
    };
    const cut = short.encode(input);
    expect(cut.ids.length).toBeLessThanOrEqual(40);
    const end = graphPooled.encode(input).ids.slice(-8);
    expect(cut.ids.slice(-8)).toEqual(end);
    const [row] = await short.score([input]);
    expect(row!.every(Number.isFinite)).toBe(true);
  });
});

describe('decoder sidecar', () => {
  it('Should expose, rename, alias and normalise the outputs the sidecar names', async () => {
    const dir = await writeTinyDecoderDir(join(root, 'sidecar'), {
      pooling: 'graph',
      padId: ARMO_PAD,
      labels: LABELS,
      sidecar: {
        attributes: [
          { label: 'helpsteer-helpfulness', name: 'helpfulness', aliases: ['help'] },
          { index: 4, name: 'verbosity', scale: 100, offset: -5 },
        ],
      },
    });
    const scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
    try {
      expect(scorer.attributes).toEqual(['helpfulness', 'verbosity']);
      expect(scorer.aliases).toEqual({ help: 'helpfulness' });
      const [raw] = await graphPooled.score([chats[1]!]);
      const [row] = await scorer.score([chats[1]!]);
      expect(row![0]).toBeCloseTo(raw![0]!, 5);
      expect(row![1]).toBeCloseTo(raw![4]! * 100 - 5, 3);
    } finally {
      await scorer.close();
    }
  });

  it('Should render the template exactly as shipped (the lenml copy appends an assistant header)', async () => {
    const shipped = readFileSync(llama3TokenizerFiles().config, 'utf8');
    const dir = await writeTinyDecoderDir(join(root, 'shipped'), {
      pooling: 'graph',
      padId: ARMO_PAD,
      labels: LABELS,
      chatTemplate: (JSON.parse(shipped) as { chat_template: string }).chat_template,
    });
    const scorer = await createOnnxScorer({ modelDir: dir, device: 'cpu', logger: quiet });
    try {
      expect(scorer.encode(chats[0]!).ids.slice(-5)).toEqual([
        LLAMA3_IDS.eot,
        LLAMA3_IDS.startHeader,
        LLAMA3_IDS.assistant,
        LLAMA3_IDS.endHeader,
        LLAMA3_IDS.blankLine,
      ]);
    } finally {
      await scorer.close();
    }
  });
});
