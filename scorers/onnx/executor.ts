/**
 * @module onnx/executor
 * What the scorer needs from ONNX Runtime, whether the session lives in this thread or in worker threads: graph
 * metadata, `run`, `release`. Tensors cross as plain typed arrays so they can be transferred to workers.
 */

/** An input tensor: the scorer only feeds integer ids and masks. */
export interface FeedTensor {
  readonly type: 'int64' | 'int32';
  readonly data: BigInt64Array | Int32Array;
  readonly dims: readonly number[];
}

/** An output tensor as read back. */
export interface OutputTensor {
  readonly type: string;
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** Metadata of one graph input or output. */
export type ValueMeta =
  | {
      readonly name: string;
      readonly isTensor: true;
      readonly type: string;
      readonly shape: ReadonlyArray<number | string>;
    }
  | { readonly name: string; readonly isTensor: false };

/** The graph's declared inputs and outputs. */
export interface GraphMetadata {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ValueMeta[];
  readonly outputMetadata: readonly ValueMeta[];
}

/** Runs a loaded graph. */
export interface Executor {
  readonly executionProvider: 'cpu' | 'cuda';
  readonly metadata: GraphMetadata;
  /** Runs that can proceed at once (one per worker). */
  readonly parallelism: number;
  run(feeds: Record<string, FeedTensor>, output: string): Promise<OutputTensor>;
  release(): Promise<void>;
}
