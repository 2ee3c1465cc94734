/**
 * @module onnx/batcher
 * Dynamic batching in the style of TEI: items from concurrent calls wait in one bounded queue and run together
 * in batches bounded by count, by padded tokens and by a maximum wait. A batch is formed around the oldest
 * waiting item (so nothing starves) from the items nearest to it in length (so little compute is spent on
 * padding). Items with the same key, queued at the same time, run once and share the result.
 */
import { OverloadedError } from '../../core/errors.js';
import { validateBatcherOptions } from './options.js';

/** Limits and hooks of a {@link DynamicBatcher}. */
export interface BatcherOptions {
  /** Most distinct items per batch. Minimum: `1`. @default 32 */
  readonly maxBatchSize?: number;
  /** Most padded tokens per batch (rows × longest row); a single longer item still runs alone. @default 16384 */
  readonly maxBatchTokens?: number;
  /**
   * Most padding a batch may carry, as a fraction of its padded tokens, before it stops taking in items of other
   * lengths. On CPU a batch of 8 is already efficient, so wasted padding costs more than a smaller batch does;
   * on a GPU, where bigger batches pay, raise it. @default 0.1
   */
  readonly maxPadding?: number;
  /** Below this many padded tokens a batch ignores `maxPadding`: per-run overhead outweighs its padding. @default 512 */
  readonly minBatchTokens?: number;
  /** Batches that may run at once (one per session worker). Minimum: `1`. @default 1 */
  readonly maxConcurrentBatches?: number;
  /** Longest an item waits for company before a partial batch runs. @default 2 */
  readonly maxWaitMs?: number;
  /** Most items waiting; beyond it `submit` throws {@link OverloadedError}. @default 1024 */
  readonly maxQueue?: number;
  /** Called after every batch, for metrics. */
  readonly onBatch?: (info: BatchInfo) => void;
  /** Name used in the overload error. @default 'Scorer queue' */
  readonly name?: string;
}

/** What one batch did. */
export interface BatchInfo {
  /** Distinct sequences run. */
  readonly size: number;
  /** Items served (more than `size` when duplicates were merged). */
  readonly items: number;
  /** Padded tokens: rows × longest row. */
  readonly paddedTokens: number;
  /** Real tokens. */
  readonly tokens: number;
  /** How long the oldest item waited in the queue. */
  readonly waitMs: number;
  /** How long the run took. */
  readonly runMs: number;
}

/** Live counters, for health and metrics. */
export interface BatcherStats {
  /** Items waiting in the queue. */
  readonly queued: number;
  /** Items in the batch that is running. */
  readonly inFlight: number;
  /** Batches run so far. */
  readonly batches: number;
  /** Items served so far. */
  readonly items: number;
  /** Items served by another item's run (duplicates). */
  readonly deduplicated: number;
}

/** One item to score. */
export interface BatchItem<P> {
  /** Equal keys mean equal results. */
  readonly key: string;
  /** Sequence length, for padding and token budgets. */
  readonly tokens: number;
  readonly payload: P;
}

interface Call<R> {
  readonly results: R[];
  remaining: number;
  done: boolean;
  resolve(v: R[]): void;
  reject(e: unknown): void;
}

interface Job<P, R> {
  readonly item: BatchItem<P>;
  readonly enqueuedAt: number;
  readonly seq: number;
  waiters: Array<{ call: Call<R>; index: number }>;
}

const defaults = {
  maxBatchSize: 32,
  maxBatchTokens: 16384,
  maxPadding: 0.1,
  minBatchTokens: 512,
  maxConcurrentBatches: 1,
  maxWaitMs: 2,
  maxQueue: 1024,
  name: 'Scorer queue',
};

/** Merges concurrent `submit` calls into batches run one at a time by `run`. */
export class DynamicBatcher<P, R> {
  readonly #run: (payloads: P[]) => Promise<R[]>;
  readonly #opts: typeof defaults & Pick<BatcherOptions, 'onBatch'>;
  readonly #queue = new Map<string, Job<P, R>>();
  #queuedItems = 0;
  #inFlight = 0;
  #running = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;
  #closed: unknown = undefined;
  readonly #current = new Set<Promise<void>>();
  #batches = 0;
  #items = 0;
  #deduplicated = 0;

  constructor(run: (payloads: P[]) => Promise<R[]>, options: BatcherOptions = {}) {
    this.#run = run;
    validateBatcherOptions(options);
    // An option given as `undefined` keeps its default (a spread alone would overwrite it).
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.#opts = { ...defaults, ...given };
  }

  /** Current counters. */
  get stats(): BatcherStats {
    return {
      queued: this.#queuedItems,
      inFlight: this.#inFlight,
      batches: this.#batches,
      items: this.#items,
      deduplicated: this.#deduplicated,
    };
  }

  /** Rejects every queued call with `reason` and refuses new ones; a running batch finishes. */
  close(reason: unknown): void {
    this.#closed = reason;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const job of this.#queue.values()) {
      for (const { call } of job.waiters) {
        if (call.done) continue;
        call.done = true;
        call.reject(reason);
      }
    }
    this.#queue.clear();
    this.#queuedItems = 0;
  }

  /** Resolves when no batch is running. */
  async idle(): Promise<void> {
    await Promise.all(this.#current);
  }

  /** Queues `items` and resolves with their results in order; rejects with `signal.reason` when aborted. */
  submit(items: ReadonlyArray<BatchItem<P>>, signal?: AbortSignal): Promise<R[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (items.length === 0) return Promise.resolve([]);
    if (this.#queuedItems + items.length > this.#opts.maxQueue) throw new OverloadedError(this.#opts.name);
    return new Promise<R[]>((resolve, reject) => {
      const call: Call<R> = {
        results: new Array<R>(items.length),
        remaining: items.length,
        done: false,
        resolve,
        reject,
      };
      const now = performance.now();
      items.forEach((item, index) => {
        const job = this.#queue.get(item.key) ?? { item, enqueuedAt: now, seq: this.#seq++, waiters: [] };
        job.waiters.push({ call, index });
        this.#queue.set(item.key, job);
      });
      this.#queuedItems += items.length;
      signal?.addEventListener('abort', () => this.#abort(call, signal.reason), { once: true });
      this.#schedule();
    });
  }

  #abort(call: Call<R>, reason: unknown): void {
    if (call.done) return;
    call.done = true;
    for (const [key, job] of this.#queue) {
      const before = job.waiters.length;
      job.waiters = job.waiters.filter((w) => w.call !== call);
      this.#queuedItems -= before - job.waiters.length;
      if (job.waiters.length === 0) this.#queue.delete(key);
    }
    call.reject(reason);
  }

  #schedule(): void {
    while (this.#running < this.#opts.maxConcurrentBatches && this.#queue.size > 0) {
      let oldest = Infinity;
      let longest = 0;
      for (const job of this.#queue.values()) {
        oldest = Math.min(oldest, job.enqueuedAt);
        longest = Math.max(longest, job.item.tokens);
      }
      const waited = performance.now() - oldest;
      const full =
        this.#queue.size >= this.#opts.maxBatchSize || this.#queue.size * longest >= this.#opts.maxBatchTokens;
      if (!full && waited < this.#opts.maxWaitMs) {
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          this.#schedule();
        }, this.#opts.maxWaitMs - waited);
        return;
      }
      clearTimeout(this.#timer);
      this.#timer = undefined;
      const run = this.#dispatch();
      this.#current.add(run);
      void run.finally(() => this.#current.delete(run));
    }
  }

  /**
   * The oldest job plus neighbours in length order, within the size, padded-token and padding limits. Each step
   * takes the neighbour that adds the least padding: a shorter one is padded up to the current longest, a longer
   * one pads every row already taken.
   */
  #take(): Array<Job<P, R>> {
    const jobs = [...this.#queue.values()].sort((a, b) => a.item.tokens - b.item.tokens || a.seq - b.seq);
    let pivot = 0;
    jobs.forEach((j, i) => {
      if (j.seq < jobs[pivot]!.seq) pivot = i;
    });
    let lo = pivot;
    let hi = pivot;
    let max = jobs[pivot]!.item.tokens;
    let real = max;
    const { maxBatchSize, maxBatchTokens, maxPadding, minBatchTokens } = this.#opts;
    const fits = (n: number, longest: number, tokens: number) =>
      n * longest <= maxBatchTokens &&
      (n * longest <= minBatchTokens || n * longest - tokens <= maxPadding * n * longest);
    while (hi - lo + 1 < maxBatchSize) {
      const n = hi - lo + 2;
      const l = lo > 0 ? jobs[lo - 1]!.item.tokens : undefined;
      const r = hi + 1 < jobs.length ? jobs[hi + 1]!.item.tokens : undefined;
      const leftWaste = l !== undefined && fits(n, max, real + l) ? max - l : Infinity;
      const rightWaste = r !== undefined && fits(n, r, real + r) ? (n - 1) * (r - max) : Infinity;
      if (leftWaste === Infinity && rightWaste === Infinity) break;
      if (leftWaste <= rightWaste) {
        lo--;
        real += l!;
      } else {
        hi++;
        max = r!;
        real += r!;
      }
    }
    return jobs.slice(lo, hi + 1);
  }

  async #dispatch(): Promise<void> {
    const batch = this.#take();
    let items = 0;
    let tokens = 0;
    let longest = 0;
    let oldest = Infinity;
    for (const job of batch) {
      this.#queue.delete(job.item.key);
      items += job.waiters.length;
      tokens += job.item.tokens;
      longest = Math.max(longest, job.item.tokens);
      oldest = Math.min(oldest, job.enqueuedAt);
    }
    this.#queuedItems -= items;
    this.#inFlight += items;
    this.#running++;
    const started = performance.now();
    try {
      const results = await this.#run(batch.map((j) => j.item.payload));
      batch.forEach((job, i) => {
        for (const { call, index } of job.waiters) {
          if (call.done) continue;
          call.results[index] = results[i]!;
          if (--call.remaining === 0) {
            call.done = true;
            call.resolve(call.results);
          }
        }
      });
    } catch (err) {
      for (const job of batch) {
        for (const { call } of job.waiters) {
          if (call.done) continue;
          call.done = true;
          call.reject(err);
        }
      }
    } finally {
      const runMs = performance.now() - started;
      this.#batches++;
      this.#items += items;
      this.#deduplicated += items - batch.length;
      this.#inFlight -= items;
      this.#running--;
      try {
        this.#opts.onBatch?.({
          size: batch.length,
          items,
          paddedTokens: batch.length * longest,
          tokens,
          waitMs: started - oldest,
          runMs,
        });
      } catch {
        // A failing metrics hook must not stall the queue.
      }
      this.#schedule();
    }
  }
}
