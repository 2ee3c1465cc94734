/**
 * @module overhead
 * Proxy overhead: the same autocannon load against the simulated upstream directly, through prefsel (strategy
 * `none`, pass-through) and through the Portkey gateway, all at one simulated upstream with a small fixed latency.
 * Each round loads every target back to back (order rotated per round), so a proxy's added latency is taken against
 * the direct run of the same round and load level; figures are medians over rounds with min/max. Each proxy's CPU
 * time per request (from /proc) is reported too: unlike latency, it barely moves when the machine is shared.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './load.js';
import { cpuSeconds, stopAll, type ChildServer } from './procs.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult } from './report.js';
import {
  chatBody,
  portkeyHeaders,
  startPortkey,
  startPrefselCli,
  startUpstream,
  type UpstreamConfig,
} from './servers.js';
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
  /** Rounds (each loads every target once per load level). */
  rounds: number;
  durationS: number;
  /** Connection counts of the latency phases (1 = sequential; the headline uses the first). */
  latencyConnections: number[];
  /** Connections of the saturation phase (maximum requests/s). */
  saturationConnections: number;
  upstream: UpstreamConfig;
  maxTokens: number;
  /** Targets to load; default all three. */
  targets?: OverheadTarget[];
}

/** Latency figures of one target at one load level, over rounds. */
export interface LatencyLevel {
  connections: number;
  p50Ms: Spread;
  p99Ms: Spread;
  /** p50 minus the same round's direct p50 at the same load (0 for direct). */
  addedP50Ms: Spread;
  addedP99Ms: Spread;
}

/** Per-target figures over rounds. */
export interface OverheadTargetResult {
  levels: LatencyLevel[];
  /** Requests/s at the saturation phase. */
  maxRps: Spread;
  /** CPU milliseconds the target's own process spent per request (direct: the upstream's). */
  cpuMsPerRequest: Spread;
  errors: number;
  non2xx: number;
  raw: Array<{ round: number; latency: LoadResult[]; saturation: LoadResult }>;
}

/** Settings per mode. */
export function overheadPreset(mode: Mode): Omit<OverheadOptions, 'outDir' | 'command'> {
  const pick = <T>(full: T, quick: T, tiny: T): T => ({ full, quick, tiny })[mode];
  return {
    rounds: pick(5, 3, 1),
    durationS: pick(6, 3, 0.5),
    latencyConnections: pick([1, 8], [1, 8], [1]),
    saturationConnections: pick(64, 32, 4),
    upstream: { ttftMs: 5, tokensPerSecond: 0 },
    maxTokens: 16,
  };
}

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  /** The process whose CPU use is charged to this target. */
  pid: number | undefined;
}

/** Runs the overhead benchmark and writes its plot; the caller writes the JSON. */
export async function runOverheadBench(
  opts: OverheadOptions,
): Promise<PartResult<Record<string, OverheadTargetResult>>> {
  const targets = opts.targets ?? [...OVERHEAD_TARGETS];
  const servers: ChildServer[] = [];
  try {
    const upstream = await startUpstream(opts.upstream);
    servers.push(upstream);
    const base = `${upstream.url}/v1`;
    const endpoints = new Map<OverheadTarget, Endpoint>();
    const auth = { authorization: 'Bearer sk-bench' };
    endpoints.set('direct', { url: `${base}/chat/completions`, headers: auth, pid: upstream.child.pid });
    if (targets.includes('prefsel')) {
      const prefsel = await startPrefselCli({ upstreamBaseUrl: base, strategy: 'none' });
      servers.push(prefsel);
      endpoints.set('prefsel', {
        url: `${prefsel.url}/v1/chat/completions`,
        headers: { ...auth, 'x-selection-strategy': 'none' },
        pid: prefsel.child.pid,
      });
    }
    if (targets.includes('portkey')) {
      const portkey = await startPortkey();
      servers.push(portkey);
      endpoints.set('portkey', {
        url: `${portkey.url}/v1/chat/completions`,
        headers: { ...auth, ...portkeyHeaders(base) },
        pid: portkey.child.pid,
      });
    }
    const body = chatBody({ content: 'Name three primary colours.', maxTokens: opts.maxTokens });
    const load = (t: OverheadTarget, connections: number, durationS: number) => {
      const e = endpoints.get(t)!;
      return runLoad({ url: e.url, headers: e.headers, body, connections, durationS, title: t });
    };
    // Warm-up: JIT, keep-alive pools and any lazy initialisation, not recorded.
    for (const t of targets) await load(t, opts.saturationConnections, 1);

    const raw = new Map<OverheadTarget, OverheadTargetResult['raw']>(targets.map((t) => [t, []]));
    const cpu = new Map<OverheadTarget, number[]>(targets.map((t) => [t, []]));
    for (let round = 0; round < opts.rounds; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      const lat = new Map<OverheadTarget, LoadResult[]>(targets.map((t) => [t, []]));
      for (const c of opts.latencyConnections)
        for (const t of order) lat.get(t)!.push(await load(t, c, opts.durationS));
      for (const t of order) {
        const pid = endpoints.get(t)!.pid;
        const before = cpuSeconds(pid);
        const saturation = await load(t, opts.saturationConnections, opts.durationS);
        cpu.get(t)!.push(((cpuSeconds(pid) - before) * 1000) / Math.max(1, saturation.ok + saturation.non2xx));
        raw.get(t)!.push({ round, latency: lat.get(t)!, saturation });
      }
    }
    const direct = raw.get('direct') ?? [];
    const results: Record<string, OverheadTargetResult> = {};
    for (const t of targets) {
      const rs = raw.get(t)!;
      const levels = opts.latencyConnections.map((connections, li): LatencyLevel => {
        const at = (r: OverheadTargetResult['raw'][number]) => r.latency[li]!.latencyMs;
        const added = (pick: (l: LoadResult['latencyMs']) => number) =>
          spread(rs.map((r, i) => pick(at(r)) - pick(direct[i] ? at(direct[i]) : at(r))));
        return {
          connections,
          p50Ms: spread(rs.map((r) => at(r).p50)),
          p99Ms: spread(rs.map((r) => at(r).p99)),
          addedP50Ms: added((l) => l.p50),
          addedP99Ms: added((l) => l.p99),
        };
      });
      results[t] = {
        levels,
        maxRps: spread(rs.map((r) => r.saturation.rps)),
        cpuMsPerRequest: spread(cpu.get(t)!),
        errors: rs.reduce((s, r) => s + r.saturation.errors + r.latency.reduce((a, l) => a + l.errors, 0), 0),
        non2xx: rs.reduce((s, r) => s + r.saturation.non2xx + r.latency.reduce((a, l) => a + l.non2xx, 0), 0),
        raw: rs,
      };
    }
    return finish(opts, results);
  } finally {
    await stopAll(servers);
  }
}

const range = (s: Spread, unit = ''): string => `${fmt(s.median)}${unit} (${fmt(s.min)}…${fmt(s.max)})`;

function headlines(opts: OverheadOptions, results: Record<string, OverheadTargetResult>): Headline[] {
  const out: Headline[] = [];
  const p = results.prefsel;
  const k = results.portkey;
  for (const [li, c] of opts.latencyConnections.entries()) {
    const pl = p?.levels[li];
    const kl = k?.levels[li];
    const label = c === 1 ? '1 client (sequential)' : `${c} clients`;
    if (pl && kl) {
      out.push({
        figure: `added p50, prefsel vs Portkey, ${label}`,
        value: `${fmt(pl.addedP50Ms.median)} vs ${fmt(kl.addedP50Ms.median)} ms (ratio ${fmt(ratio(pl.addedP50Ms.median, kl.addedP50Ms.median))}); p99 ${fmt(pl.addedP99Ms.median)} vs ${fmt(kl.addedP99Ms.median)} ms`,
        target: 'prefsel below Portkey',
        met: pl.addedP50Ms.median < kl.addedP50Ms.median,
      });
    } else if (pl) {
      out.push({
        figure: `prefsel added p50 / p99, ${label}`,
        value: `${fmt(pl.addedP50Ms.median)} / ${fmt(pl.addedP99Ms.median)} ms`,
      });
    }
  }
  if (p && k) {
    out.push({
      figure: 'max req/s, prefsel / Portkey',
      value: `${fmt(p.maxRps.median)} / ${fmt(k.maxRps.median)} (ratio ${fmt(ratio(p.maxRps.median, k.maxRps.median))}); direct ${fmt(results.direct?.maxRps.median)}`,
    });
    out.push({
      figure: 'proxy CPU per request, prefsel / Portkey',
      value: `${fmt(p.cpuMsPerRequest.median)} / ${fmt(k.cpuMsPerRequest.median)} ms`,
    });
  }
  return out;
}

function finish(
  opts: OverheadOptions,
  results: Record<string, OverheadTargetResult>,
): PartResult<Record<string, OverheadTargetResult>> {
  const names = Object.keys(results);
  const rows = names.flatMap((t) =>
    results[t]!.levels.map((l, li) => {
      const r = results[t]!;
      const isDirect = t === 'direct';
      return [
        t,
        l.connections,
        fmt(l.p50Ms.median),
        fmt(l.p99Ms.median),
        isDirect ? '–' : range(l.addedP50Ms, ' ms'),
        isDirect ? '–' : range(l.addedP99Ms, ' ms'),
        li === 0 ? range(r.maxRps) : '',
        li === 0 ? range(r.cpuMsPerRequest, ' ms') : '',
        li === 0 ? r.errors + r.non2xx : '',
      ];
    }),
  );
  const plot = 'overhead.svg';
  const proxies = names.filter((n) => n !== 'direct');
  const categories = opts.latencyConnections.flatMap((c) => [`p50 @${c}`, `p99 @${c}`]);
  writeFileSync(
    join(opts.outDir, plot),
    barChart({
      title: 'Latency added by the proxy (median over rounds, min–max)',
      yLabel: 'added latency, ms',
      categories,
      series: proxies.map((n) => ({
        name: n,
        values: results[n]!.levels.flatMap((l) => [l.addedP50Ms, l.addedP99Ms]).map((s) => ({
          y: s.median,
          lo: s.min,
          hi: s.max,
        })),
      })),
    }),
  );
  return {
    schema: SCHEMA,
    part: 'overhead',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined },
    models: { upstream: { simulated: true, ...opts.upstream, maxTokens: opts.maxTokens } },
    headline: headlines(opts, results),
    tables: [
      {
        title: `Proxy overhead (${opts.durationS} s per load, ${opts.rounds} rounds; max req/s at ${opts.saturationConnections} connections)`,
        columns: [
          'target',
          'clients',
          'p50 ms',
          'p99 ms',
          'added p50 (min…max)',
          'added p99 (min…max)',
          'max req/s (min…max)',
          'CPU per request',
          'errors+non2xx',
        ],
        rows,
      },
    ],
    notes: [
      'Load generator (autocannon, in the bench process), the upstream simulator and each proxy run as separate processes, so none shares an event loop; on a 2-core machine they do share the cores, which bounds max req/s for every target alike.',
      "Latencies come from every response's raw duration (sub-millisecond), not autocannon's whole-millisecond histogram. Added latency = proxy minus direct at the same load in the same round, then the median over rounds.",
      "CPU per request = CPU time of the proxy's process (user + system, /proc) during the saturation load divided by the requests it served; for direct, the simulator's.",
      `Simulated upstream: fixed ${opts.upstream.ttftMs} ms before the answer, ${opts.upstream.tokensPerSecond > 0 ? `${opts.upstream.tokensPerSecond} tok/s` : 'instant generation'}, max_tokens ${opts.maxTokens}; non-streaming requests; one short user prompt.`,
      "Portkey 1.15.2 runs from node_modules (`build/start-server.js --port=N --headless`, NODE_ENV=production) with headers x-portkey-provider: openai and x-portkey-custom-host; a preload forces it onto 127.0.0.1. prefsel runs as users start it (`server/cli.ts serve --strategy none` via tsx, default log level, NODE_ENV=production); both proxies' stdout goes to /dev/null.",
    ],
    plots: [plot],
    results,
  };
}
