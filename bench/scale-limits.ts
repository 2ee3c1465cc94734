/**
 * @module bench/scale-limits
 * A limit's exactness across replicas: three `prefsel serve` processes with the same per-key request limit, fed
 * round-robin (as a load balancer does) by more requests than the limit, within one window. With `--redis-url` they
 * share one budget and admit the limit once; without, each keeps its own and the three admit up to three times it
 * (what LiteLLM documents for workers without Redis).
 */
import { stopAll, type ChildServer } from './procs.js';
import { startProxy } from './scale-procs.js';

/** One measured set-up. */
export interface LimitRun {
  store: 'redis' | 'memory';
  replicas: number;
  limit: number;
  sent: number;
  admitted: number;
  refused: number;
  other: number;
  /** admitted / limit: 1.00 is exact. */
  ratio: number;
}

/** Options of {@link measureLimits}. */
export interface LimitOptions {
  dir: string;
  upstreamUrl: string;
  redisUrl: string;
  limit: number;
  /** Requests sent in total (more than the limit). */
  sent: number;
  concurrency: number;
  log: (line: string) => void;
}

async function fire(replicas: readonly ChildServer[], sent: number, concurrency: number) {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < sent; i = next++) {
        const target = replicas[i % replicas.length]!;
        try {
          const res = await fetch(`${target.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer bench-client' },
            body: JSON.stringify({
              model: 'sim',
              messages: [{ role: 'user', content: `Say something about item ${i}.` }],
              max_tokens: 16,
            }),
          });
          await res.arrayBuffer();
          statuses.push(res.status);
        } catch {
          statuses.push(0);
        }
      }
    }),
  );
  return statuses;
}

/** Runs the Redis-backed and the in-memory set-ups, three replicas each. */
export async function measureLimits(options: LimitOptions): Promise<LimitRun[]> {
  const runs: LimitRun[] = [];
  for (const store of ['redis', 'memory'] as const) {
    const settings = {
      'upstream-url': options.upstreamUrl,
      strategy: 'none',
      'api-key': ['bench-client'],
      'key-requests': options.limit,
      'limit-window-ms': 600_000,
      ...(store === 'redis' ? { 'redis-url': options.redisUrl } : {}),
    };
    const replicas: ChildServer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        replicas.push(await startProxy({ dir: options.dir, name: `limits-${store}-${i}`, settings }));
      }
      const statuses = await fire(replicas, options.sent, options.concurrency);
      const admitted = statuses.filter((s) => s === 200).length;
      const refused = statuses.filter((s) => s === 429).length;
      const run: LimitRun = {
        store,
        replicas: replicas.length,
        limit: options.limit,
        sent: options.sent,
        admitted,
        refused,
        other: statuses.length - admitted - refused,
        ratio: admitted / options.limit,
      };
      runs.push(run);
      options.log(
        `  limits ${store}: admitted ${admitted} of ${options.sent} with a limit of ${options.limit} (${run.ratio.toFixed(2)}×)`,
      );
    } finally {
      await stopAll(replicas);
    }
  }
  return runs;
}
