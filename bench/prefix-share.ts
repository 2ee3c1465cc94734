/**
 * @module prefix-share
 * How much of the k candidate prompts an upstream could serve from one prefix cache (vLLM's automatic prefix
 * caching reuses KV blocks of an identical token prefix): the prompts the engine actually sends for one request are
 * recorded, rendered with the Llama-3 chat template, and the tokens of their longest common prefix are counted with
 * the reference reward model's (Llama-3) tokenizer. RPS's default placement puts the varying directive before the
 * conversation; `suffix` puts it after.
 */
import type { ChatCompletionMessageParam } from '../core/openai.js';
import { contentText } from '../core/openai.js';
import type { Scorer } from '../core/ports.js';
import { promptSet } from './prompts.js';
import type { QualityRig } from './pruning-quality.js';

/** A realistic conversation ahead of the final question: a system prompt and one earlier exchange. */
const HISTORY: ChatCompletionMessageParam[] = [
  {
    role: 'system',
    content:
      'You are the support assistant of a home-and-garden retailer. Answer in plain English, cite the product ' +
      'category when it helps, never invent prices, and suggest a safer alternative whenever a question involves ' +
      'tools, chemicals or electricity. Keep a friendly tone; customers are often beginners.',
  },
  { role: 'user', content: 'Hi! I just moved into a flat with a small balcony that gets afternoon sun.' },
  {
    role: 'assistant',
    content:
      'Welcome! A sunny balcony is a great start: most herbs, tomatoes and succulents love afternoon sun. ' +
      'Tell me what you would like to grow or fix and I will walk you through it.',
  },
];

/** Shared-prefix figures of one placement. */
export interface PrefixShare {
  placement: 'system' | 'user' | 'suffix';
  k: number;
  /** Mean prompt tokens of one candidate. */
  promptTokens: number;
  /** Mean tokens of the longest prefix all k prompts share. */
  sharedTokens: number;
  share: number;
}

/** Llama-3 chat template, as text (what a vLLM server renders before tokenising). */
function render(messages: readonly ChatCompletionMessageParam[]): string {
  const turns = messages.map(
    (m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${contentText(m.content).trim()}<|eot_id|>`,
  );
  return `<|begin_of_text|>${turns.join('')}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

function commonPrefix(texts: readonly string[]): string {
  let end = 0;
  const first = texts[0] ?? '';
  while (end < first.length && texts.every((t) => t[end] === first[end])) end++;
  return first.slice(0, end);
}

/** Measures each placement on `n` prompts at `k` (full RPS, short answers: only the prompts matter). */
export async function measurePrefixShare(
  rig: QualityRig,
  options: { scorer: Scorer; k: number; n: number; angleDeg: number },
): Promise<PrefixShare[]> {
  const count = (text: string) => options.scorer.countTokens!(text);
  const generator = rig.generator('short', 1);
  const selector = rig.selector('short', 1);
  const out: PrefixShare[] = [];
  for (const placement of ['system', 'user', 'suffix'] as const) {
    let shared = 0;
    let total = 0;
    for (const prompt of promptSet(options.n)) {
      generator.record(true);
      await selector.select({
        params: {
          model: 'simulated',
          messages: [...HISTORY, { role: 'user', content: prompt.content }],
          max_tokens: 64,
        },
        preference: { angle_deg: options.angleDeg },
        selection: { k: options.k, directive_placement: placement, prune: false },
      });
      const rendered = generator.recorded.map((p) => render(p.messages));
      generator.record(false);
      shared += count(commonPrefix(rendered));
      total += rendered.reduce((s, r) => s + count(r), 0) / rendered.length;
    }
    out.push({
      placement,
      k: options.k,
      promptTokens: total / options.n,
      sharedTokens: shared / options.n,
      share: shared / total,
    });
  }
  return out;
}
