/**
 * @module selection-recorder
 * Wraps a {@link Selector} so a benchmark can ask the server process where time went: per-selection stage timings,
 * upstream queue depth (sampled), event-loop delay (`perf_hooks.monitorEventLoopDelay`) and the process's CPU use.
 * It only observes: every call is delegated unchanged, and the cost is a few timestamps per request.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SelectCallOptions, Selector, SelectRequest } from '../core/selector.js';
import type { Selection } from '../core/types.js';
import { summariseLatency, type LatencySummary } from './load.js';
import { mean, median } from './stats.js';

/** What the server process reports for the window since the last reset. */
export interface ServerStats {
  wallS: number;
  selections: number;
  /** `select()` calls that threw. */
  failures: number;
  generationMs: LatencySummary;
  scoringMs: LatencySummary;
  totalMs: LatencySummary;
  /** Each candidate from submission to answer: upstream queue wait + call (+ retries). */
  candidateMs: LatencySummary;
  /** Each upstream call alone, timed inside the generator. */
  upstreamCallMs: LatencySummary;
  /** Median candidate time minus median call time: what waiting for an upstream slot costs. */
  queueWaitP50Ms: number;
  /** Scorer batches: size, queue wait of the oldest item, run time, and share of wall time the scorer was busy. */
  scorer: { batches: number; meanBatchSize: number; waitMs: LatencySummary; runMs: LatencySummary; busy: number };
  queue: { waitingMean: number; waitingMax: number; inFlightMean: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number };
  /** CPU-seconds per wall-second of this process (1 = one core busy). */
  cpu: number;
}

/** A recording wrapper and its controls. */
export interface SelectionRecorder {
  /** Wraps the selector (built around a generator and scorer that report to this recorder) and starts sampling. */
  wrap(inner: Selector): Selector;
  /** One upstream call's duration (from an instrumented generator). */
  observeCall(ms: number): void;
  /** One scorer batch (from the scorer's `onBatch`). */
  observeBatch(batch: { size: number; waitMs: number; runMs: number }): void;
  stats(): ServerStats;
  reset(): void;
  close(): void;
}

/** Keeps only the most recent samples so a long run cannot grow memory without bound. */
const MAX_SAMPLES = 200_000;

function push(list: number[], value: number): void {
  if (list.length < MAX_SAMPLES) list.push(value);
}

const emptySamples = () => ({
  generation: [] as number[],
  scoring: [] as number[],
  total: [] as number[],
  candidate: [] as number[],
  call: [] as number[],
  batchWait: [] as number[],
  batchRun: [] as number[],
  batchSize: [] as number[],
});

/**
 * Creates a recorder; event-loop and queue sampling start with {@link SelectionRecorder.wrap}.
 * @param [queueSampleMs=10] how often the upstream queue is sampled
 */
export function createSelectionRecorder(queueSampleMs = 10): SelectionRecorder {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  let samples = emptySamples();
  let waiting: number[] = [];
  let inFlight: number[] = [];
  let selections = 0;
  let failures = 0;
  let since = performance.now();
  let cpuSince = process.cpuUsage();
  let sampler: NodeJS.Timeout | undefined;

  const observe = (selection: Selection): void => {
    selections++;
    const { timings, candidates } = selection;
    push(samples.generation, timings.generationMs);
    push(samples.scoring, timings.scoringMs);
    push(samples.total, timings.totalMs);
    for (const c of candidates) if (Number.isFinite(c.latencyMs)) push(samples.candidate, c.latencyMs);
  };

  const wrap = (target: Selector): Selector => {
    eld.enable();
    sampler = setInterval(() => {
      const q = target.upstreamQueue();
      push(waiting, q.size);
      push(inFlight, q.pending);
    }, queueSampleMs);
    sampler.unref();
    return wrapped(target);
  };

  const wrapped = (inner: Selector): Selector => ({
    get attributes() {
      return inner.attributes;
    },
    get angleAttributes() {
      return inner.angleAttributes;
    },
    get defaults() {
      return inner.defaults;
    },
    get limits() {
      return inner.limits;
    },
    get generator() {
      return inner.generator;
    },
    get scorer() {
      return inner.scorer;
    },
    async select(request: SelectRequest, options?: SelectCallOptions): Promise<Selection> {
      try {
        const selection = await inner.select(request, options);
        observe(selection);
        return selection;
      } catch (err) {
        failures++;
        throw err;
      }
    },
    upstreamQueue: () => inner.upstreamQueue(),
    onIdle: () => inner.onIdle(),
  });

  return {
    wrap,
    observeCall: (ms) => push(samples.call, ms),
    observeBatch: (b) => {
      push(samples.batchSize, b.size);
      push(samples.batchWait, b.waitMs);
      push(samples.batchRun, b.runMs);
    },
    stats(): ServerStats {
      const wallS = (performance.now() - since) / 1000;
      const cpu = process.cpuUsage(cpuSince);
      const ns = (v: number) => v / 1e6;
      return {
        wallS,
        selections,
        failures,
        generationMs: summariseLatency(samples.generation),
        scoringMs: summariseLatency(samples.scoring),
        totalMs: summariseLatency(samples.total),
        candidateMs: summariseLatency(samples.candidate),
        upstreamCallMs: summariseLatency(samples.call),
        queueWaitP50Ms: Math.max(0, median(samples.candidate) - median(samples.call)),
        scorer: {
          batches: samples.batchSize.length,
          meanBatchSize: mean(samples.batchSize),
          waitMs: summariseLatency(samples.batchWait),
          runMs: summariseLatency(samples.batchRun),
          busy: samples.batchRun.reduce((a, b) => a + b, 0) / 1000 / Math.max(wallS, 1e-9),
        },
        queue: {
          waitingMean: mean(waiting),
          waitingMax: waiting.length ? Math.max(...waiting) : 0,
          inFlightMean: mean(inFlight),
        },
        eventLoopDelayMs: {
          p50: ns(eld.percentile(50)),
          p99: ns(eld.percentile(99)),
          max: ns(eld.max),
          mean: ns(eld.mean),
        },
        cpu: (cpu.user + cpu.system) / 1e6 / Math.max(wallS, 1e-9),
      };
    },
    reset(): void {
      samples = emptySamples();
      waiting = [];
      inFlight = [];
      selections = 0;
      failures = 0;
      eld.reset();
      since = performance.now();
      cpuSince = process.cpuUsage();
    },
    close(): void {
      if (sampler) clearInterval(sampler);
      eld.disable();
    },
  };
}
