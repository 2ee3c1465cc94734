/**
 * @module onnx/scorer
 * {@link createOnnxScorer}: a {@link Scorer} over a Hugging Face-style ONNX reward model directory, run by
 * onnxruntime-node on CUDA or CPU, with dynamic batching across concurrent calls.
 */
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { ModelLoadError, ScorerError } from '../../core/errors.js';
import type { CallOptions, PreparedPrompt, ScoreInput, ScoreOptions, Scorer, ScorerInfo } from '../../core/ports.js';
import { DynamicBatcher } from './batcher.js';
import type { BatcherOptions, BatcherStats } from './batcher.js';
import { createConversationEncoder, createInputEncoder } from './encode.js';
import { createEncodePool, createInThreadEncodePool, type EncodePool, type EncodePoolStats } from './encode-pool.js';
import type { EncodedInput } from './encode.js';
import { buildFeeds, project, readRows, resolveGraphIO } from './feeds.js';
import type { GraphIO } from './feeds.js';
import { readModelFiles } from './model-dir.js';
import { createExecutor, DEFAULT_DEVICE } from './session.js';
import { SessionWorkerMissingError } from './worker-pool.js';
import type { Device, ScorerLogger } from './session.js';
import { resolveModelSpec } from './spec.js';
import type { ModelSpec } from './spec.js';
import { createScorerEncoding } from './scorer-encoding.js';
import { loadTokenizer } from './tokenizer.js';
import { validateScorerOptions } from './options.js';

/** Options of {@link createOnnxScorer}. */
export interface OnnxScorerOptions {
  /** The model directory (`config.json`, `tokenizer.json`, `onnx/model.onnx`, optional `prefsel.json`). */
  readonly modelDir: string;
  /** Where to run; `auto` tries CUDA, then CPU. @default 'auto' */
  readonly device?: Device;
  /** Token budget per sequence; overrides `prefsel.json` and `config.json`. */
  readonly maxLength?: number;
  /**
   * Dynamic batching limits; `enabled: false` runs each call on its own (for comparison). `maxPadding` defaults
   * to 0.02 on CPU and 0.3 on CUDA: on CPU, tokens/s is flat from batch size 1 up (measured on BERT 6x384), so
   * every padded token is lost work and batches should only join sequences of (nearly) equal length; a GPU needs
   * big batches to fill itself.
   */
  readonly batching?: BatcherOptions & { readonly enabled?: boolean };
  /** Worker threads, each with its own session (0: run in this thread). @default CPU: one per core; CUDA: 1 */
  readonly workers?: number;
  /** Threads per session. @default CPU with workers: cores / workers; otherwise all cores */
  readonly intraOpNumThreads?: number;
  /**
   * Worker threads that render and tokenize conversations, so that no input's length costs the event loop (0: in
   * this thread, blocking it). @default half the cores, 1 to 4
   */
  readonly tokenizerWorkers?: number;
  /** Where the one provider line (and nothing else) is logged. @default console */
  readonly logger?: ScorerLogger;
}

/** Facts about the loaded model. */
export interface OnnxScorerInfo extends ScorerInfo {
  readonly executionProvider: 'cpu' | 'cuda';
  readonly family: ModelSpec['family'];
  readonly maxLength: number;
  /** The graph output read. */
  readonly output: string;
}

/** A {@link Scorer} backed by ONNX Runtime. */
export interface OnnxScorer extends Scorer {
  readonly info: OnnxScorerInfo;
  /** Alias → attribute name, from `prefsel.json`. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Queue and batch counters (all zero with batching disabled, except `batches` and `items`). */
  readonly stats: BatcherStats;
  /** The interpreted model directory. */
  readonly spec: ModelSpec;
  /** Encode worker counters: jobs pending, cancelled while running, workers replaced. */
  readonly encodeStats: EncodePoolStats;
  /**
   * The exact token ids the model will see for `input` (after formatting and truncation), computed in the calling
   * thread (for inspection and tests; `score()` encodes in worker threads).
   */
  encode(input: ScoreInput): EncodedInput;
  /** Measures the conversation in the encode workers and keeps it ready for `score()` (see `Scorer.prepare`). */
  prepare(messages: ScoreInput['messages'], options?: CallOptions): Promise<PreparedPrompt>;
  close(): Promise<void>;
}

const WARMUP: ScoreInput = { messages: [{ role: 'user', content: 'Hello' }], response: 'Hello! How can I help?' };

/** Runs one known input, so a graph whose outputs do not fit the attributes fails at load, as a ModelLoadError. */
async function testRun(
  runBatch: (batch: EncodedInput[]) => Promise<number[][]>,
  encode: (inputs: ScoreInput[]) => Promise<EncodedInput[]>,
  where: { onnxPath: string; output: string; attributes: ModelSpec['attributes'] },
): Promise<void> {
  let row: number[] | undefined;
  try {
    [row] = await runBatch(await encode([WARMUP]));
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(where.onnxPath, `a test run failed: ${(err as Error).message}`, { cause: err });
  }
  if (row === undefined || row.some((v) => Number.isNaN(v))) {
    throw new ModelLoadError(
      where.onnxPath,
      `graph output \`${where.output}\` has fewer columns than the attributes need (${where.attributes.map((a) => `${a.name}@${a.index}`).join(', ')})`,
    );
  }
}

/**
 * Loads a reward model directory and returns a scorer. Invalid options throw a TypeError naming the option before
 * anything is loaded; load-time problems throw {@link ModelLoadError} naming the file (and release whatever was
 * started); a test batch runs before returning, so a graph whose outputs do not fit the attributes fails here too.
 * @example
 * const scorer = await createOnnxScorer({ modelDir: await ensureReferenceModel() });
 * const [row] = await scorer.score([{ messages: [{ role: 'user', content: 'Capital of France?' }], response: 'Paris.' }]);
 */
export async function createOnnxScorer(options: OnnxScorerOptions): Promise<OnnxScorer> {
  validateScorerOptions(options);
  const dir = resolve(options.modelDir);
  const files = await readModelFiles(dir);
  const spec = resolveModelSpec(files, options.maxLength);
  // The calling thread only tokenizes for `encode()`, on first use; `score()` and `prepare()` use the workers.
  // Pruning's `countTokens` too, one stream chunk (a token or a few) at a time: small work, on first use.
  let here: ReturnType<typeof loadTokenizer> | undefined;
  const tokenizerHere = () => (here ??= loadTokenizer(files));
  let inThread: ((input: ScoreInput) => EncodedInput) | undefined;
  const encodeOne = (input: ScoreInput): EncodedInput => {
    inThread ??= createInputEncoder({ tokenizer: tokenizerHere(), input: spec.input, maxLength: spec.maxLength });
    return inThread(input);
  };
  const logger = options.logger ?? console;
  const [opened, pooled] = await Promise.allSettled([
    createExecutor(files.onnxPath, {
      device: options.device ?? DEFAULT_DEVICE,
      logger,
      label: basename(dir),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
    }),
    startEncodePool(options, { dir, files, spec }),
  ]);
  if (opened.status === 'rejected' || pooled.status === 'rejected') {
    if (opened.status === 'fulfilled') await opened.value.release();
    if (pooled.status === 'fulfilled') await pooled.value.close();
    const err = opened.status === 'rejected' ? (opened.reason as Error) : undefined;
    if (err instanceof SessionWorkerMissingError) throw err; // the package is broken, not the model
    if (pooled.status === 'rejected') throw pooled.reason;
    throw new ModelLoadError(files.onnxPath, `ONNX Runtime could not load the graph: ${err!.message.split('\n')[0]}`, {
      cause: err,
    });
  }
  const executor = opened.value;
  const pool = pooled.value;
  const encoding = createScorerEncoding(pool);
  // One release for both: load failures below and close() free the sessions and the encode workers together.
  const session = {
    run: executor.run.bind(executor),
    release: async () => {
      await Promise.all([executor.release(), pool.close()]);
    },
  };
  const { enabled = true, ...batchOpts } = options.batching ?? {};
  const maxBatchSize = batchOpts.maxBatchSize ?? 32;
  let io: GraphIO | undefined;
  const runBatch = async (batch: EncodedInput[]): Promise<number[][]> => {
    const out = await session.run(buildFeeds(io!, batch, pool.padId), io!.output);
    return readRows(out, batch, files.onnxPath).map((row) => project(row, spec.attributes));
  };
  let batcher: DynamicBatcher<EncodedInput, number[]>;
  // From here on the sessions (worker threads, each with its own copy of the weights) exist: any failure must
  // release them, or every failed load leaks threads and memory.
  try {
    io = resolveGraphIO({
      metadata: executor.metadata,
      onnxPath: files.onnxPath,
      output: spec.output,
      labels: spec.labels,
      attributes: spec.attributes,
    });
    await testRun(runBatch, (inputs) => encoding.encode(inputs), {
      onnxPath: files.onnxPath,
      output: io.output,
      attributes: spec.attributes,
    });
    batcher = new DynamicBatcher<EncodedInput, number[]>(runBatch, {
      maxConcurrentBatches: executor.parallelism,
      ...batchOpts,
      maxPadding: batchOpts.maxPadding ?? (executor.executionProvider === 'cuda' ? 0.3 : 0.02),
    });
  } catch (err) {
    await session.release();
    throw err;
  }
  let direct = { batches: 0, items: 0 };
  const directRuns = new Set<Promise<unknown>>();
  let closed = false;

  const runDirect = async (encoded: EncodedInput[], signal?: AbortSignal): Promise<number[][]> => {
    const rows: number[][] = [];
    for (let i = 0; i < encoded.length; i += maxBatchSize) {
      signal?.throwIfAborted();
      const chunk = encoded.slice(i, i + maxBatchSize);
      const started = performance.now();
      rows.push(...(await runBatch(chunk)));
      direct = { batches: direct.batches + 1, items: direct.items + chunk.length };
      const longest = Math.max(...chunk.map((c) => c.ids.length));
      batchOpts.onBatch?.({
        size: chunk.length,
        items: chunk.length,
        paddedTokens: chunk.length * longest,
        tokens: chunk.reduce((n, c) => n + c.ids.length, 0),
        waitMs: 0,
        runMs: performance.now() - started,
      });
    }
    return rows;
  };

  const aliases: Record<string, string> = {};
  for (const a of spec.attributes) for (const alias of a.aliases) aliases[alias] = a.name;

  return {
    attributes: spec.attributes.map((a) => a.name),
    info: {
      model: dir,
      executionProvider: executor.executionProvider,
      family: spec.family,
      maxLength: spec.maxLength,
      output: io.output,
    },
    aliases,
    spec,
    get stats() {
      return enabled
        ? batcher.stats
        : { queued: 0, inFlight: 0, batches: direct.batches, items: direct.items, deduplicated: 0 };
    },
    get encodeStats() {
      return pool.stats;
    },
    encode: encodeOne,
    countTokens: (text: string) => tokenizerHere().tokenizer.encode(text, { add_special_tokens: false }).ids.length,
    async prepare(messages, callOptions: CallOptions = {}): Promise<PreparedPrompt> {
      if (closed) throw new ScorerError('The scorer is closed', { unavailable: true });
      callOptions.signal?.throwIfAborted();
      return encoding.prepare(messages, callOptions);
    },
    async score(inputs: readonly ScoreInput[], callOptions: ScoreOptions = {}): Promise<number[][]> {
      if (closed) throw new ScorerError('The scorer is closed', { unavailable: true });
      const { signal } = callOptions;
      signal?.throwIfAborted();
      const encoded = await encoding.encode(inputs, callOptions);
      try {
        if (!enabled) {
          const run = runDirect(encoded, signal);
          directRuns.add(run);
          return await run.finally(() => directRuns.delete(run));
        }
        return await batcher.submit(
          encoded.map((e) => ({ key: e.key, tokens: e.ids.length, payload: e })),
          signal,
        );
      } catch (err) {
        if (
          err instanceof Error &&
          (err.name === 'AbortError' ||
            err.name === 'TimeoutError' ||
            err.name === 'OverloadedError' ||
            err.name === 'ScorerError')
        )
          throw err;
        if (signal?.aborted && err === signal.reason) throw err;
        throw new ScorerError(`Reward model run failed: ${(err as Error).message}`, { cause: err });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      // Queued calls fail fast; the running batch, if any, finishes before the native session goes away.
      batcher.close(new ScorerError('The scorer was closed', { unavailable: true }));
      await batcher.idle();
      await Promise.allSettled(directRuns);
      await session.release();
    },
  };
}

/** The encode workers (`tokenizerWorkers`, default half the cores, 1 to 4), or the calling thread for 0. */
function startEncodePool(
  options: OnnxScorerOptions,
  model: { dir: string; files: Awaited<ReturnType<typeof readModelFiles>>; spec: ModelSpec },
): Promise<EncodePool> {
  const workers = options.tokenizerWorkers ?? Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
  if (workers === 0) {
    return Promise.resolve().then(() => {
      const tokenizer = loadTokenizer(model.files);
      const { input, maxLength } = model.spec;
      return createInThreadEncodePool(createConversationEncoder({ tokenizer, input, maxLength }), tokenizer.padId);
    });
  }
  return createEncodePool({
    modelDir: model.dir,
    workers,
    ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
  });
}
