/**
 * @module onnx-build/metaspace
 * A small SentencePiece-style tokenizer (BPE over `▁`-marked words, Metaspace pre-tokenizer that prepends `▁` to
 * the first section only, a `<s>` the post-processor adds) and a Mistral-style chat template, so the tests cover a
 * third tokenizer family besides Llama 3's byte-level BPE and BERT's WordPiece. Its `[INST]` and `[/INST]` are added
 * tokens with `rstrip` and `lstrip`, the flags that make the tokenizer trim text beside them.
 */

/** Mistral-Instruct's chat template (optional system message merged into the first user turn; strict alternation). */
export const MISTRAL_LIKE_TEMPLATE = [
  "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}",
  '{%- set loop_messages = messages[1:] %}{%- else %}{%- set loop_messages = messages %}{%- endif %}',
  '{{- bos_token }}',
  '{%- for message in loop_messages %}',
  "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}",
  "{{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}",
  '{%- endif %}',
  "{%- if message['role'] == 'user' %}",
  "{%- if loop.first and system_message is defined %}{{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}",
  "{%- else %}{{- ' [INST] ' + message['content'] + ' [/INST]' }}{%- endif %}",
  "{%- elif message['role'] == 'assistant' %}{{- ' ' + message['content'] + eos_token }}{%- endif %}",
  '{%- endfor %}',
].join('');

const ADDED = [
  { content: '<unk>', lstrip: false, rstrip: false },
  { content: '<s>', lstrip: false, rstrip: false },
  { content: '</s>', lstrip: false, rstrip: false },
  { content: '[INST]', lstrip: false, rstrip: true },
  { content: '[/INST]', lstrip: true, rstrip: false },
];

/** `tokenizer.json` for the tokenizer above, merging the letters of `words` into whole-word tokens. */
export function metaspaceTokenizerJson(words: readonly string[]): Record<string, unknown> {
  const vocab = new Map<string, number>(ADDED.map((t, i) => [t.content, i]));
  const add = (t: string) => {
    if (!vocab.has(t)) vocab.set(t, vocab.size);
  };
  const chars = ' \n\t▁abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?\'"()[]<>/-_*=+#@&%$';
  for (const c of chars) add(c);
  const merges: string[] = [];
  // Merge each word left to right, with and without its word-start marker: ▁t + h → ▁th, ▁th + e → ▁the.
  for (const word of words) {
    for (const start of ['▁', '']) {
      let piece = start + word[0]!;
      add(piece);
      for (const c of word.slice(1)) {
        const merge = `${piece} ${c}`;
        if (!merges.includes(merge)) merges.push(merge);
        piece += c;
        add(piece);
      }
    }
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ADDED.map((t, id) => ({ id, ...t, single_word: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}

/** The matching `tokenizer_config.json`. */
export function metaspaceTokenizerConfig(): Record<string, unknown> {
  return { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', chat_template: MISTRAL_LIKE_TEMPLATE };
}
