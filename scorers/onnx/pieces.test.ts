/**
 * Piecewise tokenization equals whole-text tokenization on three tokenizer families (Llama 3 byte-level BPE, BERT
 * WordPiece with a normalizer, SentencePiece-style Metaspace with lstrip/rstrip added tokens), for generated texts
 * full of added tokens, whitespace and near-miss token strings; and the special-token layout is read correctly.
 */
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { llama3TokenizerFiles } from '../onnx-build/llama3.js';
import { metaspaceTokenizerConfig, metaspaceTokenizerJson } from '../onnx-build/metaspace.js';
import { wordpieceTokenizerConfig, wordpieceTokenizerJson, wordpieceVocab } from '../onnx-build/wordpiece.js';
import { createPieceTokenizer } from './pieces.js';

const WORDS = 'the cat sat on mat and then dog ran far away hello world user assistant system inst'.split(' ');

function llama3(): Tokenizer {
  const files = llama3TokenizerFiles();
  return new Tokenizer(
    JSON.parse(readFileSync(files.tokenizer, 'utf8')),
    JSON.parse(readFileSync(files.config, 'utf8')),
  );
}
const tokenizers: Array<[string, () => Tokenizer, string[]]> = [
  ['Llama 3 (byte-level BPE)', llama3, ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>']],
  [
    'BERT (WordPiece, normalizer)',
    () => new Tokenizer(wordpieceTokenizerJson(wordpieceVocab(WORDS, 200)), wordpieceTokenizerConfig(512)),
    ['[CLS]', '[SEP]', '[MASK]'],
  ],
  [
    'SentencePiece-style (Metaspace, lstrip/rstrip)',
    () => new Tokenizer(metaspaceTokenizerJson(WORDS), metaspaceTokenizerConfig()),
    ['<s>', '</s>', '[INST]', '[/INST]'],
  ],
];

describe.each(tokenizers)('pieces: %s', (_, make, specials) => {
  const tokenizer = make();
  const pieces = createPieceTokenizer(tokenizer);
  const fragments = [
    ...specials,
    ...specials.map((s) => s.slice(0, -1)), // near misses
    ...WORDS.map((w) => ` ${w}`),
    'Hello',
    '  ',
    ' ',
    '\n',
    '\n\n',
    '\t',
    '42',
    '!',
    'é',
    '<|',
    '[',
  ];
  const text = fc.array(fc.constantFrom(...fragments), { maxLength: 30 }).map((parts) => parts.join(''));
  const whole = (t: string) => tokenizer.encode(t, { add_special_tokens: false }).ids;

  it('Should tokenize a text cut before every added token exactly as the whole text', () => {
    fc.assert(
      fc.property(text, (t) => {
        const bounds = [0, ...pieces.cuts(t).filter((c) => c > 0), t.length];
        const joined = bounds.slice(1).flatMap((to, k) => pieces.ids(t, bounds[k], to));
        expect(joined).toEqual(whole(t));
      }),
      { numRuns: 400 },
    );
  });

  it('Should tokenize any subset of cuts exactly as the whole text', () => {
    fc.assert(
      fc.property(text, fc.array(fc.boolean(), { maxLength: 30 }), (t, keep) => {
        const chosen = pieces.cuts(t).filter((c, i) => c > 0 && keep[i % Math.max(1, keep.length)] !== false);
        const bounds = [0, ...chosen, t.length];
        const joined = bounds.slice(1).flatMap((to, k) => pieces.ids(t, bounds[k], to));
        expect(joined).toEqual(whole(t));
      }),
      { numRuns: 400 },
    );
  });

  it('Should find exactly the added tokens the tokenizer splits at', () => {
    const t = `a${specials[0]}b${specials.at(-1)}${specials.at(-1)} c`;
    const cuts = pieces.cuts(t);
    expect(cuts).toEqual([1, 1 + specials[0]!.length + 1, 1 + specials[0]!.length + 1 + specials.at(-1)!.length]);
    expect(pieces.maxAddedLength).toBeGreaterThanOrEqual(Math.max(...specials.map((s) => s.length)));
  });
});

describe('pieces: special-token layout', () => {
  it('Should read BERT as [CLS] A [SEP] and [CLS] A [SEP] B [SEP] with segment ids 0 then 1', () => {
    const vocab = wordpieceVocab(WORDS, 200);
    const pieces = createPieceTokenizer(new Tokenizer(wordpieceTokenizerJson(vocab), wordpieceTokenizerConfig(512)));
    const [cls, sep] = [vocab.indexOf('[CLS]'), vocab.indexOf('[SEP]')];
    expect(pieces.layout?.single).toEqual({ prefix: [cls], suffix: [sep] });
    expect(pieces.layout?.pair).toEqual({ prefix: [cls], middle: [sep], suffix: [sep], types: [0, 0, 0, 1, 1] });
  });

  it('Should read a BOS-adding processor as a prefix, and a ByteLevel processor as no special tokens', () => {
    const meta = createPieceTokenizer(new Tokenizer(metaspaceTokenizerJson(WORDS), metaspaceTokenizerConfig()));
    expect(meta.layout?.single).toEqual({ prefix: [1], suffix: [] });
    expect(createPieceTokenizer(llama3()).layout?.single).toEqual({ prefix: [], suffix: [] });
  });
});
