/**
 * @module directive
 * The prompt text that tells the generator its preference direction, and where it goes. The default text is the
 * RPS authors' (`build_dpa_input`, rps-method §1.3), with integer weights round(100·component) as DPA does.
 * Placement `system` merges the directive into the caller's first system/developer message, directive first and the
 * caller's text after a blank line (the DPA card puts the directive in the system turn; first keeps it in the same
 * position whether or not the caller had a system prompt). Placement `user` prefixes `"{directive}\n\n"` to the last
 * user turn, as the RPS code does. Placement `suffix` appends `"\n\n{directive}"` to the last user turn instead, so
 * every candidate's prompt is the same conversation up to that point and an upstream with prefix caching (vLLM) can
 * reuse its KV cache across the k prompts; it departs from the method (the directive no longer comes first), so it
 * is opt-in. The caller's system message is never dropped.
 */
import type { ChatCompletionMessageParam, ChatContent } from '../core/openai.js';
import type { DirectiveTemplate } from '../core/selector.js';
import type { Direction, DirectivePlacement } from '../core/types.js';

/**
 * Python's `round()` (half to even), so integer weights match the authors' `int(round(v * 100))` bit for bit.
 * @returns the nearest integer, ties to even; never `-0`.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  const rounded = diff > 0.5 ? floor + 1 : diff < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return rounded === 0 ? 0 : rounded;
}

/**
 * The default directive: `You are a helpful assistant. Your response should maximize weighted rating =
 * helpfulness*87 + verbosity*50.` over the given (active) attributes; negative weights print as `verbosity*-26`.
 * @param direction the candidate's direction.
 * @param attributes the attributes to mention, in order (the engine passes the preference's active attributes).
 */
export const defaultDirectiveTemplate: DirectiveTemplate = (direction, attributes) => {
  const terms = attributes.map((name) => `${name}*${roundHalfEven(100 * (direction.weights[name] ?? 0))}`);
  return `You are a helpful assistant. Your response should maximize weighted rating = ${terms.join(' + ')}.`;
};

/**
 * Returns a copy of `messages` with the directive placed; the input array and its messages are not mutated.
 * Placements `user` and `suffix` without any user turn fall back to `system`.
 */
export function applyDirective(
  messages: readonly ChatCompletionMessageParam[],
  directive: string,
  placement: DirectivePlacement,
): ChatCompletionMessageParam[] {
  const out = messages.slice();
  if (placement === 'user' || placement === 'suffix') {
    const last = out.map((m) => m.role).lastIndexOf('user');
    if (last >= 0) {
      const message = out[last]!;
      const content =
        placement === 'user'
          ? prefixContent(message.content, `${directive}\n\n`)
          : suffixContent(message.content, `\n\n${directive}`);
      out[last] = { ...message, content };
      return out;
    }
  }
  const first = out.findIndex((m) => m.role === 'system' || m.role === 'developer');
  if (first < 0) return [{ role: 'system', content: directive }, ...out];
  const message = out[first]!;
  const callerText = message.content;
  const blank = callerText === null || callerText === '' || (Array.isArray(callerText) && callerText.length === 0);
  out[first] = { ...message, content: blank ? directive : prefixContent(callerText, `${directive}\n\n`) };
  return out;
}

/** Prefixes text to string or multi-part content (as a leading text part, so images and the like stay intact). */
function prefixContent(content: ChatContent, prefix: string): ChatContent {
  if (content === null) return prefix.trimEnd();
  if (typeof content === 'string') return prefix + content;
  return [{ type: 'text', text: prefix }, ...content];
}

/** Appends text to string or multi-part content (as a trailing text part). */
function suffixContent(content: ChatContent, suffix: string): ChatContent {
  if (content === null) return suffix.trimStart();
  if (typeof content === 'string') return content + suffix;
  return [...content, { type: 'text', text: suffix }];
}
