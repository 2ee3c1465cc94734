/**
 * @module remote/labels
 * Which output column is which attribute, for servers that answer raw label columns (vLLM's `probs`, TEI's labelled
 * scores): a model directory's `config.json` `id2label` and `prefsel.json` (selection, aliases, scale) as for the
 * embedded scorer, or, without a directory, the labels themselves as attributes.
 */
import { loadModelText } from '../onnx/model-text.js';

/** Output labels → attributes. */
export interface LabelMap {
  /** The server's output labels, in column order. */
  readonly labels: readonly string[];
  /** The attributes the scorer reports, in row order. */
  readonly attributes: readonly string[];
  readonly aliases: Readonly<Record<string, string>>;
  /** One attribute row from one raw row over `labels`. */
  project(row: ArrayLike<number>): number[];
  /** The directory read, when one was given (its chat template, format or pair rule). */
  readonly dir?: string;
}

/** Options of {@link labelMap}. */
export interface LabelMapOptions {
  modelDir?: string;
  /** Output labels in column order, when there is no directory. */
  labels?: readonly string[];
  maxLength?: number;
}

/**
 * Builds the map from a directory, or from plain labels.
 * @throws ModelLoadError for a bad directory; RangeError when neither is given or labels repeat.
 */
export async function labelMap(options: LabelMapOptions): Promise<LabelMap> {
  if (options.modelDir !== undefined) {
    const text = await loadModelText(options.modelDir, { maxLength: options.maxLength });
    return {
      labels: text.spec.labels,
      attributes: text.attributes,
      aliases: text.aliases,
      project: text.project,
      dir: text.dir,
    };
  }
  const labels = [...(options.labels ?? [])];
  if (labels.length === 0 || new Set(labels).size !== labels.length) {
    throw new RangeError('a remote scorer needs a modelDir or a list of distinct output labels');
  }
  return { labels, attributes: labels, aliases: {}, project: (row) => Array.from(row) };
}
