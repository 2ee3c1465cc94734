/**
 * @module text-model
 * The simulated model's "policy": a reply that follows the preference directive it was given, deterministically
 * for (messages, seed, temperature). The levers:
 * - verbosity weight → length (about 2 sentences at −100, 6 at 0, 10 at +100);
 * - helpfulness weight → relevance: the share of sentences that reuse the prompt's content words;
 * - competence: 1 inside the `coverage` range of directive angles (atan2(verbosity, helpfulness)), falling off as a
 *   Gaussian of the angular distance outside it (σ = `falloffDeg`). Low competence means repeated sentences and
 *   filler instead of on-topic text, the failure mode RPS is designed around (DPA trained on −45°…0°).
 * - `lengthScale` multiplies the sentence count (long answers for the pruning bench);
 * - `prefixInformativeness` ρ: the answer's *opening* (its first quarter of sentences) and its *rest* each have a
 *   latent on-topic rate, drawn through a Gaussian copula with correlation ρ. At ρ = 1 (the default) the whole answer
 *   shares one rate, so a prefix predicts the rest as well as its sample size allows; at ρ = 0 the opening says
 *   nothing about the rest. A pruner that scores prefixes is judged across ρ. `qualitySpread` sets how far the
 *   latent rate strays from the directive's mean, i.e. how much answers to the same prompt differ.
 * Without a directive the model behaves as at helpfulness 100, verbosity 0.
 *
 * Every reply carries its **true attributes** (`truth`), computed from the model's own latent choices rather than
 * from the text: helpfulness = 100 × the token share of fresh on-topic sentences (filler and repeats count for
 * nothing); verbosity = 100 × ln(1 + tokens) / ln(2049), capped at 100. Benchmarks judge with these, never with the
 * reward model that selects.
 */
import type { ChatCompletionMessageParam } from '../core/openai.js';
import { contentWords, readDirectiveWeights, userQuestion } from './directive-reader.js';
import { correlatedUniform, hash, mulberry32 } from './latent.js';
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
  /** Multiplies the number of sentences; default 1. */
  lengthScale?: number | undefined;
  /** Correlation in [0, 1] between the latent quality of the opening and of the rest; default 1. */
  prefixInformativeness?: number | undefined;
  /** Width of the per-answer latent on-topic rate around its directive-given mean (times temperature); default 0.2. */
  qualitySpread?: number | undefined;
}

/** What a reply is really worth, from the model's latent choices (0–100 each; see the module doc). */
export interface TrueAttributes {
  helpfulness: number;
  verbosity: number;
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
  /** The reply's true attributes, for judging selections. */
  truth: TrueAttributes;
  /** Each sentence's tokens and freshness, in order, for {@link prefixTruth} (diagnostics only). */
  sentences?: ReadonlyArray<{ tokens: number; fresh: boolean }>;
}

/** Share of an answer's sentences that form its opening (at least one sentence). */
export const OPENING_SHARE = 0.25;
/** Token count at which true verbosity reaches 100. */
const VERBOSITY_FULL_TOKENS = 2048;

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
  const key = JSON.stringify([
    options.messages,
    temperature > 0 ? (options.seed ?? null) : null,
    temperature,
    options.choiceIndex ?? 0,
  ]);
  const keyHash = hash(key);
  const random = mulberry32(keyHash);
  const noise = Math.min(1.5, temperature);

  const topics = contentWords(userQuestion(options.messages));
  if (topics.length === 0) topics.push('this question');
  const count = Math.max(1, Math.round((2 + 4 * (1 + vn) + (random() - 0.5) * 3 * noise) * (options.lengthScale ?? 1)));
  const base = 0.15 + 0.8 * Math.max(0, hn) * competence;
  const spread = options.qualitySpread ?? 0.2;
  const rate = (u: number) => clamp(base + (u - 0.5) * spread * noise, 0.02, 0.98);
  const uOpening = random();
  // A separate stream for the rest's latent draw, so replies at ρ = 1 are exactly what they always were.
  const uRest = correlatedUniform(uOpening, mulberry32(hash('#rest', keyHash))(), options.prefixInformativeness ?? 1);
  const opening = Math.max(1, Math.ceil(count * OPENING_SHARE));
  const repeat = 0.6 * (1 - competence);
  const sentences: Array<{ text: string; fresh: boolean }> = [];
  for (let i = 0; i < count; i++) {
    const onTopic = rate(i < opening ? uOpening : uRest);
    if (sentences.length > 0 && random() < repeat)
      sentences.push({ text: sentences[Math.floor(random() * sentences.length)]!.text, fresh: false });
    else if (random() < onTopic)
      sentences.push({ text: fill(pick(ON_TOPIC_FRAMES, random), { topics, random }), fresh: true });
    else sentences.push({ text: fill(pick(FILLER_FRAMES, random), { topics, random }), fresh: false });
  }
  // Paragraphs of four sentences, as chat models tend to write.
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += 4)
    paragraphs.push(
      sentences
        .slice(i, i + 4)
        .map((s) => s.text)
        .join(' '),
    );
  const full = paragraphs.join('\n\n');
  const pieces = sentences.map((s) => ({ tokens: countTokens(s.text), fresh: s.fresh }));
  const limit = options.maxTokens ?? Number.POSITIVE_INFINITY;
  const { text, truncated } = truncateTokens(full, limit);
  const completionTokens = countTokens(text);
  return {
    content: text,
    finishReason: truncated ? 'length' : 'stop',
    completionTokens,
    angleDeg,
    competence,
    truth: trueAttributes(pieces, completionTokens),
    sentences: pieces,
  };
}

/**
 * True attributes of a reply's first `tokens` tokens: what that prefix itself is worth (verbosity follows the prefix's
 * length). Diagnostics only: the pruning bench's oracle prefix pruner ranks partial answers with it.
 */
export function prefixTruth(reply: Reply, tokens: number): TrueAttributes | undefined {
  return reply.sentences ? trueAttributes(reply.sentences, Math.min(tokens, reply.completionTokens)) : undefined;
}

/** True attributes of the delivered text: the sentences up to `tokens` (a cut sentence counts by its kept tokens). */
function trueAttributes(sentences: ReadonlyArray<{ tokens: number; fresh: boolean }>, tokens: number): TrueAttributes {
  let left = tokens;
  let fresh = 0;
  for (const s of sentences) {
    if (left <= 0) break;
    const kept = Math.min(left, s.tokens);
    if (s.fresh) fresh += kept;
    left -= kept;
  }
  return {
    helpfulness: tokens > 0 ? (100 * fresh) / tokens : 0,
    verbosity: Math.min(100, (100 * Math.log(1 + tokens)) / Math.log(1 + VERBOSITY_FULL_TOKENS)),
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
