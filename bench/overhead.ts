/**
 * @module overhead
 * Proxy overhead: the same autocannon load against the simulated upstream directly, through prefsel (strategy
 * `none`, pass-through) and through the Portkey gateway, all at one simulated upstream with a small fixed latency.
 * Each round loads every target back to back (order rotated per round), so the added latency of a proxy is taken
 * against the direct run of the same round; figures are medians over rounds with min/max.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './load.js';
import { stopAll, type ChildServer } from './procs.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult } from './report.js';
import { chatBody, portkeyHeaders, startPortkey, startPrefselCli, startUpstream, type UpstreamConfig } from './servers.js';
import { ratio, spread, type Spread } from './stats.js';
import { barChart } from './svg.js';

/** The three ways a request reaches the upstream. */
export const OVERHEAD_TARGETS = ['direct', 'prefsel', 'portkey'] as const;
/** One of {@link OVERHEAD_TARGETS}. */
export type OverheadTarget = (typeof OVERHEAD_TARGETS)[number];

/** Options of {@link runOverheadBench}. */
export interface OverheadOptions {
  outDir: string;
  command: string;
  /** Rounds (each loads every target once per phase). */
  rounds: number;
  durationS: number;
  /** Connections of the latency phase (moderate load: latency is what is compared). */
  connections: number;
  /** Connections of the saturation phase (maximum requests/s). */
  saturationConnections: number;
  upstream: UpstreamConfig;
  maxTokens: number;
  /** Targets to load; default all three. */
  targets?: OverheadTarget[];
}

/** Per-target figures over rounds. */
export interface OverheadTargetResult {
  p50Ms: Spread;
  p99Ms: Spread;
  /** Latency-phase p50 minus the same round's direct p50 (0 for direct). */
  addedP50Ms: Spread;
  addedP99Ms: Spread;
  /** Requests/s at the saturation phase. */
  maxRps: Spread;
  errors: number;
  non2xx: number;
  raw: Array<{ round: number; latency: LoadResult; saturation: LoadResult }>;
}

/** Settings per mode. */
export function overheadPreset(mode: Mode): Omit<OverheadOptions, 'outDir' | 'command'> {
  const pick = <T>(full: T, quick: T, tiny: T): T => ({ full, quick, tiny })[mode];
  return {
    rounds: pick(5, 3, 1),
    durationS: pick(8, 3, 0.5),
    connections: pick(8, 8, 2),
    saturationConnections: pick(64, 32, 4),
    upstream: { ttftMs: 5, tokensPerSecond: 0 },
    maxTokens: 16,
  };
}

/** Runs the overhead benchmark and writes its plot; the caller writes the JSON. */
export async function runOverheadBench(opts: OverheadOptions): Promise<PartResult<Record<string, OverheadTargetResult>>> {
  const targets = opts.targets ?? [...OVERHEAD_TARGETS];
  const servers: ChildServer[] = [];
  try {
    const upstream = await startUpstream(opts.upstream);
    servers.push(upstream);
    const base = `${upstream.url}/v1`;
    const endpoints = new Map<OverheadTarget, { url: string; headers: Record<string, string> }>();
    const auth = { authorization: 'Bearer sk-bench' };
    endpoints.set('direct', { url: `${base}/chat/completions`, headers: auth });
    let prefselInfo: Record<string, unknown> = {};
    if (targets.includes('prefsel')) {
      const prefsel = await startPrefselCli({ upstreamBaseUrl: base, strategy: 'none' });
      servers.push(prefsel);
      prefselInfo = prefsel.info;
      endpoints.set('prefsel', { url: `${prefsel.url}/v1/chat/completions`, headers: { ...auth, 'x-selection-strategy': 'none' } });
    }
    if (targets.includes('portkey')) {
      const portkey = await startPortkey();
      servers.push(portkey);
      endpoints.set('portkey', { url: `${portkey.url}/v1/chat/completions`, headers: { ...auth, ...portkeyHeaders(base) } });
    }
    const body = chatBody({ content: 'Name three primary colours.', maxTokens: opts.maxTokens });
    const load = (t: OverheadTarget, connections: number, durationS: number) => {
      const e = endpoints.get(t)!;
      return runLoad({ url: e.url, headers: e.headers, body, connections, durationS, title: t });
    };
    // Warm-up: JIT, keep-alive pools and any lazy init, not recorded.
    for (const t of targets) await load(t, opts.connections, 1);

    const raw = new Map<OverheadTarget, OverheadTargetResult['raw']>(targets.map((t) => [t, []]));
    for (let round = 0; round < opts.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      const lat = new Map<OverheadTarget, LoadResult>();
      for (const t of order) lat.set(t, await load(t, opts.connections, opts.durationS));
      for (const t of order) {
        raw.get(t)!.push({ round, latency: lat.get(t)!, saturation: await load(t, opts.saturationConnections, opts.durationS) });
      }
    }
    const direct = raw.get('direct') ?? [];
    const results: Record<string, OverheadTargetResult> = {};
    for (const t of targets) {
      const rs = raw.get(t)!;
      const added = (pick: (l: LoadResult) => number) =>
        spread(rs.map((r, i) => pick(r.latency) - pick(direct[i]?.latency ?? r.latency)));
      results[t] = {
        p50Ms: spread(rs.map((r) => r.latency.latencyMs.p50)),
        p99Ms: spread(rs.map((r) => r.latency.latencyMs.p99)),
        addedP50Ms: added((l) => l.latencyMs.p50),
        addedP99Ms: added((l) => l.latencyMs.p99),
        maxRps: spread(rs.map((r) => r.saturation.rps)),
        errors: rs.reduce((s, r) => s + r.latency.errors + r.saturation.errors, 0),
        non2xx: rs.reduce((s, r) => s + r.latency.non2xx + r.saturation.non2xx, 0),
        raw: rs,
      };
    }
    return finish(opts, results, prefselInfo);
  } finally {
    await stopAll(servers);
  }
}

function finish(
  opts: OverheadOptions,
  results: Record<string, OverheadTargetResult>,
  prefselInfo: Record<string, unknown>,
): PartResult<Record<string, OverheadTargetResult>> {
  const names = Object.keys(results);
  const rangeMs = (s: Spread) => `${fmt(s.median)} ms (${fmt(s.min)}…${fmt(s.max)})`;
  const rows = names.map((t) => {
    const r = results[t]!;
    return [t, fmt(r.p50Ms.median), fmt(r.p99Ms.median), t === 'direct' ? '–' : rangeMs(r.addedP50Ms),
      t === 'direct' ? '–' : rangeMs(r.addedP99Ms), `${fmt(r.maxRps.median)} (${fmt(r.maxRps.min)}…${fmt(r.maxRps.max)})`,
      r.errors + r.non2xx];
  });
  const headline: Headline[] = [];
  const p = results.prefsel;
  const k = results.portkey;
  if (p) headline.push({ figure: 'prefsel (none) added p50 / p99', value: `${fmt(p.addedP50Ms.median)} / ${fmt(p.addedP99Ms.median)} ms` });
  if (k) headline.push({ figure: 'Portkey added p50 / p99', value: `${fmt(k.addedP50Ms.median)} / ${fmt(k.addedP99Ms.median)} ms` });
  if (p && k) {
    headline.push({
      figure: 'added p50, prefsel vs Portkey',
      value: `${fmt(p.addedP50Ms.median)} vs ${fmt(k.addedP50Ms.median)} ms (ratio ${fmt(ratio(p.addedP50Ms.median, k.addedP50Ms.median))})`,
      target: 'prefsel below Portkey',
      met: p.addedP50Ms.median < k.addedP50Ms.median,
    });
    headline.push({ figure: 'max req/s, prefsel / Portkey', value: `${fmt(p.maxRps.median)} / ${fmt(k.maxRps.median)} (ratio ${fmt(ratio(p.maxRps.median, k.maxRps.median))})` });
  }
  const plot = 'overhead.svg';
  const proxies = names.filter((n) => n !== 'direct');
  writeFileSync(
    join(opts.outDir, plot),
    barChart({
      title: 'Latency added by the proxy (median over rounds, min–max)',
      yLabel: 'added latency, ms',
      categories: ['p50', 'p99'],
      series: proxies.map((n) => ({
        name: n,
        values: [results[n]!.addedP50Ms, results[n]!.addedP99Ms].map((s) => ({ y: s.median, lo: s.min, hi: s.max })),
      })),
    }),
  );
  return {
    schema: SCHEMA,
    part: 'overhead',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined },
    models: { upstream: { simulated: true, ...opts.upstream, maxTokens: opts.maxTokens }, prefsel: prefselInfo },
    headline,
    tables: [{
      title: `Proxy overhead (${opts.connections} connections for latency, ${opts.saturationConnections} for max req/s, ${opts.durationS} s per load, ${opts.rounds} rounds)`,
      columns: ['target', 'p50 ms', 'p99 ms', 'added p50 (min…max)', 'added p99 (min…max)', 'max req/s (min…max)', 'errors+non2xx'],
      rows,
    }],
    notes: [
      'Load generator (autocannon, in the bench process), the upstream simulator and each proxy run as separate processes, so none shares an event loop; on a 2-core machine they do share the cores, which bounds max req/s for every target alike.',
      'Latencies come from every response\'s raw duration (sub-millisecond), not autocannon\'s whole-millisecond histogram. Added latency = proxy minus direct, per round, then the median over rounds.',
      `Simulated upstream: fixed ${opts.upstream.ttftMs} ms before the answer (ttft), ${opts.upstream.tokensPerSecond > 0 ? `${opts.upstream.tokensPerSecond} tok/s` : 'instant generation'}, max_tokens ${opts.maxTokens}; non-streaming requests; one short user prompt.`,
      'Portkey runs from node_modules (`build/start-server.js --port=N --headless`, NODE_ENV=production) with headers x-portkey-provider: openai and x-portkey-custom-host; a preload forces it onto 127.0.0.1. prefsel runs as users start it (`server/cli.ts serve --strategy none`, pass-through, default log level, NODE_ENV=production); request logs of both proxies go to /dev/null.',
    ],
    plots: [plot],
    results,
  };
}
