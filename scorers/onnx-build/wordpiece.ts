/**
 * @module onnx-build/wordpiece
 * Writes a BERT-style WordPiece `tokenizer.json` (+ `tokenizer_config.json`) for a generated vocabulary, in the
 * format both `@huggingface/tokenizers` and transformers.js read: lower-casing BertNormalizer, BertPreTokenizer,
 * `[CLS] A [SEP] B [SEP]` post-processing with segment ids.
 */

/** BERT's special tokens, at ids 0–4 of every generated vocabulary. */
export const WORDPIECE_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * A WordPiece vocabulary of `size` entries: the specials, single characters (so any ASCII text tokenizes) and
 * their `##` continuations, then `words` (whole words, and `##pieces` for entries given with that prefix).
 */
export function wordpieceVocab(words: Iterable<string>, size: number): string[] {
  const vocab: string[] = [...WORDPIECE_SPECIALS];
  const seen = new Set(vocab);
  const add = (t: string) => {
    if (vocab.length < size && !seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789.,;:!?\'"()[]{}-_/\\@#$%^&*+=<>|~`';
  for (const c of chars) add(c);
  for (const c of chars) add(`##${c}`);
  for (const w of words) add(w);
  return vocab;
}

/** The `tokenizer.json` object for `vocab`. */
export function wordpieceTokenizerJson(vocab: readonly string[]): Record<string, unknown> {
  const id = (t: string) => vocab.indexOf(t);
  const special = (t: string) => ({ id: t, type_id: 0 });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: WORDPIECE_SPECIALS.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: special('[CLS]') },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: special('[SEP]') },
      ],
      pair: [
        { SpecialToken: special('[CLS]') },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: special('[SEP]') },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

/** The matching `tokenizer_config.json` object. */
export function wordpieceTokenizerConfig(maxLength: number): Record<string, unknown> {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: maxLength,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    clean_up_tokenization_spaces: true,
  };
}

/**
 * English-looking words for a vocabulary, taken from a byte-level BPE vocabulary (`tokenizer.json` of Llama 3):
 * tokens that start a word (`Ġword`) become words, other alphabetic tokens become `##pieces`.
 */
export function wordsFromBpeVocab(bpeVocab: Readonly<Record<string, number>>): string[] {
  const entries = Object.entries(bpeVocab).sort((a, b) => a[1] - b[1]);
  const out: string[] = [];
  for (const [token] of entries) {
    const m = /^(\u0120?)([A-Za-z]+)$/u.exec(token);
    if (!m) continue;
    const word = m[2]!.toLowerCase();
    out.push(m[1] ? word : `##${word}`);
  }
  return out;
}
