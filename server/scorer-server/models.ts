/**
 * @module scorer-server/models
 * The models `prefsel serve-scorer` hosts, made from one embedded ONNX scorer, as a Triton model repository would
 * host the same export:
 * - `{name}`: the graph itself. Its inputs are the graph's (`input_ids`, `attention_mask`, and `token_type_ids` /
 *   `position_ids` when the graph takes them), INT64 `[-1, -1]`; its output is the graph's, FP32 `[-1, labels]`, raw
 *   (every label, pooled at the last real token), exactly what Triton serving the ONNX file answers. Clients tokenize.
 * - `{name}_text` (chat and plain models): one BYTES input `text` `[-1]` of formatted texts, tokenized here (the
 *   texts' last `maxLength` tokens are kept), same output; the shape of a Triton ensemble with a tokenizer step.
 * Both run through the scorer's dynamic batcher, so requests from many proxies share batches.
 */
import type { CallOptions } from '../../core/ports.js';
import type { ModelMetadata, Tensor, TensorValues } from '../../scorers/protocols/kserve-v2.js';
import type { OnnxScorer } from '../../scorers/index.js';

/** A model the v2 server can host. */
export interface HostedModel {
  readonly metadata: ModelMetadata;
  /** Most rows per request. */
  readonly maxBatchSize: number;
  /** Validated inputs (names, datatypes and shapes already match the metadata) in, the output's rows out. */
  infer(inputs: ReadonlyMap<string, Tensor>, options: CallOptions): Promise<number[][]>;
}

/** The part of the embedded scorer a v2 server needs. */
export type ServableScorer = Pick<OnnxScorer, 'spec' | 'graph' | 'scoreTokens' | 'encodeText'>;

/** A request the server refuses (400), with the reason. */
export class BadInferRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInferRequest';
  }
}

/** Builds the hosted models; `name` is the graph's model name. */
export function hostedModels(scorer: ServableScorer, name: string, maxBatchSize = 256): Map<string, HostedModel> {
  const labels = scorer.spec.labels.length;
  const maxLength = scorer.spec.maxLength;
  const outputs = [{ name: scorer.graph.output, datatype: 'FP32' as const, shape: [-1, labels] }];
  const models = new Map<string, HostedModel>();

  models.set(name, {
    maxBatchSize,
    metadata: {
      name,
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: scorer.graph.inputs.map((i) => ({ name: i.name, datatype: 'INT64', shape: [-1, -1] })),
      outputs,
    },
    async infer(inputs, options) {
      const ids = inputs.get('input_ids')!;
      const [rows, cols] = ids.shape as [number, number];
      if (cols > maxLength)
        throw new BadInferRequest(`input_ids has ${cols} columns; this model reads at most ${maxLength}`);
      const mask = inputs.get('attention_mask')?.data as number[] | undefined;
      const types = inputs.get('token_type_ids')?.data as number[] | undefined;
      const idData = ids.data as number[];
      const sequences = Array.from({ length: rows }, (_, r) => {
        const base = r * cols;
        // Right padding: a row's tokens are the mask's leading ones (all columns without a mask).
        let len = cols;
        if (mask) {
          len = 0;
          while (len < cols && mask[base + len] === 1) len++;
          for (let c = len; c < cols; c++) {
            if (mask[base + c] !== 0)
              throw new BadInferRequest(`attention_mask row ${r} is not right-padded (1…1 0…0)`);
          }
        }
        const seq = idData.slice(base, base + len);
        const typeIds = types?.slice(base, base + len);
        return {
          ids: seq,
          ...(typeIds ? { typeIds } : {}),
          key: typeIds ? `${seq.join(',')}|${typeIds.join(',')}` : seq.join(','),
        };
      });
      return scorer.scoreTokens(sequences, options);
    },
  });

  if (scorer.spec.input.type !== 'pair') {
    models.set(`${name}_text`, {
      maxBatchSize,
      metadata: {
        name: `${name}_text`,
        versions: ['1'],
        platform: 'ensemble',
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
        outputs,
      },
      async infer(inputs, options) {
        const texts = inputs.get('text')!.data as string[];
        return scorer.scoreTokens(
          texts.map((t) => scorer.encodeText(t)),
          options,
        );
      },
    });
  }
  return models;
}

/** Checks request inputs against the metadata: every input present once, datatypes compatible, shapes consistent. */
export function checkInputs(model: HostedModel, tensors: readonly Tensor[]): Map<string, Tensor> {
  const byName = new Map<string, Tensor>();
  for (const t of tensors) {
    if (byName.has(t.name)) throw new BadInferRequest(`input ${t.name} is given twice`);
    byName.set(t.name, t);
  }
  let rows: number | undefined;
  let cols: number | undefined;
  for (const meta of model.metadata.inputs) {
    const t = byName.get(meta.name);
    if (!t) throw new BadInferRequest(`missing input ${meta.name} (${meta.datatype} [${meta.shape.join(', ')}])`);
    const intOk = meta.datatype === 'INT64' && (t.datatype === 'INT64' || t.datatype === 'INT32');
    if (t.datatype !== meta.datatype && !intOk) {
      throw new BadInferRequest(`input ${meta.name} must be ${meta.datatype}, got ${t.datatype}`);
    }
    // BYTES may come as [n] or [n, 1] (Triton string inputs with dims [1]).
    const shape = meta.datatype === 'BYTES' && t.shape.length === 2 && t.shape[1] === 1 ? [t.shape[0]!] : t.shape;
    if (shape.length !== meta.shape.length) {
      throw new BadInferRequest(`input ${meta.name} must have rank ${meta.shape.length}, got [${t.shape.join(', ')}]`);
    }
    if (rows !== undefined && shape[0] !== rows) throw new BadInferRequest(`inputs disagree on the batch size`);
    if (cols !== undefined && shape.length > 1 && shape[1] !== cols)
      throw new BadInferRequest(`inputs disagree on the sequence length`);
    rows = shape[0];
    if (shape.length > 1) cols = shape[1];
    if (meta.datatype !== 'BYTES' && (t.data as number[]).some((v) => !Number.isInteger(v) || v < 0)) {
      throw new BadInferRequest(`input ${meta.name} must hold non-negative integers`);
    }
  }
  for (const name of byName.keys()) {
    if (!model.metadata.inputs.some((m) => m.name === name)) throw new BadInferRequest(`unknown input ${name}`);
  }
  if (rows === undefined || rows < 1) throw new BadInferRequest('the batch is empty');
  if (rows > model.maxBatchSize)
    throw new BadInferRequest(`batch of ${rows} exceeds the limit of ${model.maxBatchSize}`);
  if (cols !== undefined && cols < 1) throw new BadInferRequest('sequences are empty');
  return byName;
}

/** The FP32 output tensor of `rows`. */
export function outputTensor(model: HostedModel, rows: readonly (readonly number[])[]): Tensor {
  const meta = model.metadata.outputs[0]!;
  const width = rows[0]?.length ?? 0;
  const data: TensorValues = rows.flatMap((r) => [...r]);
  return { name: meta.name, datatype: 'FP32', shape: [rows.length, width], data };
}
