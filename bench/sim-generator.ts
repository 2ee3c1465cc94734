/**
 * @module sim-generator
 * A {@link Generator} that calls the simulated upstream's text model directly, in-process, instead of over HTTP.
 * The selection-quality benches need thousands of candidates and measure *which* answer wins, not transport, so they
 * skip the socket round trip; replies are the same ones the simulator's HTTP server would send for the same body
 * (same `replyToRequest` call and settings), with a single choice. `stream()` yields the simulator's own chunks
 * (`completionChunks`) lazily: a consumer that stops reading stops generation, like an upstream that honours an abort
 * at once (the HTTP latency bench measures real cancellation). Every answer's true attributes are kept by completion
 * id, so a bench can judge the chosen answer with the simulator's ground truth rather than the reward model.
 */
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from '../core/openai.js';
import type { CallOptions, Generator } from '../core/ports.js';
import {
  completionChunks,
  countTokens,
  prefixTruth,
  replyToRequest,
  usageFor,
  type Coverage,
  type Reply,
  type ReplyModel,
  type TrueAttributes,
} from '../upstream-sim/index.js';

/** Options of {@link createSimGenerator}. */
export interface SimGeneratorOptions extends Partial<Omit<ReplyModel, 'coverage'>> {
  /** Directive angles where the simulated model is fully competent. */
  coverage: Coverage;
  /** Streams that ask for usage get it on every chunk, as vLLM's `continuous_usage_stats` (no per-chunk tokenizing). */
  continuousUsage?: boolean;
  /** Remember every answer's text so {@link SimGenerator.truthOfText} can find it (the oracle pruner's diagnostic). */
  keepTexts?: boolean;
}

/** What the simulator knows about a piece of text it wrote (see {@link SimGenerator.truthOfText}). */
export interface TextTruth {
  /** True attributes of the text itself (a prefix is judged as the prefix it is). */
  prefix: TrueAttributes;
  /** True attributes of the whole answer the text begins. */
  final: TrueAttributes;
  /** The text is the whole answer. */
  complete: boolean;
}

/** Facts the generator recorded per call, for checks in the bench. */
export interface SimGeneratorStats {
  calls: number;
  /** Completion tokens handed out (streams: only the chunks actually read). */
  tokens: number;
}

/** The in-process generator, its counters and the ground truth of every answer it gave. */
export interface SimGenerator extends Generator {
  readonly stats: SimGeneratorStats;
  /** True attributes of the answer with this completion id (each id is looked up once, then forgotten). */
  takeTruth(id: string): TrueAttributes | undefined;
  /** Every call's body, when recording (for prompt-prefix measurements). */
  readonly recorded: ChatCompletionCreateParams[];
  record(on: boolean): void;
  /** The truth behind a text this generator wrote, or a prefix of one (with `keepTexts`; else undefined). */
  truthOfText(text: string): TextTruth | undefined;
}

/** Answers are found by their opening characters (every partial answer the pruner scores is longer). */
const KEY_CHARS = 80;

/** Truths kept at once; far more than the candidates of the selections a bench runs concurrently. */
const TRUTH_LIMIT = 20_000;

/**
 * Creates the in-process simulated generator.
 * @returns a Generator (complete and stream) plus counters and truth lookup.
 */
export function createSimGenerator(options: SimGeneratorOptions): SimGenerator {
  const model: ReplyModel = { ...options, falloffDeg: options.falloffDeg ?? 25 };
  const stats: SimGeneratorStats = { calls: 0, tokens: 0 };
  const truths = new Map<string, TrueAttributes>();
  const texts = new Map<string, Reply[]>();
  const recorded: ChatCompletionCreateParams[] = [];
  let recording = false;
  let counter = 0;

  function answer(params: ChatCompletionCreateParams) {
    stats.calls++;
    if (recording) recorded.push(params);
    const reply = replyToRequest(params, model);
    const identity = { id: `chatcmpl-simip-${++counter}`, created: Math.floor(Date.now() / 1000), model: params.model };
    truths.set(identity.id, reply.truth);
    // Bounded: answers nobody asks about (cut candidates) are forgotten oldest first.
    if (truths.size > TRUTH_LIMIT) truths.delete(truths.keys().next().value!);
    if (options.keepTexts) {
      const key = reply.content.slice(0, KEY_CHARS);
      texts.set(key, [...(texts.get(key) ?? []), reply]);
      if (texts.size > TRUTH_LIMIT) texts.delete(texts.keys().next().value!);
    }
    return { reply, identity, usage: usageFor(params, [reply]) };
  }

  return {
    name: 'simulated-in-process',
    // A stream that is not read generates nothing more (the HTTP latency bench measures a real upstream's overshoot).
    pacedByReader: true,
    stats,
    recorded,
    record: (on) => {
      recording = on;
      recorded.length = 0;
    },
    truthOfText(text) {
      const reply = texts.get(text.slice(0, KEY_CHARS))?.find((r) => r.content.startsWith(text));
      const prefix = reply && prefixTruth(reply, countTokens(text));
      if (!reply || !prefix) return undefined;
      return { prefix, final: reply.truth, complete: reply.content === text };
    },
    takeTruth(id) {
      const truth = truths.get(id);
      truths.delete(id);
      return truth;
    },
    async complete(params: ChatCompletionCreateParams, callOptions?: CallOptions): Promise<ChatCompletion> {
      callOptions?.signal?.throwIfAborted();
      const { reply, identity, usage } = answer(params);
      stats.tokens += reply.completionTokens;
      return {
        ...identity,
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: reply.finishReason },
        ],
        usage,
      };
    },
    async *stream(params: ChatCompletionCreateParams, callOptions?: CallOptions): AsyncGenerator<ChatCompletionChunk> {
      callOptions?.signal?.throwIfAborted();
      const { reply, identity, usage } = answer(params);
      const chunks = completionChunks({
        identity,
        replies: [reply],
        usage,
        includeUsage: params.stream_options?.include_usage === true,
        continuousUsage: options.continuousUsage === true || params.stream_options?.continuous_usage_stats === true,
      });
      for (const { chunk, tokens } of chunks) {
        callOptions?.signal?.throwIfAborted();
        stats.tokens += tokens;
        yield chunk;
      }
    },
  };
}
