/**
 * @module stall
 * Can one request stall the server? prefsel runs as users start it (`server/cli.ts serve`, offline defaults: the
 * built-in simulated upstream and reference reward model), and while it serves large inputs a separate probe
 * process asks `GET /healthz` every 20 ms. The figures are the probe's latencies (the server's event loop answers
 * /healthz, so a blocked loop shows as a slow probe) next to an idle baseline taken in the same run, plus each
 * request's latency and status: the inputs from issue 10 (16 concurrent 2,000-turn / 256 KB conversations, one
 * 400 KB message, one 3.4 MB message) and a conversation over the input-token budget, which must be a 400.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, prefselCommand, ROOT, startChild, waitReady, type ChildServer } from './procs.js';
import { startUpstream } from './servers.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult } from './report.js';
import { percentile } from './stats.js';

/** Options of {@link runStallBench}. */
export interface StallOptions {
  outDir: string;
  command: string;
  /** Concurrent clients sending long conversations (the issue: 16). */
  clients: number;
  /** Requests each client sends. */
  rounds: number;
  /** Turns per long conversation (the issue: 2,000, about 256 KB). */
  turns: number;
  /** Sizes of the single-message loads, KB (the issue: 400 and 3,482 = 3.4 MB; over the budget: 900). */
  messageKB: number;
  hugeKB: number;
  overBudgetKB: number;
  /** `--max-input-tokens` of the server; unset: its default (131072). */
  maxInputTokens?: number;
  /** Seconds of the idle baseline. */
  idleS: number;
}

/** Settings per mode: `--tiny` shrinks every input (for the tests; figures meaningless). */
export function stallPreset(mode: Mode): Omit<StallOptions, 'outDir' | 'command'> {
  const issue = { clients: 16, turns: 2000, messageKB: 400, hugeKB: 3482, overBudgetKB: 900 };
  if (mode === 'tiny')
    return {
      clients: 2,
      rounds: 1,
      turns: 50,
      messageKB: 8,
      hugeKB: 40,
      overBudgetKB: 12,
      maxInputTokens: 2000,
      idleS: 1,
    };
  if (mode === 'quick') return { ...issue, rounds: 1, idleS: 3 };
  return { ...issue, rounds: 2, idleS: 5 };
}

/** One load and what it did to /healthz. */
export interface ScenarioResult {
  name: string;
  requests: number;
  concurrency: number;
  bodyBytes: number;
  /** Probe latencies, ms. */
  healthz: { n: number; p50: number; p99: number; max: number; errors: number };
  /** Request latencies, ms, and statuses with their error codes. */
  latency: { p50: number; p99: number; max: number };
  statuses: Record<string, number>;
}

const WORDS =
  'the quick brown fox jumps over the lazy dog while explaining tcp slow start and congestion windows'.split(' ');
const words = (seed: number, n: number) =>
  Array.from({ length: n }, (_, j) => WORDS[(seed * 7 + j * 3) % WORDS.length]).join(' ');

/** A conversation of `turns` turns, 128 bytes each (distinct per seed, so nothing is shared between requests). */
function longConversation(seed: number, count: number): unknown[] {
  const turns = Array.from({ length: count }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `${words(seed + i, 22)} (${seed}.${i})`,
  }));
  turns.push({ role: 'user', content: 'So how does TCP slow start grow the congestion window?' });
  return turns;
}

const body = (messages: unknown[]) => JSON.stringify({ model: 'prefsel-sim', messages });
const message = (bytes: number) => body([{ role: 'user', content: prose(bytes) }]);
function prose(bytes: number): string {
  const sentence = 'The quick brown fox jumps over the lazy dog while the congestion window grows. ';
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

/** Starts the probe process; `stop()` ends it and returns its samples. */
function startProbe(url: string): { stop(): Promise<{ samples: number[]; errors: number }> } {
  const child = spawn(process.execPath, [resolve(ROOT, 'bench/procs/healthz-probe.mjs'), url, '20'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return JSON.parse(out) as { samples: number[]; errors: number };
    },
  };
}

/** Sends `bodies` with at most `concurrency` in flight; returns each one's status, error code and latency. */
async function load(url: string, bodies: readonly string[], concurrency: number) {
  const out: Array<{ status: number; code: string | null; ms: number }> = [];
  let next = 0;
  const client = async () => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      const started = performance.now();
      try {
        const res = await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: b,
          signal: AbortSignal.timeout(600_000),
        });
        const json = (await res.json()) as { error?: { code?: string } };
        out.push({ status: res.status, code: json.error?.code ?? null, ms: performance.now() - started });
      } catch (err) {
        out.push({ status: 0, code: (err as Error).name, ms: performance.now() - started });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return out;
}

async function scenario(
  server: ChildServer,
  spec: { name: string; bodies: string[]; concurrency: number; idleMs?: number },
): Promise<ScenarioResult> {
  const probe = startProbe(`${server.url}/healthz`);
  await new Promise((r) => setTimeout(r, 300)); // the probe's first samples land before the load
  const results = spec.idleMs
    ? await new Promise<[]>((r) => setTimeout(() => r([]), spec.idleMs))
    : await load(server.url, spec.bodies, spec.concurrency);
  const { samples, errors } = await probe.stop();
  const ms = results.map((r) => r.ms);
  const statuses: Record<string, number> = {};
  for (const r of results) {
    const key = r.code ? `${r.status} ${r.code}` : String(r.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return {
    name: spec.name,
    requests: results.length,
    concurrency: spec.concurrency,
    bodyBytes: spec.bodies[0]?.length ?? 0,
    healthz: {
      n: samples.length,
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      max: Math.max(...samples),
      errors,
    },
    latency: { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.length ? Math.max(...ms) : Number.NaN },
    statuses,
  };
}

/** Starts `prefsel serve` as users do (CPU, offline defaults unless `args` say otherwise) and waits until ready. */
async function serve(args: string[]): Promise<ChildServer> {
  const port = await freePort();
  const server = await startChild({
    name: 'prefsel-cli',
    command: prefselCommand(['serve', '--host', '127.0.0.1', '--port', String(port), '--device', 'cpu', ...args]),
    env: { NODE_ENV: 'production' },
    port,
    timeoutMs: 300_000,
  });
  try {
    await waitReady(`${server.url}/readyz`, 300_000); // the port opens before the model has loaded
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/**
 * Runs every load against prefsel with offline defaults (the simulated upstream in its process, on a worker thread
 * of its own), then the idle baseline and the long conversations again with the same simulator in a process of its
 * own (`--upstream-url`), as a remote upstream would be: the difference is what sharing the process costs.
 */
export async function runStallBench(opts: StallOptions): Promise<PartResult<ScenarioResult[]>> {
  const budget = opts.maxInputTokens === undefined ? [] : ['--max-input-tokens', String(opts.maxInputTokens)];
  const o = opts;
  const conversations = Array.from({ length: o.clients * o.rounds }, (_, i) => body(longConversation(i, o.turns)));
  const idleMs = o.idleS * 1000;
  const kb = (n: number) => `${n >= 1024 ? `${fmt(n / 1024)} MB` : `${n} KB`}`;
  const long = `${o.clients} concurrent ${o.turns}-turn conversations`;
  const results: ScenarioResult[] = [];
  let server = await serve(budget);
  try {
    const run = (name: string, bodies: string[], concurrency: number) =>
      scenario(server, { name, bodies, concurrency });
    results.push(await scenario(server, { name: 'idle (baseline)', bodies: [], concurrency: 0, idleMs }));
    results.push(await run(long, conversations, o.clients));
    results.push(await run(`one ${kb(o.messageKB)} message`, [message(o.messageKB * 1024)], 1));
    results.push(await run(`one ${kb(o.hugeKB)} message`, [message(o.hugeKB * 1024)], 1));
    results.push(
      await run(`one ${kb(o.overBudgetKB)} message (over the token budget)`, [message(o.overBudgetKB * 1024)], 1),
    );
  } finally {
    await server.stop();
  }
  // The offline default's simulator settings (250 ms to first token, 120 tokens/s), in a process of its own.
  const upstream = await startUpstream({ ttftMs: 250, tokensPerSecond: 120 });
  try {
    server = await serve([...budget, '--upstream-url', `${upstream.url}/v1`]);
    try {
      const remote = ' (upstream in its own process)';
      results.push(await scenario(server, { name: `idle${remote}`, bodies: [], concurrency: 0, idleMs }));
      results.push(await scenario(server, { name: `${long}${remote}`, bodies: conversations, concurrency: o.clients }));
    } finally {
      await server.stop();
    }
  } finally {
    await upstream.stop();
  }
  return report(opts, results);
}

function report(opts: StallOptions, results: ScenarioResult[]): PartResult<ScenarioResult[]> {
  const idle = results[0]!;
  const targeted = results.slice(1, 4);
  const headline: Headline[] = targeted.map((r) => ({
    figure: `/healthz p99 under ${r.name}`,
    value: `${fmt(r.healthz.p99)} ms (max ${fmt(r.healthz.max)}; idle p99 ${fmt(idle.healthz.p99)} ms); requests: ${describeStatuses(r)}, p50 ${fmt(r.latency.p50 / 1000)} s`,
    target: '< 50 ms',
    met: r.healthz.p99 < 50,
  }));
  const [remoteIdle, remote] = [results[5]!, results[6]!];
  headline.push({
    figure: `/healthz p99 under ${remote.name}`,
    value: `${fmt(remote.healthz.p99)} ms (max ${fmt(remote.healthz.max)}; idle p99 ${fmt(remoteIdle.healthz.p99)} ms); requests: ${describeStatuses(remote)}, p50 ${fmt(remote.latency.p50 / 1000)} s`,
    target: '< 50 ms',
    met: remote.healthz.p99 < 50,
  });
  const over = results[4]!;
  headline.push({
    figure: `input over the token budget (${over.name})`,
    value: `${describeStatuses(over)} in ${fmt(over.latency.p50 / 1000)} s; /healthz p99 ${fmt(over.healthz.p99)} ms`,
    target: '400 context_length_exceeded',
    met: over.statuses['400 context_length_exceeded'] === over.requests,
  });
  return {
    schema: SCHEMA,
    part: 'stall',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: {
      ...opts,
      outDir: undefined,
      command: undefined,
      probeIntervalMs: 20,
      server: 'server/cli.ts serve --device cpu',
    },
    models: {
      scorer: 'reference (Llama 3 tokenizer, maxLength 2048)',
      upstream: 'built-in simulator (offline default)',
    },
    headline,
    tables: [
      {
        title: 'Large inputs against a running server: /healthz probe every 20 ms, in a separate process',
        columns: [
          'load',
          'requests',
          'body',
          'healthz p50 ms',
          'healthz p99 ms',
          'healthz max ms',
          'request p50 s',
          'request max s',
          'answers',
        ],
        rows: results.map((r) => [
          r.name,
          r.requests,
          r.bodyBytes ? `${fmt(r.bodyBytes / 1024)} KB` : '–',
          fmt(r.healthz.p50),
          fmt(r.healthz.p99),
          fmt(r.healthz.max),
          fmt(r.latency.p50 / 1000),
          fmt(r.latency.max / 1000),
          describeStatuses(r) || '–',
        ]),
      },
    ],
    notes: [
      'prefsel runs as users start it, offline defaults (`server/cli.ts serve --device cpu`, NODE_ENV=production): the simulated upstream in the same process, on a worker thread of its own (250 ms to first token, 120 tokens/s), the reference reward model, default limits (k 5, --max-input-tokens 131072, 8 characters per token checked first, 4 MB body limit).',
      "The /healthz probe is its own process, one request at a time every 20 ms, so its latencies are the server's; the idle row is the same probe with no load, in the same run.",
      `Each ${opts.turns}-turn conversation is distinct (about ${fmt(results[1]!.bodyBytes / 1024)} KB of JSON); each of the ${opts.clients} clients sends ${opts.rounds}. A message over the budget times 8 characters is refused before any tokenizer runs; one under it but over the token budget is tokenized in a worker and then refused.`,
      'The last two rows run the same simulator in a process of its own (`--upstream-url`), as a remote upstream would be: the difference from the first rows is what the in-process simulator (offline default) costs the proxy.',
      'Before this work (main at fb3b8de): a 201-turn conversation blocked /healthz for 5–13 s, a 2,001-turn one for more than 8 minutes, a 400 KB message for 7.6 s and a 3.4 MB one for 48 s (issue 10).',
    ],
    plots: [],
    results,
  };
}

function describeStatuses(r: ScenarioResult): string {
  return Object.entries(r.statuses)
    .map(([k, n]) => `${n}× ${k}`)
    .join(', ');
}
