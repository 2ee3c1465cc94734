/**
 * @module remote/tei
 * {@link createTeiScorer}: a {@link RemoteScorer} over Hugging Face text-embeddings-inference, `POST /predict` with
 * `raw_scores: true`. TEI serves encoder classifiers (DeBERTa-class reward models; its candle backend refuses
 * decoders), never applies a chat template, and answers each input with `[{score, label}, …]` **sorted by score**,
 * so columns are matched by label, never by position. Over-long inputs are truncated from the left
 * (`truncation_direction: "Left"`), which keeps the response and drops the start of the conversation.
 *
 * Without a model directory the inputs are (prompt, response) text pairs, the labels are the server's `id2label`
 * (`GET /info`) and they are the attributes; with one, its input rule (pair, chat template or plain format) and its
 * `prefsel.json` attribute mapping apply, and its labels must be the server's.
 *
 * Sources: https://huggingface.github.io/text-embeddings-inference/ (OpenAPI), request and response types in
 * `router/src/http/types.rs` (`PredictRequest`, `PredictInput`, `Prediction`, `TruncationDirection`), `/info` in
 * `core/src/lib.rs`-side `ModelType::Classifier { id2label }`.
 */
import { z } from 'zod';
import type { CallOptions, ScoreInput } from '../../core/ports.js';
import { loadModelText, pairTexts } from '../onnx/model-text.js';
import { ProtocolError } from '../protocols/kserve-v2.js';
import { createEndpointPool } from './endpoint-pool.js';
import { exchange, jsonOf } from './http.js';
import { joinUrl, poolSettings, type RemoteScorer, type RemoteScorerOptions } from './types.js';

/** Options of {@link createTeiScorer}. */
export interface TeiScorerOptions extends RemoteScorerOptions {
  /** A model directory: input rule and attribute mapping. Unset: text pairs, every label an attribute. */
  readonly modelDir?: string;
  /** Inputs per request (TEI's `--max-client-batch-size`). @default 32 */
  readonly maxBatchSize?: number;
}

const infoAnswer = z.object({
  model_type: z.object({ classifier: z.object({ id2label: z.record(z.string(), z.string()) }) }),
});
const predictAnswer = z.array(z.array(z.object({ score: z.number(), label: z.string() })));

/** `id2label` as labels in index order. */
function labelsOf(id2label: Record<string, string>): string[] {
  return Object.entries(id2label)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, label]) => label);
}

/**
 * Reads the server's labels (`GET /info`) on every endpoint and returns the scorer.
 * @throws RemoteScorerError (503) when no endpoint is ready, with each reason.
 */
export async function createTeiScorer(options: TeiScorerOptions): Promise<RemoteScorer> {
  const text = options.modelDir === undefined ? undefined : await loadModelText(options.modelDir);
  const headers = { ...options.headers, 'content-type': 'application/json' };
  const maxBatch = options.maxBatchSize ?? 32;
  let labels: readonly string[] | undefined = text?.spec.labels;

  const pool = await createEndpointPool({
    scorer: options.name,
    urls: options.endpoints,
    async probe(url, signal) {
      await exchange(joinUrl(url, 'health'), { headers, signal });
      const info = infoAnswer.safeParse(jsonOf(await exchange(joinUrl(url, 'info'), { headers, signal })));
      if (!info.success) throw new Error('GET /info does not describe a classifier (model_type.classifier.id2label)');
      const served = labelsOf(info.data.model_type.classifier.id2label);
      if (labels === undefined) labels = served;
      if (served.join('\u0000') !== labels.join('\u0000')) {
        throw new Error(
          `the server's labels (${served.join(', ')}) are not ${text ? `${text.dir}/config.json's` : 'the other endpoints’'} ` +
            `(${labels.join(', ')}): is it the same model?`,
        );
      }
    },
    ...poolSettings(options),
  });
  const columns = labels!;
  const project = text ? text.project : (row: ArrayLike<number>) => Array.from(row);
  const toInput = (input: ScoreInput): string[] =>
    text?.format ? [text.format(input)] : text ? text.pair(input) : pairTexts(input);

  const predict = async (batch: readonly ScoreInput[], url: string, signal: AbortSignal): Promise<number[][]> => {
    // Always the batch form `[[a, b], [c]]`: a bare `[a, b]` would be read as one pair.
    const body = { inputs: batch.map(toInput), raw_scores: true, truncate: true, truncation_direction: 'Left' };
    const answer = await exchange(joinUrl(url, 'predict'), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal,
    });
    const parsed = predictAnswer.safeParse(jsonOf(answer));
    if (!parsed.success || parsed.data.length !== batch.length) {
      throw new ProtocolError(`unexpected /predict answer for ${batch.length} inputs`);
    }
    return parsed.data.map((predictions) => {
      const byLabel = new Map(predictions.map((p) => [p.label, p.score]));
      return project(
        columns.map((label) => {
          const score = byLabel.get(label);
          if (score === undefined) throw new ProtocolError(`the answer has no score for label ${label}`);
          return score;
        }),
      );
    });
  };

  return {
    name: options.name,
    transport: 'tei',
    attributes: text ? text.attributes : columns,
    aliases: text ? text.aliases : {},
    info: { model: `${options.name} (tei)`, executionProvider: 'remote' },
    async score(inputs: readonly ScoreInput[], callOptions: CallOptions = {}): Promise<number[][]> {
      callOptions.signal?.throwIfAborted();
      const chunks: ScoreInput[][] = [];
      for (let i = 0; i < inputs.length; i += maxBatch) chunks.push(inputs.slice(i, i + maxBatch));
      const rows = await Promise.all(
        chunks.map((chunk) => pool.call((url, signal) => predict(chunk, url, signal), callOptions.signal)),
      );
      return rows.flat();
    },
    endpoints: () => pool.states(),
    ready: () => pool.ready(),
    async close() {
      pool.close();
    },
  };
}
