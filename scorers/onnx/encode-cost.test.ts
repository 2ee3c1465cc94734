/**
 * The reproductions of issue 10 §2, as costs that cannot depend on the machine: the characters the tokenizer is
 * handed, counted through the reference model's own tokenizer and chat template (Llama 3, maxLength 2048). The
 * former encoder dropped one turn at a time and re-tokenized the whole conversation after each drop, once per
 * candidate (a 201-turn conversation: about 200 re-tokenizations of itself per candidate; 2,001 turns: 2,000), and
 * cut a long message by bisection (about log2(n) = 19 tokenizations of a 400 KB message). Linear means the work per
 * character of input does not grow with the size: for 5 candidates, at two sizes ten times apart, the larger costs
 * no more per character than the smaller (the candidates' own part, bounded by maxLength, weighs less), and under 4
 * characters tokenized per character of input (the conversation is measured once, the message being cut once more).
 */
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import { ensureReferenceModel } from '../reference/model-dir.js';
import { createConversationEncoder, type ConversationEncoder } from './encode.js';
import { readModelFiles } from './model-dir.js';
import { resolveModelSpec } from './spec.js';
import { loadTokenizer, type LoadedTokenizer, type TextTokenizer } from './tokenizer.js';

const WORDS = 'the quick brown fox jumps over the lazy dog while explaining congestion windows'.split(' ');
const say = (i: number, n: number) =>
  Array.from({ length: n }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ');
/** `turns` alternating turns of about 128 bytes (2,001 turns: about 256 KB, as in the issue). */
const chat = (turns: number): ChatCompletionMessageParam[] =>
  Array.from({ length: turns }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `${say(i, 22)} ${i}.` }));
const message = (bytes: number): ChatCompletionMessageParam[] => [
  {
    role: 'user',
    content: 'The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(bytes / 45)).slice(0, bytes),
  },
];
const CANDIDATES = Array.from({ length: 5 }, (_, k) => say(k, 15 + 10 * k));
const inputChars = (messages: readonly ChatCompletionMessageParam[]) =>
  messages.reduce((n, m) => n + String(m.content).length, 0);

let counted = 0;
let encoder: ConversationEncoder;
let maxLength: number;

/** The tokenizer, counting the characters of every text it is asked to encode, tokenize or decode. */
function counting(loaded: LoadedTokenizer): LoadedTokenizer {
  const inner = loaded.tokenizer;
  const tokenizer = new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (name === 'encode' || name === 'tokenize')
        return (text: string, ...rest: unknown[]) => {
          counted += text.length + ((rest[0] as { text_pair?: string | null } | undefined)?.text_pair?.length ?? 0);
          return (value as (...a: unknown[]) => unknown).call(target, text, ...rest);
        };
      if (name === 'decode')
        return (ids: number[], ...rest: unknown[]) => {
          counted += ids.length;
          return (value as (...a: unknown[]) => unknown).call(target, ids, ...rest);
        };
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as TextTokenizer;
  return { ...loaded, tokenizer };
}

beforeAll(async () => {
  const files = await readModelFiles(await ensureReferenceModel());
  const spec = resolveModelSpec(files);
  maxLength = spec.maxLength;
  encoder = createConversationEncoder({ tokenizer: counting(loadTokenizer(files)), input: spec.input, maxLength });
}, 240_000);

/** Characters tokenized to prepare `messages` and encode every candidate, per character of input. */
function workPerChar(messages: ChatCompletionMessageParam[]): { ratio: number; longest: number; tokens: number } {
  counted = 0;
  const prepared = encoder.prepare(messages);
  const lengths = CANDIDATES.map((response) => encoder.encode(prepared, response).ids.length);
  return { ratio: counted / inputChars(messages), longest: Math.max(...lengths), tokens: prepared.tokens };
}

describe('scorer encoding cost (issue 10 §2 reproductions)', () => {
  it.each([
    ['a 201-turn conversation (25 KB)', chat(201), chat(2001)],
    ['a 400 KB message', message(40_000), message(400_000)],
  ])('Should tokenize %s, and one ten times its size, at no more cost per character', (_, small, large) => {
    const a = workPerChar(small);
    const b = workPerChar(large);
    console.log(`characters tokenized per input character: ${a.ratio.toFixed(2)} then ${b.ratio.toFixed(2)}`);
    // The work was real: the whole input measured, every candidate truncated to fit.
    expect(b.tokens).toBeGreaterThan(a.tokens * 9);
    expect(b.longest).toBeLessThanOrEqual(maxLength);
    expect(b.longest).toBeGreaterThan(maxLength / 2);
    expect(b.ratio).toBeLessThanOrEqual(a.ratio);
    expect(b.ratio).toBeLessThan(4);
  });
});
