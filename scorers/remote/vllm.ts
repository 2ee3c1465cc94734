/**
 * @module remote/vllm
 * {@link createVllmScorer}: a {@link RemoteScorer} over vLLM's pooling runner (`vllm serve <rm> --runner pooling`),
 * `POST /classify` with `messages` (vLLM applies the model's chat template, the conversation plus the candidate as
 * the final assistant turn) and `use_activation: false` (raw scores, not softmax probabilities, which would couple
 * the attributes). One request per candidate; vLLM's continuous batching merges them.
 *
 * Docs: https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html#classification-api, request and
 * response in `vllm/entrypoints/pooling/classify/protocol.py`.
 */
import { z } from 'zod';
import type { CallOptions, ScoreInput } from '../../core/ports.js';
import { textOf } from '../onnx/model-text.js';
import { ProtocolError } from '../protocols/kserve-v2.js';
import { createEndpointPool } from './endpoint-pool.js';
import { exchange, jsonOf } from './http.js';
import { labelMap } from './labels.js';
import { joinUrl, poolSettings, type RemoteScorer, type RemoteScorerOptions } from './types.js';

/** Options of {@link createVllmScorer}. */
export interface VllmScorerOptions extends RemoteScorerOptions {
  /** The served model name (`--served-model-name`, else the model path). */
  readonly model: string;
  /** A model directory whose `config.json` `id2label` (and `prefsel.json`) name the columns; or `labels`. */
  readonly modelDir?: string;
  /** Output labels in column order, without a directory. */
  readonly labels?: readonly string[];
  /** Tokens kept per sequence; longer conversations lose their start (`truncation_side: left`). Unset: vLLM's. */
  readonly maxLength?: number;
}

const classifyAnswer = z.object({
  data: z.array(z.object({ index: z.number().int(), probs: z.array(z.number()) })).min(1),
});

/** The `messages` vLLM renders: the conversation's text and the candidate as the last assistant turn. */
function messagesOf(input: ScoreInput): Array<{ role: string; content: string }> {
  return [
    ...input.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: textOf(m.content) })),
    { role: 'assistant', content: input.response },
  ];
}

const PROBE_INPUT: ScoreInput = { messages: [{ role: 'user', content: 'Hello' }], response: 'Hello! How can I help?' };

/**
 * Checks every endpoint (health, the model listed, one test classification of the right width) and returns the
 * scorer.
 * @throws RemoteScorerError (503) when no endpoint is ready, with each reason.
 */
export async function createVllmScorer(options: VllmScorerOptions): Promise<RemoteScorer> {
  const map = await labelMap(options);
  const headers = { ...options.headers, 'content-type': 'application/json' };

  const classify = async (url: string, input: ScoreInput, signal: AbortSignal): Promise<number[]> => {
    const body = {
      model: options.model,
      messages: messagesOf(input),
      add_generation_prompt: false,
      use_activation: false,
      ...(options.maxLength ? { truncate_prompt_tokens: options.maxLength, truncation_side: 'left' } : {}),
    };
    const answer = await exchange(joinUrl(url, 'classify'), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal,
    });
    const parsed = classifyAnswer.safeParse(jsonOf(answer));
    if (!parsed.success) throw new ProtocolError(`unexpected /classify answer: ${parsed.error.issues[0]?.message}`);
    const probs = parsed.data.data[0]!.probs;
    if (probs.length !== map.labels.length) {
      throw new ProtocolError(
        `model ${options.model} gives ${probs.length} scores; ${map.dir ?? 'the labels'} name ${map.labels.length} ` +
          `(${map.labels.join(', ')}): is it the same model?`,
      );
    }
    return probs;
  };

  const pool = await createEndpointPool({
    scorer: options.name,
    urls: options.endpoints,
    async probe(url, signal, state) {
      await exchange(joinUrl(url, 'health'), { headers, signal });
      if (state.healthy) return;
      const models = jsonOf(await exchange(joinUrl(url, 'v1/models'), { headers, signal })) as {
        data?: Array<{ id?: unknown }>;
      };
      const ids = (models.data ?? []).map((m) => String(m.id));
      if (!ids.includes(options.model))
        throw new Error(`model ${options.model} is not served (serves ${ids.join(', ')})`);
      await classify(url, PROBE_INPUT, signal);
    },
    ...poolSettings(options),
  });

  return {
    name: options.name,
    transport: 'vllm',
    attributes: map.attributes,
    aliases: map.aliases,
    info: { model: `${options.name} (vllm ${options.model})`, executionProvider: 'remote' },
    async score(inputs: readonly ScoreInput[], callOptions: CallOptions = {}): Promise<number[][]> {
      callOptions.signal?.throwIfAborted();
      return Promise.all(
        inputs.map(async (input) =>
          map.project(await pool.call((url, signal) => classify(url, input, signal), callOptions.signal)),
        ),
      );
    },
    endpoints: () => pool.states(),
    ready: () => pool.ready(),
    async close() {
      pool.close();
    },
  };
}
