/**
 * @module pruning-report
 * The pruning bench's figures as a result envelope: headline rows against the issue's targets, tables, notes and the
 * trade-off plot (tokens saved against win-rate change as the schedule varies).
 */
import type { PruningOptions, PruningResults } from './pruning.js';
import type { QualityCell } from './pruning-quality.js';
import { SCHEMA, fmt, makeStamp, type Headline, type PartResult } from './report.js';
import type { Interval } from './stats.js';
import { lineChart } from './svg.js';

const pct = (v: number) => fmt(100 * v);
const ci = (i: Interval, f: (v: number) => string = fmt) => `${f(i.value)} [${f(i.lo)}, ${f(i.hi)}]`;
/** Win-rate change in points: 100 · (score − 0.5). */
const change = (c: QualityCell): Interval => ({
  value: 100 * (c.score.value - 0.5),
  lo: 100 * (c.score.lo - 0.5),
  hi: 100 * (c.score.hi - 0.5),
});
const saved = (c: QualityCell) => 100 * (1 - c.prunedTokens / c.fullTokens);
/** What ranked the partial answers: the simulator's truth (diagnostics), the learned forecast, or the raw scores. */
const rankedBy = (c: QualityCell) =>
  c.pruner && c.pruner !== 'model'
    ? c.pruner
    : typeof c.prune === 'object' && c.prune.forecast
      ? 'learned forecast'
      : 'reward model, raw';
/** A forecast cell's warm-up, e.g. "after 56 learning runs; 2% of its own runs learning". */
const warmup = (c: QualityCell) =>
  c.forecast
    ? `after ${c.forecast.warmupRuns} learning runs on other prompts; ${pct(c.forecast.learningShare)}% of its own runs were learning runs (uncut, counted)`
    : '';

/** The envelope and the SVG files to write. */
export function pruningResult(
  opts: PruningOptions,
  results: PruningResults,
): { part: PartResult<PruningResults>; svgs: Record<string, string> } {
  const { cells, sweep, placement, prefix, latency } = results;
  const headline: Headline[] = [];
  const k8long = (setting: string, pruner = 'model') =>
    cells.filter((c) => c.k === 8 && c.length === 'long' && c.setting === setting && (c.pruner ?? 'model') === pruner);
  for (const setting of ['default', 'fast']) {
    const mid = k8long(setting).find((c) => c.rho === opts.sweepRho) ?? k8long(setting)[0];
    if (mid) {
      headline.push({
        figure: `${setting} settings: upstream completion tokens per request, full RPS / pruned, k=8, long answers (ρ=${mid.rho}, in-process)`,
        value: `${fmt(mid.tokenRatio)}× (${fmt(mid.fullTokens)} → ${fmt(mid.prunedTokens)})${mid.forecast ? `, ${warmup(mid)}` : ''}`,
        target: '≥ 3×',
        met: mid.tokenRatio >= 3,
      });
    }
    for (const c of k8long(setting)) {
      const d = change(c);
      headline.push({
        figure: `${setting} settings: pruned vs full RPS, k=8, long, ρ=${c.rho}, n=${c.n}: win rate (ties ½)`,
        value: `${pct(c.score.value)}% [${pct(c.score.lo)}, ${pct(c.score.hi)}] (${fmt(d.value)} points); W/L/T ${c.wins}/${c.losses}/${c.ties}`,
        target: 'no loss beyond noise, ≤ 1 point (n ≥ 1000)',
        met: c.n >= 1000 ? d.value >= -1 && d.hi >= 0 : null,
      });
    }
  }
  for (const pruner of ['model', 'oracle-prefix', 'oracle-final'])
    for (const c of k8long('fast, raw scores', pruner))
      headline.push({
        figure: `diagnostic: the fast cuts with partial answers ranked by ${pruner === 'model' ? 'their raw reward-model scores (no forecast)' : `the simulator's truth (${pruner})`}, k=8, long, ρ=${c.rho}, n=${c.n}`,
        value: `${pct(c.score.value)}% [${pct(c.score.lo)}, ${pct(c.score.hi)}]; ${fmt(c.tokenRatio)}× fewer tokens`,
      });
  const lat = (k: number, variant: string) =>
    latency.find((c) => c.k === k && c.length === 'long' && c.variant === variant);
  for (const k of opts.latency.ks) {
    const fast = lat(k, 'fast');
    const pruned = lat(k, 'pruned');
    const full = lat(k, 'full');
    if (!fast || !pruned || !full) continue;
    headline.push({
      figure: `time to first token / full RPS, k=${k}, long answers (HTTP, paired per round): fast | default`,
      value: `${fmt(fast.ttftVsFull)}× (${fmt(fast.ttftMs.median)} ms vs ${fmt(full.ttftMs.median)} ms) | ${fmt(pruned.ttftVsFull)}×`,
      target: '≤ 0.5×',
      met: fast.ttftVsFull <= 0.5,
    });
    headline.push({
      figure: `upstream tokens written / counted in usage, k=${k}, long (HTTP): default | fast | full`,
      value: `${fmt(pruned.writtenVsCounted)} | ${fmt(fast.writtenVsCounted)} | ${fmt(full.writtenVsCounted)} (wrote ${fmt(pruned.upstreamTokens.median)} | ${fmt(fast.upstreamTokens.median)} | ${fmt(full.upstreamTokens.median)})`,
    });
  }
  const single = lat(8, 'single');
  const full8 = lat(8, 'full');
  if (single && full8) {
    headline.push({
      figure: 'total latency, default / fast / full RPS / single call, k=8, long',
      value: `${fmt(lat(8, 'pruned')!.totalMs.median)} / ${fmt(lat(8, 'fast')!.totalMs.median)} / ${fmt(full8.totalMs.median)} / ${fmt(single.totalMs.median)} ms`,
    });
  }
  const sys = prefix.find((p) => p.placement === 'system');
  const suf = prefix.find((p) => p.placement === 'suffix');
  if (sys && suf) {
    headline.push({
      figure: `tokens shared by all k=${suf.k} prompts, placement system → suffix`,
      value: `${fmt(sys.sharedTokens)} → ${fmt(suf.sharedTokens)} of ${fmt(suf.promptTokens)}; quality suffix vs system ${pct(placement.score.value)}% [${pct(placement.score.lo)}, ${pct(placement.score.hi)}]`,
    });
  }

  const qualityRows = cells.map((c) => [
    c.setting ?? 'default',
    rankedBy(c),
    c.length,
    c.k,
    c.rho,
    c.n,
    fmt(c.fullTokens),
    fmt(c.prunedTokens),
    `${fmt(c.tokenRatio)}×`,
    `${pct(c.committedShare)}%`,
    `${pct(c.samePick)}%`,
    `${c.wins}/${c.losses}/${c.ties}`,
    ci(c.score, pct),
    ci(change(c)),
    ci(c.winRate, pct),
    ci(c.diff),
  ]);
  const sweepRows = sweep.map((c) => [
    c.label,
    c.n,
    fmt(c.prunedTokens),
    `${fmt(saved(c))}%`,
    `${fmt(c.tokenRatio)}×`,
    ci(change(c)),
    `${c.wins}/${c.losses}/${c.ties}`,
  ]);
  const latencyRows = latency.map((c) => [
    c.length,
    c.k,
    c.variant,
    fmt(c.ttftMs.median),
    fmt(c.totalMs.median),
    fmt(c.ttftVsFull),
    fmt(c.totalVsFull),
    fmt(c.ttftVsSingle),
    fmt(c.totalVsSingle),
    fmt(c.upstreamTokens.median),
    fmt(c.countedTokens.median),
    fmt(c.writtenVsCounted),
  ]);
  const prefixRows = prefix.map((p) => [
    p.placement,
    p.k,
    fmt(p.promptTokens),
    fmt(p.sharedTokens),
    `${pct(p.share)}%`,
  ]);

  const plot = 'pruning-tradeoff.svg';
  const family = (commit: boolean, forecast: boolean) =>
    sweep
      .filter((c) => c.label.includes('commit') === commit && c.label.includes('forecast') === forecast)
      .map((c) => ({ x: saved(c), y: change(c).value, lo: change(c).lo, hi: change(c).hi }))
      .sort((a, b) => a.x - b.x);
  const svg = lineChart({
    title: `Tokens saved vs win-rate change, k=8, long answers, ρ=${opts.sweepRho} (95% CI)`,
    xLabel: 'upstream completion tokens saved, %',
    yLabel: 'pruned − full win rate, points',
    refLines: [
      { y: 0, label: 'no change' },
      { y: -1, label: 'target −1' },
    ],
    series: [
      { name: 'survivors finish, raw partial scores', points: family(false, false) },
      { name: 'survivors finish, learned forecast', points: family(false, true) },
      { name: 'last point keeps one (early streaming), raw', dashed: true, points: family(true, false) },
      { name: 'last point keeps one (early streaming), forecast', dashed: true, points: family(true, true) },
    ],
  });

  const part: PartResult<PruningResults> = {
    schema: SCHEMA,
    part: 'pruning',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined },
    models: {
      upstream: {
        simulated: true,
        coverage: opts.world.coverage,
        qualitySpread: opts.world.qualitySpread,
        latency: opts.latency.upstream,
      },
      scorer: { reference: true, device: 'cpu' },
    },
    headline,
    tables: [
      {
        title: `Pruned vs full RPS on the same prompts and candidates (target ${opts.world.angleDeg}°), judged by the simulator's true attributes`,
        columns: [
          'settings',
          'partials ranked by',
          'answers',
          'k',
          'ρ',
          'n',
          'tokens full',
          'tokens pruned',
          'full / pruned',
          'committed early',
          'same pick',
          'W/L/T',
          'win rate % (ties ½) [95% CI]',
          'change, points',
          'win rate % (ties excluded) [Wilson]',
          'mean true-reward change',
        ],
        rows: qualityRows,
      },
      {
        title: `Schedule sweep, k=8, long answers, ρ=${opts.sweepRho}`,
        columns: [
          'decision points',
          'n',
          'tokens pruned',
          'saved',
          'full / pruned',
          'change, points [95% CI]',
          'W/L/T',
        ],
        rows: sweepRows,
      },
      {
        title: `Latency over HTTP (upstream ttft ${opts.latency.upstream.ttftMs} ms + ${opts.latency.upstream.tokensPerSecond} tok/s, ${opts.latency.rounds} rounds, one client)`,
        columns: [
          'answers',
          'k',
          'variant',
          'TTFT ms',
          'total ms',
          'TTFT / full',
          'total / full',
          'TTFT / single',
          'total / single',
          'upstream tokens written',
          'tokens in usage',
          'written / counted',
        ],
        rows: latencyRows,
      },
      {
        title: `Prompt prefix shared by all k candidates (Llama-3 template and tokenizer); quality of suffix vs system: ${ci(placement.score, pct)}% over ${placement.n} prompts, W/L/T ${placement.wins}/${placement.losses}/${placement.ties}`,
        columns: ['placement', 'k', 'prompt tokens', 'shared prefix tokens', 'shared'],
        rows: prefixRows,
      },
    ],
    notes: [
      "Judge: the simulator's true attributes (helpfulness = token share of fresh on-topic sentences, verbosity = log length; upstream-sim README) projected on the target. The reference reward model selects and never judges.",
      `Simulator: competence falls off outside ${opts.world.coverage.fromDeg}°…${opts.world.coverage.toDeg}° (σ 25°), answers differ in latent quality (qualitySpread ${opts.world.qualitySpread}); ρ is the correlation between an answer's opening (first quarter) and its rest. Long answers: lengthScale 6, max_tokens 768; short: the simulator's natural 25–120 tokens.`,
      'Win rate (ties ½) = P(pruned picks a truly better answer) + ½ P(same truth); 50% = no change. Interval: normal approximation over prompts. Ties are mostly the same candidate picked by both.',
      'Tokens (quality tables) are what the in-process simulator generated: it stops the moment a stream stops being read. Over HTTP (latency table) the upstream writes on while a round is decided; prefsel reads on meanwhile and counts every token it receives up to the abort, so only the chunks in flight at the abort are written but not counted (written / counted column; the simulator’s own count of what it wrote against the response’s usage).',
      "Settings: default = schedule 192, 320, keep 0.5, survivors finish and are chosen on whole answers; fast = 64, 128, 256, keep 0.5, the last point keeps one (commit_at_last), which then streams early, with partial answers ranked by the learned forecast (forecast: true). Partials ranked by: the learned forecast (fast), the reward model's raw partial scores (default; and the fast cuts without forecast), or, as diagnostics, the simulator's truth of the prefix (oracle-prefix: a perfect judge of the text so far) or of the whole answer it begins (oracle-final: perfect foresight).",
      "Learned forecast (middleware/prune-forecast.ts): per model and decision point, a ridge regression from a candidate's partial scores and its direction to its final scores, fitted within requests from uncut 'learning' runs and labelled by the reward model's own final scores (never by the simulator's truth). Each simulated world learns on its own training prompts (ids from 1,000,000, disjoint from the cell's) until the forecast is in use (the engine's 50 learning runs, a few more when concurrent requests start learning together); during the cell one request in 50 is still a learning run, as in a deployment: it runs uncut (full RPS; a tie by construction) and its tokens are counted in the cell's.",
      'Latency: one client, each round sends the same prompt and seed as a single call (strategy none, streamed through), full RPS (replayed after selection) and pruned RPS with the default and the fast settings (early streaming where one is left), in rotating order; ratios are medians of per-round ratios.',
      'Prefix sharing: the directive in the system turn (default, faithful to the method) makes the k prompts diverge after the first words of the directive; `suffix` appends it to the last user turn, so the conversation is a common prefix an upstream with prefix caching (vLLM) can reuse. The simulator follows a directive wherever it is placed, so the quality comparison only shows that prefsel’s pipeline treats both alike; a real model’s adherence to a moved directive must be measured on that model.',
    ],
    plots: [plot],
    results,
  };
  return { part, svgs: { [plot]: svg } };
}
