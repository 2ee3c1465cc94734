/**
 * @module metrics
 * Prometheus metrics (prom-client) on a registry of their own, so two apps in one process (tests) never collide.
 * Queue depth and in-flight counts are read at scrape time rather than tracked, so they cannot drift.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Scorer } from '../core/ports.js';
import type { UpstreamQueueState } from '../core/selector.js';
import type { Selection } from '../core/types.js';

/** Latency buckets (seconds) spanning a cached reply to a slow multi-candidate generation. */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

/** What metrics read from the running app at scrape time. */
export interface MetricsSources {
  upstreamQueue: () => UpstreamQueueState;
  requestsInFlight: () => number;
  scorer: Pick<Scorer, 'info'>;
}

/** The app's metrics and the hooks that feed them. */
export interface Metrics {
  readonly registry: Registry;
  /** One finished HTTP request. */
  observeRequest(labels: { route: string; method: string; status: number }, seconds: number): void;
  /** One finished selection: stage timings and candidate outcomes. */
  observeSelection(selection: Selection): void;
  /** One reward-model batch of `size` sequences (fed by the scorer's batcher). */
  observeScorerBatch(size: number): void;
}

/**
 * The name a reward model is shown under: its directory's last segment, never the path it was loaded from
 * (`/srv/models/rm-v3` → `rm-v3`), so metrics and probes do not map the host's filesystem.
 */
export function publicModelName(model: string): string {
  const segments = model.split(/[\\/]+/).filter((part) => part !== '');
  return segments.at(-1) ?? model;
}

/** Creates the registry and every metric. */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'prefsel_' });

  const requests = new Counter({
    name: 'prefsel_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'prefsel_http_request_duration_seconds',
    help: 'Time to the response headers (streams: to the first byte), by route.',
    labelNames: ['route'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const stageSeconds = new Histogram({
    name: 'prefsel_selection_stage_seconds',
    help: 'Selection latency per stage: generation (all candidates), scoring, total.',
    labelNames: ['stage', 'strategy'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const candidates = new Counter({
    name: 'prefsel_candidates_total',
    help: 'Candidates by outcome: ok (scored), excluded (empty or degenerate), failed (upstream error or timeout).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'prefsel_scorer_batch_size',
    help: 'Inputs per scorer call.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  new Gauge({
    name: 'prefsel_upstream_queue_depth',
    help: 'Upstream calls waiting (state="waiting") and running (state="in_flight").',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const q = sources.upstreamQueue();
      this.set({ state: 'waiting' }, q.size);
      this.set({ state: 'in_flight' }, q.pending);
    },
  });
  new Gauge({
    name: 'prefsel_requests_in_flight',
    help: 'Chat requests being handled.',
    registers: [registry],
    collect() {
      this.set(sources.requestsInFlight());
    },
  });
  const scorerInfo = new Gauge({
    name: 'prefsel_scorer_info',
    help: 'The reward model and the execution provider it actually runs on (value 1).',
    labelNames: ['model', 'execution_provider'] as const,
    registers: [registry],
  });
  scorerInfo.set(
    { model: publicModelName(sources.scorer.info.model), execution_provider: sources.scorer.info.executionProvider },
    1,
  );

  return {
    registry,
    observeRequest({ route, method, status }, seconds) {
      requests.inc({ route, method, status: String(status) });
      requestSeconds.observe({ route }, seconds);
    },
    observeSelection(selection) {
      const { strategy, timings } = selection;
      stageSeconds.observe({ stage: 'generation', strategy }, timings.generationMs / 1000);
      stageSeconds.observe({ stage: 'scoring', strategy }, timings.scoringMs / 1000);
      stageSeconds.observe({ stage: 'total', strategy }, timings.totalMs / 1000);
      for (const c of selection.candidates) candidates.inc({ outcome: c.status });
    },
    observeScorerBatch(size) {
      batchSize.observe(size);
    },
  };
}
