/**
 * @module load
 * One bounded autocannon load (fixed connections, fixed duration) against a chat-completions endpoint, with
 * latency percentiles computed from every response's raw duration. autocannon's own histogram records whole
 * milliseconds, too coarse for a proxy's sub-millisecond overhead, so each client's `response` event is tapped.
 */
import autocannon from 'autocannon';
import { mean, percentile } from './stats.js';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Full URL, e.g. `http://127.0.0.1:8080/v1/chat/completions`. */
  url: string;
  body: unknown;
  /**
   * Varies the body per request (the i-th request of the whole load). Without it every request is identical, which
   * would let a scorer's de-duplication or a cache make a proxy look faster than it is.
   */
  bodyFor?: (i: number) => unknown;
  headers?: Record<string, string>;
  connections: number;
  durationS: number;
  /** Per-request timeout in seconds; default 30. */
  timeoutS?: number;
  title?: string;
}

/** Latency percentiles in milliseconds over the successful (2xx) responses. */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/** What one load produced. */
export interface LoadResult {
  connections: number;
  durationS: number;
  /** 2xx responses. */
  ok: number;
  /** 2xx responses per second of wall time. */
  rps: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  latencyMs: LatencySummary;
}

/** Latency summary of raw durations (ms). */
export function summariseLatency(samples: readonly number[]): LatencySummary {
  return {
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    mean: mean(samples),
    max: samples.length ? Math.max(...samples) : Number.NaN,
  };
}

/**
 * Runs one load to completion. Bounded in time (`durationS`) and per request (`timeoutS`).
 * @returns counts, throughput and latency percentiles of successful responses
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const samples: number[] = [];
  let non2xx = 0;
  let sent = 0;
  const started = performance.now();
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(options.body),
    connections: options.connections,
    duration: options.durationS,
    timeout: options.timeoutS ?? 30,
    ...(options.title ? { title: options.title } : {}),
    ...(options.bodyFor
      ? {
          requests: [
            { setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify(options.bodyFor!(sent++)) }) },
          ],
        }
      : {}),
    setupClient: (client) => {
      client.on('response', (status: number, _bytes: number, durationMs: number) => {
        if (status >= 200 && status < 300) samples.push(durationMs);
        else non2xx++;
      });
    },
  });
  const wallS = (performance.now() - started) / 1000;
  return {
    connections: options.connections,
    durationS: wallS,
    ok: samples.length,
    rps: samples.length / Math.max(wallS, 1e-9),
    non2xx,
    errors: result.errors,
    latencyMs: summariseLatency(samples),
  };
}
