/**
 * @module degenerate
 * Recognises candidates that are not answers: blank text, or nothing but chat-template tags and role names
 * (`[INST]`, `<|user|>`, `<|im_start|>assistant`, `</s>`). The RPS authors had to regenerate such outputs
 * (rps-method §7); we exclude them before scoring so a reward model never ranks junk.
 */

/** Tags of the common chat templates (Llama/Mistral, ChatML, Zephyr/Phi, Gemma, Llama-3). */
const TAG = /\[\/?INST\]|<<\/?SYS>>|<\/?s>|<\|[^|<>\s]{1,40}\|>|<\/?(?:start|end)_of_turn>|<\/?(?:bos|eos|pad|unk)>/gi;
/** What may sit between tags without making the text an answer. */
const ROLE_WORDS = /\b(?:system|user|assistant|model|human|gpt)\b\s*:?/gi;

/**
 * Why a candidate's text is not an answer, or null when it is one.
 * @returns `'blank'`, `'template tags only'` or null.
 */
export function degenerateReason(text: string | null | undefined): 'blank' | 'template tags only' | null {
  const trimmed = (text ?? '').trim();
  if (trimmed === '') return 'blank';
  if (!TAG.test(trimmed)) return null;
  TAG.lastIndex = 0; // global regexes keep state between .test calls
  const rest = trimmed.replace(TAG, ' ').replace(ROLE_WORDS, ' ').trim();
  return rest === '' ? 'template tags only' : null;
}
