/**
 * @module sim-generator
 * A {@link Generator} that calls the simulated upstream's text model directly, in-process, instead of over HTTP.
 * The selection-quality bench needs thousands of candidates and measures *which* answer wins, not transport, so it
 * skips the socket round trip; replies are the same ones the simulator's HTTP server would send for the same body
 * (same `generateReply` call, same coverage and fall-off), with a single choice.
 */
import type { ChatCompletion, ChatCompletionCreateParams } from '../core/openai.js';
import type { CallOptions, Generator } from '../core/ports.js';
import { replyToRequest, usageFor, type Coverage } from '../upstream-sim/index.js';

/** Options of {@link createSimGenerator}. */
export interface SimGeneratorOptions {
  /** Directive angles where the simulated model is fully competent. */
  coverage: Coverage;
  /** σ of the competence fall-off outside the coverage; default 25, as the simulator. */
  falloffDeg?: number;
}

/** Facts the generator recorded per call, for checks in the bench (competence of the directions asked for). */
export interface SimGeneratorStats {
  calls: number;
}

/**
 * Creates the in-process simulated generator.
 * @returns a Generator plus a live call counter
 */
export function createSimGenerator(options: SimGeneratorOptions): Generator & { readonly stats: SimGeneratorStats } {
  const falloffDeg = options.falloffDeg ?? 25;
  const stats: SimGeneratorStats = { calls: 0 };
  let counter = 0;
  return {
    name: 'simulated-in-process',
    stats,
    async complete(params: ChatCompletionCreateParams, callOptions?: CallOptions): Promise<ChatCompletion> {
      callOptions?.signal?.throwIfAborted();
      stats.calls++;
      const reply = replyToRequest(params, { coverage: options.coverage, falloffDeg });
      return {
        id: `chatcmpl-simip-${++counter}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: params.model,
        choices: [
          { index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: reply.finishReason },
        ],
        usage: usageFor(params, [reply]),
      };
    },
  };
}
