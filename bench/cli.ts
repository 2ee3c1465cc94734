/**
 * @module bench/cli
 * `npm run bench [-- <part>… ] [--quick|--tiny] [--device cpu|cuda|auto] [--out DIR]`: runs the benchmark parts (all by
 * default: scoring, overhead, e2e, quality, pruning, profiles, soak, stall) one after another, writes `<out>/<part>.json`
 * and SVG plots after each, and regenerates `<out>/SUMMARY.md` from every part present. A part that fails (a dependency
 * missing, a crash) is recorded as failed in its JSON and in the summary; the others still run, and the exit code is 1.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { e2ePreset, runE2eBench } from './e2e.js';
import { overheadPreset, runOverheadBench } from './overhead.js';
import { pruningPreset, runPruningBench } from './pruning.js';
import { profilesPreset, runProfilesBench } from './profiles.js';
import { qualityPreset, runQualityBench } from './quality.js';
import { runSoakBench, soakPreset } from './soak.js';
import { runStallBench, stallPreset } from './stall.js';
import {
  PARTS,
  RESULTS_DIR,
  commandLine,
  failedPart,
  readPartResults,
  updateReadmeSummary,
  writePartResult,
  writeSummary,
  type Mode,
  type PartName,
  type PartResult,
} from './report.js';
import { adaptScoringResult } from './adapt-scoring.js';

/** Parsed command line. */
export interface CliOptions {
  parts: PartName[];
  mode: Mode;
  device: string;
  outDir: string;
  command: string;
}

/** Parses argv (without node and script). Throws on an unknown part. */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      tiny: { type: 'boolean', default: false },
      device: { type: 'string', default: 'cpu' },
      out: { type: 'string', default: RESULTS_DIR },
    },
  });
  const wanted = positionals.filter((p) => p !== 'all');
  for (const p of wanted) {
    if (!(PARTS as readonly string[]).includes(p))
      throw new Error(`unknown part "${p}"; expected one of: all, ${PARTS.join(', ')}`);
  }
  return {
    parts: wanted.length ? (wanted as PartName[]) : [...PARTS],
    mode: values.tiny ? 'tiny' : values.quick ? 'quick' : 'full',
    device: values.device ?? 'cpu',
    outDir: values.out ?? RESULTS_DIR,
    command: commandLine(argv),
  };
}

/**
 * Settings passed to `runScoringBench` per mode. Its own `quick` is a seconds-long smoke test on a toy model, which is
 * what `--tiny` wants; the suite's `--quick` instead keeps the issue's realistic 6-layer/384 shape with fewer cells.
 */
export function scoringSettings(mode: Mode): Record<string, unknown> {
  if (mode === 'tiny') return { quick: true };
  if (mode === 'quick')
    return { shapes: ['6x384'], concurrency: [1, 16], batchSizes: [1, 32], repeats: 2, requests: 16 };
  return {};
}

/** Runs one part and returns its result (a failed result rather than a throw). */
export async function runPart(part: PartName, cli: CliOptions): Promise<PartResult> {
  const common = { outDir: cli.outDir, command: cli.command };
  try {
    switch (part) {
      case 'scoring': {
        // Owned by the scorer's author; loaded lazily so the other parts run even when it is absent or broken.
        // A variable specifier keeps this file type-checking while bench/scoring.ts does not exist yet.
        const spec = './scoring.js';
        const mod = (await import(spec)) as { runScoringBench?: (o: Record<string, unknown>) => Promise<unknown> };
        if (typeof mod.runScoringBench !== 'function')
          throw new Error('bench/scoring.ts does not export runScoringBench');
        const raw = await mod.runScoringBench({
          ...scoringSettings(cli.mode),
          device: cli.device,
          outDir: cli.outDir,
          command: cli.command,
        });
        return adaptScoringResult(raw, { ...common, quick: cli.mode !== 'full', device: cli.device });
      }
      case 'overhead':
        return await runOverheadBench({ ...overheadPreset(cli.mode), ...common });
      case 'e2e':
        return await runE2eBench({ ...e2ePreset(cli.mode), ...common });
      case 'quality':
        return await runQualityBench({ ...qualityPreset(cli.mode), ...common });
      case 'pruning':
        return await runPruningBench({ ...pruningPreset(cli.mode), ...common });
      case 'profiles':
        return await runProfilesBench({ ...profilesPreset(cli.mode), ...common });
      case 'soak':
        return await runSoakBench({ ...soakPreset(cli.mode), ...common });
      case 'stall':
        return await runStallBench({ ...stallPreset(cli.mode), ...common });
    }
  } catch (err) {
    console.error(`[bench] ${part} failed:`, err);
    const failed = failedPart(part, err, { mode: cli.mode, device: cli.device });
    failed.stamp.command = cli.command;
    return failed;
  }
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  mkdirSync(cli.outDir, { recursive: true });
  let failures = 0;
  for (const part of cli.parts) {
    const t0 = performance.now();
    console.log(`[bench] ${part} (${cli.mode}) …`);
    const result = await runPart(part, cli);
    writePartResult(result, cli.outDir);
    writeSummary(cli.outDir);
    if (result.status === 'failed') failures++;
    const secs = ((performance.now() - t0) / 1000).toFixed(0);
    console.log(`[bench] ${part}: ${result.status} in ${secs} s`);
    for (const h of result.headline) {
      const verdict = h.met === true ? 'met' : h.met === false ? 'not met' : 'for comparison';
      console.log(`  ${h.figure}: ${h.value}${h.target ? ` (target ${h.target}: ${verdict})` : ''}`);
    }
  }
  // The committed READMEs show the latest headline table, but only for runs into the committed results folder; a
  // README takes part by carrying the markers (bench/README.md does; the root README may).
  if (resolve(cli.outDir) === RESULTS_DIR) {
    const parts = readPartResults(cli.outDir);
    updateReadmeSummary(resolve(RESULTS_DIR, '..', 'README.md'), parts, 'results');
    updateReadmeSummary(resolve(RESULTS_DIR, '..', '..', 'README.md'), parts, 'bench/results');
  }
  console.log(`[bench] summary: ${cli.outDir}/SUMMARY.md`);
  process.exitCode = failures ? 1 : 0;
}

// Run only as the entry point, so tests can import parseCli/runPart.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
