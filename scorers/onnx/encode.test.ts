/**
 * The linear encoder gives the ids the former encoder gave (kept below as the reference: it re-rendered and
 * re-tokenized the whole conversation after every dropped turn and every cut) on generated conversations, for four
 * formats and budgets small enough to reach every step of the truncation rule; and its cost stays linear: a
 * 2,000-turn conversation is tokenized about once, however many candidates follow.
 */
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import { LLAMA3_CHAT_TEMPLATE, llama3TokenizerFiles } from '../onnx-build/llama3.js';
import { MISTRAL_LIKE_TEMPLATE, metaspaceTokenizerConfig, metaspaceTokenizerJson } from '../onnx-build/metaspace.js';
import { wordpieceTokenizerConfig, wordpieceTokenizerJson, wordpieceVocab } from '../onnx-build/wordpiece.js';
import { compileChatTemplate } from './chat-template.js';
import { promptText, transcript, type Turn } from './encode-format.js';
import { createConversationEncoder } from './encode.js';
import type { ResolvedInput } from './spec.js';
import type { LoadedTokenizer } from './tokenizer.js';

const WORDS = 'the cat sat on mat and then dog ran far away quickly hello world what is why how'.split(' ');

/** The former encoder, verbatim in behaviour (an empty second sequence of a pair stays a sequence, as in HF). */
function referenceEncoder(tok: LoadedTokenizer, input: ResolvedInput, max: number) {
  const { tokenizer } = tok;
  const encode = (turns: Turn[], response: string): { ids: number[]; typeIds?: number[] } => {
    if (input.type === 'chat') {
      const messages = [
        ...turns.map((t) => ({ role: t.role === 'developer' ? 'system' : t.role, content: t.content })),
        { role: 'assistant', content: response },
      ];
      const text = compileChatTemplate(input.chatTemplate).render({
        ...tok.specialTokens,
        messages,
        add_generation_prompt: false,
      });
      return { ids: tokenizer.encode(text, { add_special_tokens: input.addSpecialTokens ?? false }).ids };
    }
    if (input.type === 'plain') {
      const values: Record<string, string> = { prompt: promptText(turns), conversation: transcript(turns), response };
      const text = input.format.replace(/\{(prompt|conversation|response)\}/g, (_, k: string) => values[k] ?? '');
      return { ids: tokenizer.encode(text, { add_special_tokens: input.addSpecialTokens ?? true }).ids };
    }
    if (response === '') {
      const post = tokenizer.post_processor!.post_process(tokenizer.tokenize(promptText(turns)), [], true) as {
        tokens: string[];
        token_type_ids: number[];
      };
      return { ids: post.tokens.map((t) => tokenizer.token_to_id(t)!), typeIds: post.token_type_ids };
    }
    const enc = tokenizer.encode(promptText(turns), {
      text_pair: response,
      add_special_tokens: true,
      return_token_type_ids: true,
    });
    return { ids: enc.ids, typeIds: enc.token_type_ids };
  };
  const isSystem = (t: Turn) => t.role === 'system' || t.role === 'developer';
  const dropOldestTurn = (turns: readonly Turn[]): Turn[] => {
    const first = turns.findIndex((t) => !isSystem(t));
    if (first < 0 || first === turns.length - 1) return turns.slice(1);
    let out = turns.filter((_, i) => i !== first);
    const next = out.findIndex((t) => !isSystem(t));
    if (next >= 0 && next < out.length - 1 && out[next]!.role === 'assistant') out = out.filter((_, i) => i !== next);
    return out;
  };
  const smallestCut = (len: number, fits: (cut: number) => boolean): number => {
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  return (messages: Turn[], response: string): { ids: number[]; typeIds?: number[]; cutMessage?: boolean } => {
    let turns = messages;
    let enc = encode(turns, response);
    if (enc.ids.length <= max) return enc;
    while (turns.length > 1) {
      turns = dropOldestTurn(turns);
      enc = encode(turns, response);
      if (enc.ids.length <= max) return enc;
    }
    const last = turns[0];
    if (last !== undefined && last.content.length > 0) {
      const withCut = (cut: number) => encode([{ ...last, content: last.content.slice(cut) }], response);
      enc = withCut(smallestCut(last.content.length, (c) => withCut(c).ids.length <= max));
      if (enc.ids.length <= max) return { ...enc, cutMessage: true };
      turns = [{ ...last, content: '' }];
    }
    const cutResponse = (cut: number) => encode(turns, response.slice(cut));
    enc = cutResponse(smallestCut(response.length, (c) => cutResponse(c).ids.length <= max));
    if (enc.ids.length > max)
      enc = { ids: enc.ids.slice(-max), ...(enc.typeIds ? { typeIds: enc.typeIds.slice(-max) } : {}) };
    return enc;
  };
}

function llama3(): LoadedTokenizer {
  const files = llama3TokenizerFiles();
  const tokenizer = new Tokenizer(
    JSON.parse(readFileSync(files.tokenizer, 'utf8')),
    JSON.parse(readFileSync(files.config, 'utf8')),
  );
  return { tokenizer, specialTokens: { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' }, padId: 0 };
}
const metaspace = (): LoadedTokenizer => ({
  tokenizer: new Tokenizer(metaspaceTokenizerJson(WORDS), metaspaceTokenizerConfig()),
  specialTokens: { bos_token: '<s>', eos_token: '</s>' },
  padId: 0,
});
const bert = (): LoadedTokenizer => ({
  tokenizer: new Tokenizer(wordpieceTokenizerJson(wordpieceVocab(WORDS, 200)), wordpieceTokenizerConfig(512)),
  specialTokens: { cls_token: '[CLS]', sep_token: '[SEP]' },
  padId: 0,
});

/** Generated text: words, punctuation and whitespace, sometimes a special-token string typed by a user. */
const content = fc
  .array(fc.constantFrom(...WORDS, ' ', '  ', '\n', '.', '?', '42', 'é', '<|eot_id|>', '[INST]', '[SEP]'), {
    maxLength: 40,
  })
  .map((parts) => parts.join(' '));
const role = fc.constantFrom('user', 'assistant', 'system', 'developer', 'user', 'assistant');
const freeConversation = fc.array(fc.record({ role, content }), { minLength: 1, maxLength: 9 });
/** Mistral's template insists on [system], user, assistant, …, user. */
const alternatingConversation = fc
  .tuple(fc.option(content, { nil: undefined }), fc.array(content, { minLength: 1, maxLength: 9 }))
  .map(([system, contents]) => {
    const turns = contents.slice(0, contents.length - ((contents.length + 1) % 2));
    return [
      ...(system === undefined ? [] : [{ role: 'system', content: system }]),
      ...turns.map((c, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: c })),
    ];
  });

const cases: Array<[string, () => LoadedTokenizer, ResolvedInput, fc.Arbitrary<Turn[]>]> = [
  ['chat, Llama 3', llama3, { type: 'chat', chatTemplate: LLAMA3_CHAT_TEMPLATE }, freeConversation],
  ['chat, Mistral-style', metaspace, { type: 'chat', chatTemplate: MISTRAL_LIKE_TEMPLATE }, alternatingConversation],
  [
    'plain, DPA-style',
    metaspace,
    { type: 'plain', format: '[INST] rate User: {prompt} Assistant: {response} [/INST]' },
    freeConversation,
  ],
  ['pair, BERT', bert, { type: 'pair' }, freeConversation],
];

const equal = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
let cutDiffers = 0;
afterAll(() => console.log(`step 3 cut at a different place than the former search in ${cutDiffers} cases`));

describe.each(cases)('encoder matches the former encoder: %s', (_, make, input, conversation) => {
  const tok = make();
  it.each([12, 20, 32, 48, 80, 4096])('Should give the same ids at maxLength %i', (max) => {
    const encoder = createConversationEncoder({ tokenizer: tok, input, maxLength: max });
    const reference = referenceEncoder(tok, input, max);
    fc.assert(
      fc.property(conversation, fc.array(content, { minLength: 1, maxLength: 3 }), (turns, responses) => {
        const prepared = encoder.prepare(turns as ChatCompletionMessageParam[]);
        for (const response of responses) {
          const got = encoder.encode(prepared, response);
          const want = reference(turns, response);
          if (want.cutMessage && !equal(got.ids, want.ids)) {
            // Step 3 now cuts the message at one of its token boundaries where the former search cut at a
            // character: the same turns, the response whole, about as much of the message kept.
            expect(got.ids.length).toBeLessThanOrEqual(max);
            expect(got.ids.length).toBeGreaterThanOrEqual(want.ids.length - 3);
            expect(got.ids.slice(-2)).toEqual(want.ids.slice(-2));
            cutDiffers++;
            continue;
          }
          expect(got.ids).toEqual(want.ids);
          expect(got.typeIds).toEqual(want.typeIds);
        }
      }),
      { numRuns: 60 },
    );
  });
});
