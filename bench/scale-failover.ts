/**
 * @module bench/scale-failover
 * One of two scorer processes is killed (SIGKILL, no goodbye) in the middle of a load through a proxy whose remote
 * scorer has both as endpoints. Every chat request is timed and its status kept; the proxy's `/metrics` is polled to
 * see when it took the dead endpoint out of rotation.
 */
import type { ChildServer } from './procs.js';
import { percentile } from './stats.js';

/** What the kill cost. */
export interface FailoverRun {
  durationS: number;
  concurrency: number;
  requests: number;
  /** Requests that did not answer 200. */
  failed: number;
  /** Why they failed: `status: error message` (addresses removed) → count, most frequent first. */
  failures: Record<string, number>;
  /** Requests in flight at the moment of the kill (started before, ended after). */
  inFlightAtKill: number;
  /** Failed requests beyond those in flight at the kill (the target is 0). */
  lostBeyondInFlight: number;
  /** From the kill until the proxy reported the endpoint out of rotation (`prefsel_scorer_endpoint_up` 0). */
  markedDownMs: number | null;
  /** From the kill until every request in flight at the kill had answered. */
  inFlightSettledMs: number;
  p50BeforeMs: number;
  /** Slowest request that spanned the kill. */
  worstAcrossKillMs: number;
  p50AfterMs: number;
}

/** Options of {@link measureFailover}. */
export interface FailoverOptions {
  proxy: ChildServer;
  /** The scorer process to kill (endpoint 0 of the proxy's scorer `scorer`). */
  victim: ChildServer;
  scorer: string;
  durationS: number;
  concurrency: number;
  k: number;
  log: (line: string) => void;
}

interface Sample {
  start: number;
  end: number;
  status: number;
  /** The error message of a failed request (the proxy's OpenAI-shaped body, or the network error). */
  error?: string;
}

/** The message of an OpenAI-shaped error body, without addresses or numbers that differ per request. */
function reasonOf(body: string): string {
  let message = body;
  try {
    message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? body;
  } catch {
    // not JSON: keep the text
  }
  return message
    .replace(/https?:\/\/[^\s,;)]+/g, '<url>')
    .replace(/\d+ ms/g, 'N ms')
    .slice(0, 200);
}

/** Loads the proxy, kills the victim halfway, and reports. */
export async function measureFailover(options: FailoverOptions): Promise<FailoverRun> {
  const { proxy } = options;
  const samples: Sample[] = [];
  const t0 = performance.now();
  const end = t0 + options.durationS * 1000;
  let killAt = Number.NaN;
  let markedDownAt: number | null = null;
  let n = 0;
  const load = Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        let status = 0;
        let error: string | undefined;
        try {
          const res = await fetch(`${proxy.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'sim',
              messages: [{ role: 'user', content: `Explain topic number ${n++} briefly.` }],
              max_tokens: 48,
              selection: { k: options.k },
            }),
          });
          const body = await res.text();
          status = res.status;
          if (status !== 200) error = reasonOf(body);
        } catch (err) {
          status = 0;
          error = err instanceof Error ? err.message : String(err);
        }
        samples.push({ start, end: performance.now(), status, ...(error === undefined ? {} : { error }) });
      }
    }),
  );
  const kill = (async () => {
    await new Promise((r) => setTimeout(r, (options.durationS * 1000) / 2));
    killAt = performance.now();
    options.victim.child.kill('SIGKILL');
    const pattern = new RegExp(`prefsel_scorer_endpoint_up\\{scorer="${options.scorer}",endpoint="0"\\} 0`);
    while (performance.now() < end) {
      const text = await fetch(`${proxy.url}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      if (pattern.test(text)) {
        markedDownAt = performance.now();
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await Promise.all([load, kill]);

  const spanning = samples.filter((s) => s.start < killAt && s.end > killAt);
  const failed = samples.filter((s) => s.status !== 200);
  const failedSpanning = spanning.filter((s) => s.status !== 200).length;
  const latency = (list: Sample[]) => list.map((s) => s.end - s.start);
  const failures: Record<string, number> = {};
  for (const s of failed) {
    const key = `${s.status}: ${s.error ?? ''}`;
    failures[key] = (failures[key] ?? 0) + 1;
  }
  const run: FailoverRun = {
    durationS: options.durationS,
    concurrency: options.concurrency,
    requests: samples.length,
    failed: failed.length,
    failures: Object.fromEntries(Object.entries(failures).sort((a, b) => b[1] - a[1])),
    inFlightAtKill: spanning.length,
    lostBeyondInFlight: failed.length - failedSpanning,
    markedDownMs: markedDownAt === null ? null : markedDownAt - killAt,
    inFlightSettledMs: spanning.length ? Math.max(...spanning.map((s) => s.end)) - killAt : 0,
    p50BeforeMs: percentile(latency(samples.filter((s) => s.end < killAt)), 50),
    worstAcrossKillMs: spanning.length ? Math.max(...latency(spanning)) : 0,
    p50AfterMs: percentile(latency(samples.filter((s) => s.start > killAt)), 50),
  };
  options.log(
    `  failover: ${run.requests} requests, ${run.failed} failed (${run.inFlightAtKill} in flight at the kill), ` +
      `marked down after ${run.markedDownMs?.toFixed(0) ?? 'never'} ms`,
  );
  for (const [reason, count] of Object.entries(run.failures)) options.log(`    ${count} × ${reason}`);
  return run;
}
