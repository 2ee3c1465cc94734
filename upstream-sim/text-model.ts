/**
 * @module text-model
 * The simulated model's "policy": a reply that follows the preference directive it was given, deterministically
 * for (messages, seed, temperature). The levers:
 * - verbosity weight → length (about 2 sentences at −100, 6 at 0, 10 at +100);
 * - helpfulness weight → relevance: the share of sentences that reuse the prompt's content words;
 * - competence: 1 inside the `coverage` range of directive angles (atan2(verbosity, helpfulness)), falling off as a
 *   Gaussian of the angular distance outside it (σ = `falloffDeg`). Low competence means repeated sentences and
 *   filler instead of on-topic text, the failure mode RPS is designed around (DPA trained on −45°…0°).
 * Without a directive the model behaves as at helpfulness 100, verbosity 0.
 */
import type { ChatCompletionMessageParam } from '../core/openai.js';
import { contentWords, readDirectiveWeights, userQuestion } from './directive-reader.js';
import { countTokens, truncateTokens } from './tokens.js';
import { ADJECTIVES, FILLER_FRAMES, NOUNS, ON_TOPIC_FRAMES, VERBS } from './word-bank.js';

/** The range of directive angles, degrees, where the simulated model is fully competent. */
export interface Coverage {
  fromDeg: number;
  toDeg: number;
}

/** Options of {@link generateReply}. */
export interface ReplyOptions {
  messages: readonly ChatCompletionMessageParam[];
  seed?: number | null | undefined;
  /** Default 1, as OpenAI. At 0 the seed is ignored (greedy decoding). */
  temperature?: number | null | undefined;
  /** Cut the reply at this many tokens (finish reason `length`). */
  maxTokens?: number | null | undefined;
  coverage: Coverage;
  falloffDeg: number;
  /** Choice index when n > 1, so choices differ. */
  choiceIndex?: number;
}

/** A simulated reply and the facts behind it (for tests and benchmarks). */
export interface Reply {
  content: string;
  finishReason: 'stop' | 'length';
  completionTokens: number;
  /** Directive angle in degrees (0 without a directive). */
  angleDeg: number;
  /** Competence in (0, 1]. */
  competence: number;
}

/** Generates one reply following the directive in `messages` (see the module doc). */
export function generateReply(options: ReplyOptions): Reply {
  const weights = readDirectiveWeights(options.messages) ?? {};
  const h = weights.helpfulness ?? 100;
  const v = weights.verbosity ?? 0;
  const len = Math.hypot(h, v) || 1;
  const hn = h / len;
  const vn = v / len;
  const angleDeg = (Math.atan2(v, h) * 180) / Math.PI;
  const competence = competenceAt(angleDeg, options);
  const temperature = options.temperature ?? 1;
  const random = mulberry32(
    hash(
      JSON.stringify([
        options.messages,
        temperature > 0 ? (options.seed ?? null) : null,
        temperature,
        options.choiceIndex ?? 0,
      ]),
    ),
  );
  const noise = Math.min(1.5, temperature);

  const topics = contentWords(userQuestion(options.messages));
  if (topics.length === 0) topics.push('this question');
  const sentences: string[] = [];
  const count = Math.max(1, Math.round(2 + 4 * (1 + vn) + (random() - 0.5) * 3 * noise));
  const onTopic = clamp(0.15 + 0.8 * Math.max(0, hn) * competence + (random() - 0.5) * 0.2 * noise, 0.02, 0.98);
  const repeat = 0.6 * (1 - competence);
  for (let i = 0; i < count; i++) {
    if (sentences.length > 0 && random() < repeat) sentences.push(sentences[Math.floor(random() * sentences.length)]!);
    else if (random() < onTopic) sentences.push(fill(pick(ON_TOPIC_FRAMES, random), { topics, random }));
    else sentences.push(fill(pick(FILLER_FRAMES, random), { topics, random }));
  }
  // Paragraphs of four sentences, as chat models tend to write.
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 4) paragraphs.push(sentences.slice(i, i + 4).join(' '));
  const full = paragraphs.join('\n\n');
  const limit = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const { text, truncated } = truncateTokens(full, limit);
  return {
    content: text,
    finishReason: truncated ? 'length' : 'stop',
    completionTokens: countTokens(text),
    angleDeg,
    competence,
  };
}

/** 1 inside the coverage range, a Gaussian of the angular distance outside it. */
export function competenceAt(angleDeg: number, options: { coverage: Coverage; falloffDeg: number }): number {
  const { fromDeg, toDeg } = options.coverage;
  const outside = angleDeg < fromDeg ? fromDeg - angleDeg : angleDeg > toDeg ? angleDeg - toDeg : 0;
  return Math.exp(-0.5 * (outside / options.falloffDeg) ** 2);
}

function fill(frame: string, options: { topics: readonly string[]; random: () => number }): string {
  const { topics, random } = options;
  return frame
    .replace('{t}', pick(topics, random))
    .replace('{u}', pick(topics, random))
    .replace('{verb}', pick(VERBS, random))
    .replace('{noun}', pick(NOUNS, random))
    .replace('{adj}', pick(ADJECTIVES, random))
    .replace(/\{(noun|adj)\}/g, (_, slot: string) => pick(slot === 'noun' ? NOUNS : ADJECTIVES, random));
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** FNV-1a, 32-bit: a stable hash of the request so replies are reproducible. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: small and good enough for picking words. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
