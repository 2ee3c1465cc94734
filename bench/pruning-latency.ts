/**
 * @module pruning-latency
 * Time to first token, total latency and upstream tokens over real HTTP: the simulated upstream (child process,
 * paced streams) behind prefsel (child process, `server/compose.ts`, reference reward model), one streaming client.
 * Each round sends the same prompt and seed as a single call (strategy `none`, streamed through), full RPS and pruned
 * RPS (early streaming), back to back, so ratios pair requests from the same moment. Upstream tokens are the
 * simulator's own count of completion tokens it wrote (`/__sim/stats`), cancelled streams' overshoot included.
 */
import type { PruneOptions } from '../core/types.js';
import { stopAll, type ChildServer } from './procs.js';
import { promptSet } from './prompts.js';
import { LENGTHS, TRAINING_PROMPTS, type LengthName } from './pruning-quality.js';
import { startPrefsel, startUpstream } from './servers.js';
import { median, ratio, spread, type Spread } from './stats.js';

/** Options of {@link runLatency}. */
export interface LatencyOptions {
  ks: number[];
  lengths: LengthName[];
  rounds: number;
  upstream: { ttftMs: number; tokensPerSecond: number };
  coverage: { fromDeg: number; toDeg: number };
  angleDeg: number;
  rho: number;
  qualitySpread: number;
  /** The default settings (`pruned`) and the fast ones (`fast`). */
  prune: PruneOptions;
  fast: PruneOptions;
}

/** The ways a request is served: one call, full RPS, pruned RPS with the default and with the fast settings. */
export type Variant = 'single' | 'full' | 'pruned' | 'fast';

/** Figures of one (k, length, variant). */
export interface LatencyCell {
  k: number;
  length: LengthName;
  variant: Variant;
  ttftMs: Spread;
  totalMs: Spread;
  /** Completion tokens the upstream wrote per request. */
  upstreamTokens: Spread;
  /** Completion tokens the response's usage reported (what prefsel counted) per request. */
  countedTokens: Spread;
  /** Median over rounds of written / counted for the same request (1: every token the upstream wrote is billed). */
  writtenVsCounted: number;
  /** This variant over full RPS in the same round (medians over rounds). */
  ttftVsFull: number;
  totalVsFull: number;
  /** This variant over the single call in the same round. */
  ttftVsSingle: number;
  totalVsSingle: number;
}

interface Sample {
  ttftMs: number;
  totalMs: number;
  tokens: number;
  counted: number;
}

/** Streams one request; TTFT is the first chunk carrying content; `counted` the completion tokens of its usage. */
async function streamOnce(url: string, body: unknown): Promise<{ ttftMs: number; totalMs: number; counted: number }> {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok || !res.body) throw new Error(`prefsel answered ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let ttftMs = Number.NaN;
  let buffer = '';
  let counted = Number.NaN;
  const reader = res.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    buffer += decoder.decode(next.value, { stream: true });
    if (Number.isNaN(ttftMs) && /"content":"[^"]/.test(buffer)) ttftMs = performance.now() - started;
    if (buffer.includes('"error"')) throw new Error(`stream error: ${buffer.slice(-300)}`);
    for (const m of buffer.matchAll(/"usage":\{[^}]*?"completion_tokens":(\d+)/g)) counted = Number(m[1]);
    buffer = buffer.slice(-200);
  }
  return { ttftMs, totalMs: performance.now() - started, counted };
}

async function simStats(upstream: ChildServer): Promise<{ tokensSent: number; inFlight: number }> {
  const res = await fetch(`${upstream.url}/__sim/stats`);
  return (await res.json()) as { tokensSent: number; inFlight: number };
}

/** Tokens the upstream wrote for one request, read once its cancelled streams have closed. */
async function measured(
  upstream: ChildServer,
  run: () => Promise<{ ttftMs: number; totalMs: number; counted: number }>,
) {
  const before = (await simStats(upstream)).tokensSent;
  const timing = await run();
  let after = await simStats(upstream);
  for (let i = 0; i < 50 && after.inFlight > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    after = await simStats(upstream);
  }
  return { ...timing, tokens: after.tokensSent - before };
}

/**
 * A server's forecast (`prune.forecast`) learns from its first requests, which run uncut; like a deployment, the
 * server gets them (on training prompts of their own, 8 at a time) before anything is measured, until one answers
 * `x-selection-forecast: forecasting`.
 * @returns the learning requests sent.
 */
async function warmForecast(url: string, bodyFor: (id: number) => Record<string, unknown>): Promise<number> {
  let learning = 0;
  for (let batch = 0; batch < 20; batch++) {
    const modes = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(bodyFor(TRAINING_PROMPTS + batch * 8 + i)),
        });
        if (!res.ok) throw new Error(`prefsel answered ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
        return res.headers.get('x-selection-forecast');
      }),
    );
    if (modes.every((m) => m === null)) return 0; // the settings under test use no forecast
    learning += modes.filter((m) => m === 'learning').length;
    if (modes.includes('forecasting')) return learning;
  }
  throw new Error(`the server's forecast was still learning after ${learning} requests`);
}

/** Runs the latency part: per length, one upstream and one prefsel; per k, `rounds` rounds of the three variants. */
export async function runLatency(opts: LatencyOptions, log: (line: string) => void): Promise<LatencyCell[]> {
  const cells: LatencyCell[] = [];
  for (const length of opts.lengths) {
    const servers: ChildServer[] = [];
    try {
      const upstream = await startUpstream({
        ...opts.upstream,
        coverage: opts.coverage,
        lengthScale: LENGTHS[length].lengthScale,
        prefixInformativeness: opts.rho,
        qualitySpread: opts.qualitySpread,
      });
      servers.push(upstream);
      const prefsel = await startPrefsel({
        upstreamBaseUrl: `${upstream.url}/v1`,
        strategy: 'rps',
        scorer: 'reference',
        maxConcurrentUpstream: 256,
      });
      servers.push(prefsel);
      const url = `${prefsel.url}/v1/chat/completions`;
      const prompts = promptSet(opts.rounds + 1);
      const selection: Record<Variant, (k: number) => Record<string, unknown>> = {
        single: () => ({ strategy: 'none' }),
        full: (k) => ({ strategy: 'rps', k, prune: false }),
        pruned: (k) => ({ strategy: 'rps', k, prune: opts.prune }),
        fast: (k) => ({ strategy: 'rps', k, prune: opts.fast }),
      };
      const bodyFor = (round: number, k: number, variant: Variant) => ({
        model: 'simulated',
        messages: [{ role: 'user', content: prompts[round]!.content }],
        max_tokens: LENGTHS[length].maxTokens,
        seed: 1000 + round,
        stream: true,
        stream_options: { include_usage: true },
        preference: { angle_deg: opts.angleDeg },
        selection: selection[variant](k),
      });
      // Warm-up (not recorded): the scorer's first batches and the HTTP connections.
      await streamOnce(url, bodyFor(opts.rounds, Math.min(...opts.ks), 'fast'));
      const learned = await warmForecast(url, (id) => ({
        ...bodyFor(0, 8, 'fast'),
        messages: [{ role: 'user', content: promptSet(1, id)[0]!.content }],
        seed: id,
        stream: false,
        stream_options: undefined,
      }));
      if (learned)
        log(`[pruning] latency ${length}: the server's forecast learned from ${learned} uncut requests first`);
      for (const k of opts.ks) {
        const samples: Record<Variant, Sample[]> = { single: [], full: [], pruned: [], fast: [] };
        const order: Variant[] = ['single', 'full', 'pruned', 'fast'];
        for (let round = 0; round < opts.rounds; round++) {
          for (const variant of order.map((_, i) => order[(i + round) % order.length]!)) {
            samples[variant][round] = await measured(upstream, () => streamOnce(url, bodyFor(round, k, variant)));
          }
        }
        for (const variant of order) {
          const own = samples[variant];
          const paired = (other: Sample[], pick: (s: Sample) => number) =>
            median(own.map((s, r) => ratio(pick(s), pick(other[r]!))));
          cells.push({
            k,
            length,
            variant,
            ttftMs: spread(own.map((s) => s.ttftMs)),
            totalMs: spread(own.map((s) => s.totalMs)),
            upstreamTokens: spread(own.map((s) => s.tokens)),
            countedTokens: spread(own.map((s) => s.counted)),
            writtenVsCounted: median(own.map((s) => ratio(s.tokens, s.counted))),
            ttftVsFull: paired(samples.full, (s) => s.ttftMs),
            totalVsFull: paired(samples.full, (s) => s.totalMs),
            ttftVsSingle: paired(samples.single, (s) => s.ttftMs),
            totalVsSingle: paired(samples.single, (s) => s.totalMs),
          });
        }
        const [pruned, fast] = [cells.at(-2)!, cells.at(-1)!];
        log(
          `[pruning] latency ${length} k=${k}: TTFT / full: default ${pruned.ttftVsFull.toFixed(2)}, fast ${fast.ttftVsFull.toFixed(2)}; upstream wrote ${median(samples.full.map((s) => s.tokens))} → ${pruned.upstreamTokens.median} / ${fast.upstreamTokens.median} (counted ${pruned.countedTokens.median} / ${fast.countedTokens.median})`,
        );
      }
    } finally {
      await stopAll(servers);
    }
  }
  return cells;
}
