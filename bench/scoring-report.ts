/**
 * @module bench/scoring-report
 * Turns the scoring benchmark's cells into the suite's result envelope: headline ratios at concurrency 16,
 * tables, method notes, a plot, and `scoring.json` + `scoring.md` on disk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, makeStamp, markdownTable, SCHEMA, writePartResult } from './report.js';
import type { Headline, PartResult, Table } from './report.js';
import type { ScoringCell } from './scoring.js';
import { lineChart } from './svg.js';

/** What the report needs besides the cells. */
export interface ScoringReportContext {
  readonly quick: boolean;
  readonly device: string;
  readonly shapes: readonly string[];
  readonly concurrency: readonly number[];
  readonly batchSizes: readonly number[];
  readonly repeats: number;
  readonly requests: number;
  readonly outDir: string | null;
  readonly models: Record<string, unknown>;
  readonly notes: readonly string[];
  readonly command?: string;
}

const TJS = 'transformers.js pipeline';
const DYN = 'prefsel (dynamic batching)';
const range = (s: { median: number; min: number; max: number; n: number }) =>
  s.n > 1 ? `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]` : fmt(s.median);

function ratios(cells: readonly ScoringCell[]) {
  const conc = cells.filter((c) => c.mode === 'concurrency');
  return conc
    .filter((c) => c.engine === DYN)
    .flatMap((d) => {
      const t = conc.find((c) => c.engine === TJS && c.model === d.model && c.device === d.device && c.x === d.x);
      return t
        ? [
            {
              model: d.model,
              device: d.device,
              concurrency: d.x,
              wall: d.candidatesPerSec.median / t.candidatesPerSec.median,
              cpu: d.candidatesPerCpuSec.median / t.candidatesPerCpuSec.median,
            },
          ]
        : [];
    });
}

/** Builds (and unless `outDir` is null, writes) the scoring result. */
export function scoringReport(cells: ScoringCell[], ctx: ScoringReportContext): PartResult<{ cells: ScoringCell[] }> {
  const r = ratios(cells);
  const headline: Headline[] = r
    .filter((x) => x.concurrency === 16)
    .map((x) => ({
      figure: `prefsel ÷ transformers.js throughput, concurrency 16, ${x.model} (random weights), ${x.device}`,
      value: `${fmt(x.wall)}× wall-clock (${fmt(x.cpu)}× per CPU-second)`,
      target: '≥ 2× (2-core machine)',
      met: x.wall >= 2,
    }));
  const tables: Table[] = [
    {
      title: 'Throughput against concurrency (each request: 1 prompt, 5 candidates; random weights)',
      columns: [
        'model',
        'device',
        'concurrency',
        'engine',
        'candidates/s',
        'tokens/s',
        'candidates per CPU-s',
        'p50 request ms',
        'mean batch',
      ],
      rows: cells
        .filter((c) => c.mode === 'concurrency')
        .map((c) => [
          c.model,
          c.provider,
          c.x,
          c.engine,
          range(c.candidatesPerSec),
          fmt(c.tokensPerSec.median),
          fmt(c.candidatesPerCpuSec.median),
          fmt(c.p50LatencyMs),
          fmt(c.meanBatchSize),
        ]),
    },
    {
      title: 'prefsel (dynamic batching) ÷ transformers.js',
      columns: ['model', 'device', 'concurrency', 'wall-clock ratio', 'per-CPU-second ratio'],
      rows: r.map((x) => [x.model, x.device, x.concurrency, `${fmt(x.wall)}×`, `${fmt(x.cpu)}×`]),
    },
    {
      title: 'Throughput against batch size (one call at a time)',
      columns: ['model', 'device', 'batch size', 'engine', 'candidates/s', 'tokens/s'],
      rows: cells
        .filter((c) => c.mode === 'batch')
        .map((c) => [c.model, c.provider, c.x, c.engine, range(c.candidatesPerSec), fmt(c.tokensPerSec.median)]),
    },
  ];
  const notes = [
    'All models have RANDOM weights: BERT-shaped sequence classifiers built from code (bench/scoring-models.ts); shape and cost are real, scores are meaningless.',
    'Both engines load the same directory (config.json, WordPiece tokenizer.json, onnx/model.onnx) with the same onnxruntime-node, in the same process; engines alternate within each repeat so background load hits all of them.',
    'Workload: prompts of 15–60 words, 5 responses of 10–250 words each (k = 5 as in RPS), truncated at 512 tokens. prefsel scores (prompt, response) as a text pair; transformers.js classifies "prompt\\n\\nresponse" (one [SEP] fewer). tokens/s counts prefsel\'s tokens for both.',
    "prefsel (no dynamic batching) scores each request's 5 candidates as one batch, like the pipeline does; dynamic batching merges concurrent requests and groups candidates by length (maxPadding 0.02 on CPU). Both prefsel modes run one single-threaded session per core in worker threads; the pipeline runs one session with ONNX Runtime's default threading in the main thread.",
    "candidates per CPU-s divides by the process's CPU time (all threads): steadier than wall-clock when other work shares the machine. The stamp's load average says how busy it was.",
    `Medians over ${ctx.repeats} repeat(s); [min–max] shown when repeated.`,
    ...ctx.notes,
  ];
  const plots: string[] = [];
  const result: PartResult<{ cells: ScoringCell[] }> = {
    schema: SCHEMA,
    part: 'scoring',
    stamp: makeStamp(ctx.command ?? 'npx tsx bench/scoring.ts'),
    status: 'ok',
    config: {
      quick: ctx.quick,
      device: ctx.device,
      shapes: ctx.shapes,
      concurrency: ctx.concurrency,
      batchSizes: ctx.batchSizes,
      repeats: ctx.repeats,
      requests: ctx.requests,
      candidatesPerRequest: 5,
      weights: 'random weights',
    },
    models: ctx.models,
    headline,
    tables,
    notes,
    plots,
    results: { cells },
  };
  if (ctx.outDir !== null) {
    mkdirSync(ctx.outDir, { recursive: true });
    const last = cells.filter((c) => c.mode === 'concurrency').at(-1);
    if (last) {
      const mine = cells.filter((c) => c.mode === 'concurrency' && c.model === last.model && c.device === last.device);
      const names = [...new Set(mine.map((c) => c.engine))];
      const svg = lineChart({
        title: `Scoring throughput, ${last.model} (random weights), ${last.device}`,
        xLabel: 'concurrent clients',
        yLabel: 'candidates/s',
        logX: true,
        series: names.map((name) => ({
          name,
          dashed: name === TJS,
          points: mine
            .filter((c) => c.engine === name)
            .map((c) => ({
              x: c.x,
              y: c.candidatesPerSec.median,
              lo: c.candidatesPerSec.min,
              hi: c.candidatesPerSec.max,
            })),
        })),
      });
      writeFileSync(join(ctx.outDir, 'scoring-concurrency.svg'), svg);
      plots.push('scoring-concurrency.svg');
    }
    writePartResult(result, ctx.outDir);
    const md = [
      `# Scoring benchmark`,
      '',
      `Command: \`${result.stamp.command}\` — ${result.stamp.date}, ${result.stamp.machine.cpuModel}, ${result.stamp.machine.cores} cores (load ${result.stamp.machine.loadavg1}).`,
      '',
    ];
    for (const h of headline)
      md.push(`- **${h.figure}**: ${h.value} (target ${h.target}: ${h.met ? 'met' : 'not met'})`);
    md.push('');
    for (const t of tables) md.push(`**${t.title}**`, '', markdownTable(t), '');
    md.push(...notes.map((n) => `- ${n}`), '');
    writeFileSync(join(ctx.outDir, 'scoring.md'), md.join('\n'));
  }
  return result;
}
