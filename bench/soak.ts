/**
 * @module soak
 * Reliability under a flaky upstream: prefsel, started exactly as a user starts it (`server/cli.ts serve`, in its own
 * process), in front of the simulated upstream with chaos on (a steady share of calls answer 500 or 429, stall past
 * the timeouts, go silent after the headers, are cut mid-answer, end early without `[DONE]`, or send garbage), under
 * a constant mix of selection and pass-through requests, JSON and streaming, some abandoned early by the client.
 * It reports what clients got (the error mix, latency), what the upstream saw (calls aborted mid-answer), the
 * proxy's memory over time (RSS start, end, slope) and whether it ends healthy with nothing left in flight.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { slopePerMinute, startMemorySampler, type MemorySample } from './memory-sampler.js';
import { freePort, prefselCommand, startChild, type ChildServer } from './procs.js';
import { promptSet } from './prompts.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult } from './report.js';
import { pickKind, sendOne, type Verdict } from './soak-client.js';
import { percentile, seededRandom } from './stats.js';
import { lineChart } from './svg.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';

/** Options of {@link runSoakBench}. */
export interface SoakOptions {
  outDir: string;
  command: string;
  durationS: number;
  /** Client loops sending one request after another. */
  concurrency: number;
  /** Candidates per selecting request. */
  k: number;
  /** Share of upstream calls that go wrong. */
  faultRate: number;
  /** Share of requests the client abandons early (after 20–1500 ms). */
  disconnectRate: number;
  upstream: { ttftMs: number; tokensPerSecond: number };
  /** prefsel's own timeouts, short so that stalls and silences run into them during the soak. */
  timeouts: { candidateMs: number; streamIdleMs: number; deadlineMs: number };
  /** How long a stalled upstream call waits: past the timeouts above. */
  stallMs: number;
  /** A request unanswered after this long counts as a hang. */
  clientTimeoutMs: number;
  seed: number;
}

/** Settings per mode. */
export function soakPreset(mode: Mode): Omit<SoakOptions, 'outDir' | 'command'> {
  const base = {
    k: 3,
    faultRate: 0.25,
    disconnectRate: 0.1,
    upstream: { ttftMs: 40, tokensPerSecond: 400 },
    timeouts: { candidateMs: 2000, streamIdleMs: 2000, deadlineMs: 8000 },
    stallMs: 4000,
    clientTimeoutMs: 30_000,
    seed: 7,
  };
  if (mode === 'tiny') return { ...base, durationS: 4, concurrency: 4 };
  if (mode === 'quick') return { ...base, durationS: 60, concurrency: 16 };
  return { ...base, durationS: 300, concurrency: 24 };
}

/** prefsel through its CLI, with the soak's timeouts; resolves once the model is loaded (`/healthz` says ok). */
async function startPrefsel(upstreamUrl: string, opts: SoakOptions): Promise<ChildServer> {
  const port = await freePort();
  const flags = {
    host: '127.0.0.1',
    port,
    'upstream-url': upstreamUrl,
    device: 'cpu',
    k: opts.k,
    'candidate-timeout-ms': opts.timeouts.candidateMs,
    'stream-idle-timeout-ms': opts.timeouts.streamIdleMs,
    'deadline-ms': opts.timeouts.deadlineMs,
    'log-level': 'warn',
  };
  const args = Object.entries(flags).flatMap(([flag, value]) => [`--${flag}`, String(value)]);
  const server = await startChild({
    name: 'prefsel-cli',
    command: prefselCommand(['serve', ...args]),
    env: { NODE_ENV: 'production' },
    port,
    timeoutMs: 180_000,
  });
  for (let i = 0; i < 900; i++) {
    const health = await fetch(`${server.url}/healthz`).then(
      (r) => r.json() as Promise<{ status?: string }>,
      (): { status?: string } => ({}),
    );
    if (health.status === 'ok') return server;
    await new Promise((r) => setTimeout(r, 200));
  }
  await server.stop();
  throw new Error('prefsel did not finish loading within 180 s');
}

/** What the proxy and the upstream look like once the load stops. */
interface Aftermath {
  /** Seconds until nothing was in flight at the proxy or the upstream; NaN if that never happened within 15 s. */
  drainedS: number;
  healthy: boolean;
  proxy500s: number;
}

async function aftermath(server: ChildServer, sim: SimulatedUpstream): Promise<Aftermath> {
  const started = performance.now();
  let drainedS = Number.NaN;
  let metrics = '';
  while (performance.now() - started < 15_000) {
    metrics = await fetch(`${server.url}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
    const idle = /^prefsel_requests_in_flight 0$/m.test(metrics) && sim.inFlight === 0;
    if (idle) {
      drainedS = (performance.now() - started) / 1000;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Chaos is still on, so one probe may meet an injected fault: healthy means a complete answer within 5 tries.
  let healthy = false;
  for (let i = 0; i < 5 && !healthy; i++) {
    const probe = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'none:prefsel-sim', messages: [{ role: 'user', content: 'Still there?' }] }),
    }).catch(() => undefined);
    healthy = probe?.status === 200;
  }
  const proxy500s = [...metrics.matchAll(/^prefsel_http_requests_total\{[^}]*status="500"[^}]*\} (\d+)$/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
  return { drainedS, healthy, proxy500s };
}

/**
 * The lowest value of `pick` in each third of the load. A Node heap, and with it the RSS, saws up and down with every
 * major GC, so a floor, not a slope or the last sample, is what rises when something leaks.
 */
function floors(memory: readonly MemorySample[], loadS: number, pick: (m: MemorySample) => number): number[] {
  return [0, 1, 2].map((third) => {
    const inThird = memory.filter((m) => m.s >= (third * loadS) / 3 && m.s < ((third + 1) * loadS) / 3);
    const values = inThird.map(pick).filter(Number.isFinite);
    return values.length ? Math.min(...values) : Number.NaN;
  });
}

/** Runs the soak; the caller writes the JSON. */
export async function runSoakBench(opts: SoakOptions): Promise<PartResult> {
  const sim = await startSimulatedUpstream({
    ...opts.upstream,
    chaos: { rate: opts.faultRate, stallMs: opts.stallMs, seed: opts.seed },
  });
  let server: ChildServer | undefined;
  try {
    server = await startPrefsel(sim.url, opts);
    const pid = server.child.pid;
    const url = `${server.url}/v1/chat/completions`;
    const prompts = promptSet(64);
    const random = seededRandom(opts.seed);
    const verdicts: Verdict[] = [];
    const t0 = performance.now();
    const elapsedS = () => (performance.now() - t0) / 1000;
    const sampler = startMemorySampler({ pid, metricsUrl: `${server.url}/metrics` });
    let sent = 0;
    const loop = async (): Promise<void> => {
      while (elapsedS() < opts.durationS) {
        const i = sent++;
        const disconnect = random() < opts.disconnectRate ? 20 + random() * 1480 : undefined;
        verdicts.push(
          await sendOne({
            url,
            kind: pickKind(random()),
            k: opts.k,
            prompt: prompts[i % prompts.length]!.content,
            seed: i,
            clientTimeoutMs: opts.clientTimeoutMs,
            ...(disconnect === undefined ? {} : { disconnectAfterMs: disconnect }),
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, loop));
    const loadS = elapsedS();
    const memory = await sampler.stop();
    const after = await aftermath(server, sim);
    return finish(opts, { verdicts, memory, loadS, after, sim });
  } finally {
    await server?.stop();
    await sim.close();
  }
}

function finish(
  opts: SoakOptions,
  run: {
    verdicts: Verdict[];
    memory: MemorySample[];
    loadS: number;
    after: Aftermath;
    sim: SimulatedUpstream;
  },
): PartResult {
  const { verdicts, memory, loadS, after, sim } = run;
  const mix = new Map<string, number>();
  for (const v of verdicts) mix.set(v.outcome, (mix.get(v.outcome) ?? 0) + 1);
  const answered = verdicts.filter((v) => v.outcome !== 'client disconnect');
  const ok = verdicts.filter((v) => v.outcome === 'ok').map((v) => v.ms);
  const all = answered.map((v) => v.ms);
  const count = (outcome: string) => mix.get(outcome) ?? 0;
  const internal = [...mix].filter(([o]) => /^5\d\d/.test(o) && !/^50[24] /.test(o)).reduce((s, [, n]) => s + n, 0);
  const rssSlope = slopePerMinute(memory, (m) => m.rssMiB, loadS * 0.2);
  const heapFloors = floors(memory, loadS, (m) => m.heapUsedMiB);
  const rssFloors = floors(memory, loadS, (m) => m.rssMiB);
  const first = memory[0];
  const last = memory.at(-1);
  const served = sim.chaosServed();
  const faults = Object.values(served).reduce((s, n) => s + n, 0);
  const headline: Headline[] = [
    {
      figure: 'requests',
      value: `${verdicts.length} in ${fmt(loadS)} s (${fmt(verdicts.length / loadS)} req/s), ${opts.concurrency} clients`,
    },
    {
      figure: 'hangs, 500s, truncated streams that looked complete',
      value: `${count('hang')}, ${internal + after.proxy500s}, ${count('truncated as complete')}`,
      target: '0, 0, 0',
      met: count('hang') === 0 && internal + after.proxy500s === 0 && count('truncated as complete') === 0,
    },
    {
      figure: 'complete answers',
      value: `${fmt((100 * ok.length) / Math.max(1, answered.length))}% of answered requests (${ok.length})`,
    },
    {
      figure: 'latency of complete answers',
      value: `p50 ${fmt(percentile(ok, 50))} ms, p99 ${fmt(percentile(ok, 99))} ms`,
    },
    {
      figure: 'latency of every answered request',
      value: `p50 ${fmt(percentile(all, 50))} ms, p99 ${fmt(percentile(all, 99))} ms`,
    },
    {
      figure: 'upstream calls aborted mid-answer',
      value: `${sim.aborted} (upstream faults injected: ${faults}; client disconnects: ${count('client disconnect')})`,
    },
    {
      figure: 'proxy memory: RSS; RSS and V8 heap floors (lowest values) per third of the run',
      value: `RSS ${fmt(first?.rssMiB)} → ${fmt(last?.rssMiB)} MiB (max ${fmt(Math.max(...memory.map((m) => m.rssMiB)))}), slope ${fmt(rssSlope)} MiB/min after the first 20%; RSS floor ${rssFloors.map((f) => fmt(f)).join(' → ')} MiB; heap floor ${heapFloors.map((f) => fmt(f)).join(' → ')} MiB`,
    },
    {
      figure: 'after the load',
      value: `${Number.isNaN(after.drainedS) ? 'still in flight after 15 s' : `nothing in flight after ${fmt(after.drainedS)} s`}; ${after.healthy ? 'serving' : 'NOT serving'}`,
      met: !Number.isNaN(after.drainedS) && after.healthy,
    },
  ];
  const plot = 'soak-memory.svg';
  writeFileSync(
    join(opts.outDir, plot),
    lineChart({
      title: 'prefsel memory during the soak',
      xLabel: 'seconds',
      yLabel: 'MiB',
      series: [
        { name: 'RSS', points: memory.map((m) => ({ x: m.s, y: m.rssMiB })) },
        { name: 'V8 heap used', points: memory.map((m) => ({ x: m.s, y: m.heapUsedMiB })) },
      ],
    }),
  );
  return {
    schema: SCHEMA,
    part: 'soak',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined },
    models: { upstream: { simulated: true, ...opts.upstream, chaos: { rate: opts.faultRate, stallMs: opts.stallMs } } },
    headline,
    tables: [
      {
        title: `What clients got (${verdicts.length} requests; fault rate ${opts.faultRate}, disconnect rate ${opts.disconnectRate})`,
        columns: ['outcome', 'requests', 'share'],
        rows: [...mix].sort((a, b) => b[1] - a[1]).map(([o, n]) => [o, n, `${fmt((100 * n) / verdicts.length)}%`]),
      },
      {
        title: 'Faults the upstream injected',
        columns: ['fault', 'calls'],
        rows: Object.entries(served).map(([kind, n]) => [kind, n]),
      },
    ],
    notes: [
      'prefsel runs as `prefsel serve` (server/cli.ts) in its own process with the reference reward model on CPU; the simulated upstream and the load run in the bench process. On a 2-core shared machine all three share the cores.',
      `Faults: each upstream call goes wrong with probability ${opts.faultRate}, drawn uniformly from 500, 429 (Retry-After 1), a ${opts.stallMs} ms stall before the answer, silence after the headers (hang), a socket cut mid-answer, a clean end without finish reason or [DONE] (truncate) and unparseable JSON/SSE (garbage). prefsel runs with --candidate-timeout-ms ${opts.timeouts.candidateMs}, --stream-idle-timeout-ms ${opts.timeouts.streamIdleMs}, --deadline-ms ${opts.timeouts.deadlineMs}, default retries.`,
      'Outcomes: "ok" is a complete answer (JSON with choices, or a stream ending in [DONE] with no error event); "stream error event" a stream that started and then reported its failure; "<status> <code>" an HTTP error; "hang" no answer within the client timeout; "truncated as complete" a stream that ended with neither [DONE] nor an error (must be 0); a 500 is a bug (must be 0), 502/504 are the upstream\'s failures reported as such.',
      'Upstream calls aborted mid-answer are counted by the simulator: calls prefsel cancelled because a client left, a timeout fired or the deadline passed. Nothing in flight at either end after the load means no call or socket was leaked.',
    ],
    plots: [plot],
    results: { mix: Object.fromEntries(mix), chaos: served, upstreamAborted: sim.aborted, memory, after },
  };
}
