/**
 * @module onnx/scorer-encoding
 * The scorer's encoding side: `prepare()` and the encoding half of `score()`, over the encode worker pool. A
 * prepared conversation is remembered by the messages array it was made for, so `score()` reuses it exactly when
 * its inputs carry that same array (as the engine's do), and encodes anything else from scratch.
 */
import { InvalidRequestError, ScorerError } from '../../core/errors.js';
import type { ChatCompletionMessageParam } from '../../core/openai.js';
import type { CallOptions, PreparedPrompt, ScoreInput, ScoreOptions } from '../../core/ports.js';
import type { EncodedInput } from './encode.js';
import type { EncodePool, PoolPrompt } from './encode-pool.js';

/** Encoding for one scorer. */
export interface ScorerEncoding {
  prepare(messages: readonly ChatCompletionMessageParam[], options?: CallOptions): Promise<PreparedPrompt>;
  /** The encoded inputs, in order. */
  encode(inputs: readonly ScoreInput[], options?: ScoreOptions): Promise<EncodedInput[]>;
}

interface Internals {
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly prompt: PoolPrompt;
  released: boolean;
}

/** Wraps `pool` (see the module doc). */
export function createScorerEncoding(pool: EncodePool): ScorerEncoding {
  const internals = new WeakMap<PreparedPrompt, Internals>();

  return {
    async prepare(messages, options = {}) {
      const prompt = await translate(() => pool.prepare(messages, options.signal), options.signal);
      const state: Internals = { messages, prompt, released: false };
      const prepared: PreparedPrompt = {
        tokens: prompt.tokens,
        release() {
          if (state.released) return;
          state.released = true;
          pool.release(prompt);
        },
      };
      internals.set(prepared, state);
      return prepared;
    },
    async encode(inputs, options = {}) {
      const { signal } = options;
      const prepared = options.prompt === undefined ? undefined : internals.get(options.prompt);
      // Inputs that carry the same messages array are encoded together (one conversation, many candidates).
      const groups = new Map<readonly ChatCompletionMessageParam[], number[]>();
      inputs.forEach((input, i) => {
        const group = groups.get(input.messages);
        if (group) group.push(i);
        else groups.set(input.messages, [i]);
      });
      const out = new Array<EncodedInput>(inputs.length);
      await Promise.all(
        [...groups].map(async ([messages, indices]) => {
          const reuse = prepared && !prepared.released && prepared.messages === messages ? prepared.prompt : undefined;
          const responses = indices.map((i) => inputs[i]!.response);
          const request = { messages, responses, ...(reuse ? { prompt: reuse } : {}) };
          const encoded = await translate(() => pool.encode(request, signal), signal);
          indices.forEach((i, k) => (out[i] = encoded[k]!));
        }),
      );
      return out;
    },
  };
}

/** Pool failures as the scorer reports them: the caller's abort reason, a 400 for the conversation, else 500. */
async function translate<T>(run: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (err instanceof Error && err.name === 'InputFormatError')
      throw new InvalidRequestError(`The conversation cannot be scored: ${err.message}.`, {
        param: 'messages',
        cause: err,
      });
    if (err instanceof Error && (err.name === 'ScorerError' || err.name === 'AbortError')) throw err;
    throw new ScorerError(`Could not format the input for the reward model: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
