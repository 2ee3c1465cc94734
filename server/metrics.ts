/**
 * @module metrics
 * Prometheus metrics (prom-client) on a registry of their own, so two apps in one process (tests) never collide.
 * Queue depth and in-flight counts are read at scrape time rather than tracked, so they cannot drift.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Scorer } from '../core/ports.js';
import type { UpstreamQueueState } from '../core/selector.js';
import type { Selection } from '../core/types.js';
import type { LimitEvent } from './limits/limiter.js';

/** Latency buckets (seconds) spanning a cached reply to a slow multi-candidate generation. */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160];

/** A remote scorer endpoint's state, read at scrape time. */
export interface EndpointGauge {
  scorer: string;
  endpoint: number;
  healthy: boolean;
  inFlight: number;
}

/** One attempt on a remote scorer endpoint. */
export interface EndpointAttempt {
  scorer: string;
  endpoint: number;
  outcome: string;
  seconds: number;
}

/** What metrics read from the running app at scrape time. */
export interface MetricsSources {
  upstreamQueue: () => UpstreamQueueState;
  requestsInFlight: () => number;
  scorer: Pick<Scorer, 'info'>;
  /** Remote scorer endpoints (none for an embedded scorer). */
  scorerEndpoints?: () => EndpointGauge[];
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
  /** One attempt on a remote scorer endpoint (fed by its endpoint pool). */
  observeScorerAttempt(attempt: EndpointAttempt): void;
  /** A request refused by a budget, or a limit store that did not answer. */
  observeLimit(event: LimitEvent): void;
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
  const prunedSelections = new Counter({
    name: 'prefsel_pruned_selections_total',
    help: 'Selections that ran progressive pruning, by forecast: none (raw partial scores), learning (ran uncut to teach the forecast) or forecasting.',
    labelNames: ['forecast'] as const,
    registers: [registry],
  });
  const prunedTokens = new Counter({
    name: 'prefsel_pruning_completion_tokens_total',
    help: 'Completion tokens of pruned selections: billed (every candidate, cut ones as counted) and saved_estimate (per cut candidate, the mean finished length minus its length at the cut).',
    labelNames: ['kind'] as const,
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

  // Endpoints are labelled by their position in the configuration: addresses are internal and stay out of metrics.
  const endpointCalls = new Counter({
    name: 'prefsel_scorer_endpoint_requests_total',
    help: 'Attempts on remote scorer endpoints by outcome: ok, error (failed over), timeout, rejected (4xx).',
    labelNames: ['scorer', 'endpoint', 'outcome'] as const,
    registers: [registry],
  });
  const endpointSeconds = new Histogram({
    name: 'prefsel_scorer_endpoint_seconds',
    help: 'Duration of attempts on remote scorer endpoints.',
    labelNames: ['scorer', 'endpoint'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const endpointLabels = (e: { scorer: string; endpoint: number }) => ({
    scorer: e.scorer,
    endpoint: String(e.endpoint),
  });
  new Gauge({
    name: 'prefsel_scorer_endpoint_up',
    help: 'Whether a remote scorer endpoint is in rotation (health probes pass, last call did not fail).',
    labelNames: ['scorer', 'endpoint'] as const,
    registers: [registry],
    collect() {
      for (const e of sources.scorerEndpoints?.() ?? []) this.set(endpointLabels(e), e.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'prefsel_scorer_endpoint_in_flight',
    help: 'Calls in flight on a remote scorer endpoint.',
    labelNames: ['scorer', 'endpoint'] as const,
    registers: [registry],
    collect() {
      for (const e of sources.scorerEndpoints?.() ?? []) this.set(endpointLabels(e), e.inFlight);
    },
  });

  const limitRejections = new Counter({
    name: 'prefsel_limit_rejections_total',
    help: 'Requests refused with 429 by a budget, by dimension (key, user) and budget (requests, tokens).',
    labelNames: ['dimension', 'budget'] as const,
    registers: [registry],
  });
  const limitStoreErrors = new Counter({
    name: 'prefsel_limit_store_errors_total',
    help: 'Admissions the limit store (Redis) could not answer, by the configured failure mode (open admitted them).',
    labelNames: ['failure'] as const,
    registers: [registry],
  });

  return {
    registry,
    observeLimit(event) {
      if (event.kind === 'rejected') limitRejections.inc({ dimension: event.dimension, budget: event.budget });
      else limitStoreErrors.inc({ failure: event.failure });
    },
    observeScorerAttempt(attempt) {
      endpointCalls.inc({ ...endpointLabels(attempt), outcome: attempt.outcome });
      endpointSeconds.observe(endpointLabels(attempt), attempt.seconds);
    },
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
      const { pruning } = selection;
      if (pruning) {
        prunedSelections.inc({ forecast: pruning.forecast?.mode ?? 'none' });
        prunedTokens.inc({ kind: 'billed' }, pruning.tokens.completion);
        prunedTokens.inc({ kind: 'saved_estimate' }, pruning.tokens.savedEstimate);
      }
    },
    observeScorerBatch(size) {
      batchSize.observe(size);
    },
  };
}
