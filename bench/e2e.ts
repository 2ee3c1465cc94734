/**
 * @module e2e
 * End-to-end selection latency: prefsel (child process, reference scorer) in front of the simulated upstream at a
 * realistic speed, loaded by autocannon at a few connection counts. At each load level the single call (strategy
 * `none`) and RPS at each k run back to back in the same round, so "RPS latency / single-call latency" is a ratio
 * from one moment on one machine. The prefsel child reports where time went (generation, upstream queue wait,
 * scoring, event-loop delay, its CPU use), which shows the bottleneck moving as load grows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './load.js';
import { cpuSeconds, stopAll, type ChildServer } from './procs.js';
import type { ServerStats } from './selection-recorder.js';
import { promptSet } from './prompts.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult } from './report.js';
import { startPrefsel, startUpstream, type UpstreamConfig } from './servers.js';
import { median, ratio, spread, type Spread } from './stats.js';
import { lineChart, paletteColour } from './svg.js';

/** Options of {@link runE2eBench}. */
export interface E2eOptions {
  outDir: string;
  command: string;
  ks: number[];
  /** Load levels (autocannon connections = concurrent clients). */
  connections: number[];
  durationS: number;
  rounds: number;
  upstream: UpstreamConfig;
  maxTokens: number;
  /** Target preference of every request (degrees, DPA convention). */
  angleDeg: number;
  /** Also run these k at the highest load on a second server with a larger upstream limit (where the bottleneck goes next). */
  uncapped?: { ks: number[]; maxConcurrentUpstream: number };
}

/** One (strategy, k, connections) cell over rounds. */
export interface E2eCell {
  /** 0 = single call (strategy none). */
  k: number;
  connections: number;
  /** The engine's upstream limit on the server measured. */
  maxConcurrentUpstream: number;
  rps: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  /** p50 over the same round's single-call p50. */
  p50Ratio: Spread;
  errors: number;
  /** Medians over rounds of the server-side figures. */
  server: {
    generationP50Ms: number;
    scoringP50Ms: number;
    queueWaitP50Ms: number;
    /** Share of wall time the scorer was running a batch (1 = saturated). */
    scorerBusy: number;
    scorerWaitP50Ms: number;
    upstreamCallP50Ms: number;
    queueWaitingMean: number;
    eventLoopP99Ms: number;
    proxyCpu: number;
    upstreamCpu: number;
  };
  raw: Array<{ round: number; load: LoadResult; stats: ServerStats; upstreamCpu: number }>;
}

/** Settings per mode (full/quick: ttft 200 ms + 75 tok/s, max_tokens 64, about 1.05 s per upstream call). */
export function e2ePreset(mode: Mode): Omit<E2eOptions, 'outDir' | 'command'> {
  if (mode === 'tiny') {
    return {
      ks: [2],
      connections: [1],
      durationS: 1,
      rounds: 1,
      upstream: { ttftMs: 20, tokensPerSecond: 0 },
      maxTokens: 16,
      angleDeg: 20,
      uncapped: { ks: [2], maxConcurrentUpstream: 128 },
    };
  }
  const quick = mode === 'quick';
  return {
    ks: [1, 4, 8, 16],
    connections: quick ? [1, 4, 16] : [1, 4, 16, 32],
    durationS: quick ? 4 : 10,
    rounds: quick ? 2 : 3,
    upstream: { ttftMs: 200, tokensPerSecond: 75 },
    maxTokens: 64,
    angleDeg: 20,
    uncapped: { ks: [8, 16], maxConcurrentUpstream: 1024 },
  };
}

async function benchJson<T>(server: ChildServer, path: string, method = 'GET'): Promise<T> {
  const res = await fetch(`${server.url}/__bench/${path}`, { method });
  if (!res.ok) throw new Error(`prefsel bench endpoint ${path}: ${res.status}`);
  return (await res.json()) as T;
}

interface Variant {
  k: number;
  maxConcurrentUpstream: number;
  server: ChildServer;
  levels: number[];
}

/** Runs the benchmark; the caller writes the JSON. */
export async function runE2eBench(opts: E2eOptions): Promise<PartResult<{ cells: E2eCell[] }>> {
  const servers: ChildServer[] = [];
  try {
    const upstream = await startUpstream(opts.upstream);
    servers.push(upstream);
    const base = `${upstream.url}/v1`;
    const prefsel = await startPrefsel({
      upstreamBaseUrl: base,
      strategy: 'rps',
      scorer: 'reference',
      maxConcurrentUpstream: DEFAULT_CAP,
    });
    servers.push(prefsel);
    const prompts = promptSet(64);
    // Every request differs (prompt and seed), so no scorer de-duplication or cache flatters the figures.
    const bodyFor = (i: number) => ({
      model: 'simulated',
      messages: [{ role: 'user', content: prompts[i % prompts.length]!.content }],
      max_tokens: opts.maxTokens,
      seed: i,
      preference: { angle_deg: opts.angleDeg },
    });
    const headersFor = (k: number): Record<string, string> =>
      k === 0 ? { 'x-selection-strategy': 'none' } : { 'x-selection-strategy': 'rps', 'x-selection-k': String(k) };
    const variants: Variant[] = [0, ...opts.ks].map((k) => ({
      k,
      maxConcurrentUpstream: DEFAULT_CAP,
      server: prefsel,
      levels: opts.connections,
    }));
    if (opts.uncapped) {
      // A second server without the engine's upstream limit, at the highest load only: where the bottleneck goes next.
      const free = await startPrefsel({
        upstreamBaseUrl: base,
        strategy: 'rps',
        scorer: 'reference',
        maxConcurrentUpstream: opts.uncapped.maxConcurrentUpstream,
      });
      servers.push(free);
      const levels = [Math.max(...opts.connections)];
      for (const k of opts.uncapped.ks)
        variants.push({ k, maxConcurrentUpstream: opts.uncapped.maxConcurrentUpstream, server: free, levels });
    }
    const load = (v: Variant, connections: number, durationS: number) =>
      runLoad({
        url: `${v.server.url}/v1/chat/completions`,
        body: bodyFor(0),
        bodyFor,
        headers: headersFor(v.k),
        connections,
        durationS,
      });
    for (const v of variants) await load(v, 2, 1); // warm-up, not recorded

    const raws = new Map<Variant, Map<number, E2eCell['raw']>>(variants.map((v) => [v, new Map()]));
    for (let round = 0; round < opts.rounds; round++) {
      for (const c of opts.connections) {
        const here = variants.filter((v) => v.levels.includes(c));
        for (const v of here.map((_, i) => here[(i + round) % here.length]!)) {
          await benchJson(v.server, 'reset', 'POST');
          const cpu0 = cpuSeconds(upstream.child.pid);
          const result = await load(v, c, opts.durationS);
          const upstreamCpu = (cpuSeconds(upstream.child.pid) - cpu0) / result.durationS;
          const stats = await benchJson<ServerStats>(v.server, 'stats');
          const byLevel = raws.get(v)!;
          byLevel.set(c, [...(byLevel.get(c) ?? []), { round, load: result, stats, upstreamCpu }]);
          console.log(
            `[e2e] round ${round} c=${c} ${label(v.k, v.maxConcurrentUpstream)}: ${fmt(result.rps)} req/s, p50 ${fmt(result.latencyMs.p50)} ms`,
          );
        }
      }
    }
    const cells = variants.flatMap((v) =>
      v.levels.map((c) =>
        toCell(v, c, { raw: raws.get(v)!.get(c) ?? [], single: raws.get(variants[0]!)!.get(c) ?? [] }),
      ),
    );
    return finish(opts, cells, prefsel.info);
  } finally {
    await stopAll(servers);
  }
}

/** The engine's default upstream limit (`--max-concurrency`), which the main series runs with. */
const DEFAULT_CAP = 64;

function label(k: number, cap: number): string {
  return k === 0 ? 'single (none)' : `rps k=${k}${cap === DEFAULT_CAP ? '' : ` (upstream cap ${cap})`}`;
}

function toCell(v: Variant, connections: number, data: { raw: E2eCell['raw']; single: E2eCell['raw'] }): E2eCell {
  const { raw, single } = data;
  const m = (pick: (r: E2eCell['raw'][number]) => number) => median(raw.map(pick));
  // Ratios pair each round with the same round's single call at the same load.
  const singleP50 = (round: number) => single.find((s) => s.round === round)?.load.latencyMs.p50 ?? Number.NaN;
  return {
    k: v.k,
    connections,
    maxConcurrentUpstream: v.maxConcurrentUpstream,
    rps: spread(raw.map((r) => r.load.rps)),
    p50Ms: spread(raw.map((r) => r.load.latencyMs.p50)),
    p99Ms: spread(raw.map((r) => r.load.latencyMs.p99)),
    p50Ratio: spread(raw.map((r) => ratio(r.load.latencyMs.p50, singleP50(r.round)))),
    errors: raw.reduce((s, r) => s + r.load.errors + r.load.non2xx, 0),
    server: {
      generationP50Ms: m((r) => r.stats.generationMs.p50),
      scoringP50Ms: m((r) => r.stats.scoringMs.p50),
      queueWaitP50Ms: m((r) => r.stats.queueWaitP50Ms),
      scorerBusy: m((r) => r.stats.scorer.busy),
      scorerWaitP50Ms: m((r) => r.stats.scorer.waitMs.p50),
      upstreamCallP50Ms: m((r) => r.stats.upstreamCallMs.p50),
      queueWaitingMean: m((r) => r.stats.queue.waitingMean),
      eventLoopP99Ms: m((r) => r.stats.eventLoopDelayMs.p99),
      proxyCpu: m((r) => r.stats.cpu),
      upstreamCpu: m((r) => r.upstreamCpu),
    },
    raw,
  };
}

function e2eHeadlines(opts: E2eOptions, cells: E2eCell[]): Headline[] {
  const pct = (v: number) => `${fmt(v * 100)}%`;
  const low = Math.min(...opts.connections);
  const high = Math.max(...opts.connections);
  const capped = cells.filter((c) => c.maxConcurrentUpstream === DEFAULT_CAP);
  // The issue's target is at k=8; a run without k=8 (tiny) reports its largest k instead, without a target.
  const kTarget = opts.ks.includes(8) ? 8 : Math.max(...opts.ks);
  const out: Headline[] = [];
  const atLow = capped.find((c) => c.k === kTarget && c.connections === low);
  if (atLow) {
    out.push({
      figure: `RPS k=${kTarget} p50 / single-call p50 at ${low} client(s)`,
      value: `${fmt(atLow.p50Ratio.median)}× (${fmt(atLow.p50Ratio.min)}…${fmt(atLow.p50Ratio.max)}); ${fmt(atLow.p50Ms.median)} ms vs ${fmt(capped.find((c) => c.k === 0 && c.connections === low)?.p50Ms.median)} ms`,
      ...(kTarget === 8 ? { target: '≤ 1.15×', met: atLow.p50Ratio.median <= 1.15 } : {}),
    });
  }
  if (high === low) return out;
  for (const c of cells.filter(
    (x) => x.connections === high && x.k > 0 && (x.k === kTarget || x.k === Math.max(...opts.ks)),
  )) {
    out.push({
      figure: `${label(c.k, c.maxConcurrentUpstream)} at ${high} clients`,
      value: `${fmt(c.p50Ratio.median)}× single, ${fmt(c.rps.median)} req/s; queue wait ${fmt(c.server.queueWaitP50Ms)} ms, scoring ${fmt(c.server.scoringP50Ms)} ms (scorer busy ${pct(c.server.scorerBusy)}), event-loop p99 ${fmt(c.server.eventLoopP99Ms)} ms`,
    });
  }
  return out;
}

function e2ePlots(opts: E2eOptions, cells: E2eCell[]): string[] {
  const plots = ['e2e-latency-ratio.svg', 'e2e-breakdown.svg'];
  const capped = cells.filter((c) => c.maxConcurrentUpstream === DEFAULT_CAP);
  const free = cells.filter((c) => c.maxConcurrentUpstream !== DEFAULT_CAP);
  const ks = [...new Set(capped.map((c) => c.k))].filter((k) => k > 0);
  writeFileSync(
    join(opts.outDir, plots[0]!),
    lineChart({
      title: 'RPS p50 latency / single-call p50 at the same load',
      xLabel: 'concurrent clients (log scale)',
      yLabel: 'latency ratio',
      logX: true,
      refLines: [{ y: 1.15, label: 'target 1.15× (k=8)' }],
      series: [
        ...ks.map((k) => ({
          name: `k=${k}`,
          points: capped
            .filter((c) => c.k === k)
            .map((c) => ({ x: c.connections, y: c.p50Ratio.median, lo: c.p50Ratio.min, hi: c.p50Ratio.max })),
        })),
        ...free.map((c) => ({
          name: `k=${c.k}, cap ${c.maxConcurrentUpstream}`,
          colour: paletteColour(Math.max(0, ks.indexOf(c.k))),
          marker: 'square' as const,
          points: [{ x: c.connections, y: c.p50Ratio.median, lo: c.p50Ratio.min, hi: c.p50Ratio.max }],
        })),
      ],
    }),
  );
  const kMax = Math.max(...ks);
  const at = capped.filter((c) => c.k === kMax);
  const freeAt = free.filter((c) => c.k === kMax);
  writeFileSync(
    join(opts.outDir, plots[1]!),
    lineChart({
      title: `Where the time goes, RPS k=${kMax} (server-side medians)`,
      xLabel: 'concurrent clients (log scale)',
      yLabel: 'ms',
      logX: true,
      series: [
        {
          name: 'upstream call p50',
          colour: paletteColour(0),
          points: at.map((c) => ({ x: c.connections, y: c.server.upstreamCallP50Ms })),
        },
        {
          name: 'queue wait p50',
          colour: paletteColour(1),
          points: at.map((c) => ({ x: c.connections, y: c.server.queueWaitP50Ms })),
        },
        {
          name: 'scoring p50',
          colour: paletteColour(2),
          points: at.map((c) => ({ x: c.connections, y: c.server.scoringP50Ms })),
        },
        {
          name: 'event-loop p99',
          colour: paletteColour(3),
          dashed: true,
          points: at.map((c) => ({ x: c.connections, y: c.server.eventLoopP99Ms })),
        },
        // Without the upstream cap (second server, highest load only): the queue goes, scoring and the loop take over.
        ...freeAt.flatMap((c) => [
          {
            name: `queue wait, cap ${c.maxConcurrentUpstream}`,
            colour: paletteColour(1),
            marker: 'square' as const,
            points: [{ x: c.connections, y: c.server.queueWaitP50Ms }],
          },
          {
            name: `scoring, cap ${c.maxConcurrentUpstream}`,
            colour: paletteColour(2),
            marker: 'square' as const,
            points: [{ x: c.connections, y: c.server.scoringP50Ms }],
          },
          {
            name: `event loop, cap ${c.maxConcurrentUpstream}`,
            colour: paletteColour(3),
            marker: 'square' as const,
            points: [{ x: c.connections, y: c.server.eventLoopP99Ms }],
          },
        ]),
      ],
    }),
  );
  return plots;
}

function finish(
  opts: E2eOptions,
  cells: E2eCell[],
  prefselInfo: Record<string, unknown>,
): PartResult<{ cells: E2eCell[] }> {
  const pct = (v: number) => `${fmt(v * 100)}%`;
  const rows = cells.map((c) => [
    label(c.k, c.maxConcurrentUpstream),
    c.connections,
    fmt(c.rps.median),
    fmt(c.p50Ms.median),
    fmt(c.p99Ms.median),
    c.k ? `${fmt(c.p50Ratio.median)} (${fmt(c.p50Ratio.min)}…${fmt(c.p50Ratio.max)})` : '1',
    fmt(c.server.upstreamCallP50Ms),
    fmt(c.server.queueWaitP50Ms),
    fmt(c.server.scoringP50Ms),
    pct(c.server.scorerBusy),
    fmt(c.server.queueWaitingMean),
    fmt(c.server.eventLoopP99Ms),
    pct(c.server.proxyCpu),
    pct(c.server.upstreamCpu),
    c.errors,
  ]);
  const headline = e2eHeadlines(opts, cells);
  const plots = e2ePlots(opts, cells);
  return {
    schema: SCHEMA,
    part: 'e2e',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined },
    models: { upstream: { simulated: true, ...opts.upstream, maxTokens: opts.maxTokens }, prefsel: prefselInfo },
    headline,
    tables: [
      {
        title: `End-to-end (simulated upstream ttft ${opts.upstream.ttftMs} ms + ${opts.upstream.tokensPerSecond} tok/s, max_tokens ${opts.maxTokens}; ${opts.durationS} s per load, ${opts.rounds} rounds; target ${opts.angleDeg}°)`,
        columns: [
          'strategy',
          'clients',
          'req/s',
          'p50 ms',
          'p99 ms',
          'p50 / single (min…max)',
          'upstream call p50',
          'queue wait p50',
          'scoring p50',
          'scorer busy',
          'queue depth (mean)',
          'event-loop p99 ms',
          'proxy CPU',
          'upstream CPU',
          'errors',
        ],
        rows,
      },
    ],
    notes: [
      'Load generator, prefsel and the simulated upstream are three processes (no shared event loop); on a 2-core machine they share the cores. CPU columns are CPU-seconds per wall-second of each process (100% = one core).',
      "Server-side columns come from the prefsel process (bench/procs/prefsel.ts runs server/compose.ts with a recorder hooked in): upstream call = one HTTP call to the upstream, timed inside the generator; queue wait = median candidate time (submitted → answered) minus median call time, i.e. waiting for one of the engine's upstream slots; scoring = the scoring phase of a request (tokenisation + batch queue + ONNX run); scorer busy = share of wall time an ONNX batch was running; queue depth = upstream calls waiting, sampled every 10 ms; event-loop delay from perf_hooks.monitorEventLoopDelay.",
      `The simulated upstream has no concurrency limit (every call is a timer), so upstream capacity is always to spare; the engine\'s own limit (--max-concurrency, default ${DEFAULT_CAP} upstream calls in flight) is what queues.${opts.uncapped ? ` Rows marked "upstream cap ${opts.uncapped.maxConcurrentUpstream}" come from a second prefsel process with that limit, at the highest load only, to show where the bottleneck goes once the queue is gone.` : ''}`,
      'Every request has its own prompt and seed, so no de-duplication or cache flatters the figures. p99 over few requests (low client counts) is close to the maximum.',
    ],
    plots,
    results: { cells },
  };
}
