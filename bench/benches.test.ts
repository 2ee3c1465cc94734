/**
 * Every benchmark part runs on its tiny setting and writes a well-formed result (envelope, part-specific results,
 * SVG plots, SUMMARY.md). No figure is asserted: on a shared 2-core machine timings say nothing in a test.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCli, runPart } from './cli.js';
import { PARTS, readPartResults, writePartResult, writeSummary, type PartName } from './report.js';
import { profilesResultsSchema } from './profiles.js';
import {
  e2eResultsSchema,
  overheadResultsSchema,
  partResultSchema,
  pruningResultsSchema,
  qualityResultsSchema,
  soakResultsSchema,
  stallResultsSchema,
} from './schema.js';

const SPECIFIC = {
  overhead: overheadResultsSchema,
  e2e: e2eResultsSchema,
  quality: qualityResultsSchema,
  pruning: pruningResultsSchema,
  profiles: profilesResultsSchema,
  soak: soakResultsSchema,
  stall: stallResultsSchema,
} as const;

async function runTiny(part: Exclude<PartName, 'scoring'>, outDir: string): Promise<void> {
  const result = await runPart(part, { ...parseCli([part, '--tiny', '--out', outDir]) });
  expect(result.error).toBeUndefined();
  writePartResult(result, outDir);
  const parsed = partResultSchema.parse(JSON.parse(readFileSync(join(outDir, `${part}.json`), 'utf8')));
  expect(parsed.status).toBe('ok');
  expect(parsed.headline.length).toBeGreaterThan(0);
  expect(parsed.tables[0]?.rows.length).toBeGreaterThan(0);
  expect(parsed.stamp.command).toContain(part);
  SPECIFIC[part].parse(parsed.results);
  for (const plot of parsed.plots) {
    const svg = readFileSync(join(outDir, plot), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined/);
  }
}

describe('benchmarks on tiny settings', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'prefsel-bench-'));

  it('parses the command line', () => {
    expect(parseCli([]).parts).toEqual([...PARTS]);
    expect(parseCli(['e2e', 'quality', '--quick'])).toMatchObject({
      parts: ['e2e', 'quality'],
      mode: 'quick',
      device: 'cpu',
    });
    expect(parseCli(['scoring', '--device', 'cuda']).device).toBe('cuda');
    expect(() => parseCli(['nope'])).toThrow(/unknown part/);
  });

  it('overhead: direct, prefsel (none) and Portkey against one simulated upstream', { timeout: 240_000 }, async () => {
    await runTiny('overhead', outDir);
  });

  it('e2e: RPS and single calls through prefsel', { timeout: 240_000 }, async () => {
    await runTiny('e2e', outDir);
  });

  it('quality: RPS vs best-of-n in-process', { timeout: 240_000 }, async () => {
    await runTiny('quality', outDir);
  });

  it('pruning: pruned vs full RPS in-process, and latency over HTTP', { timeout: 300_000 }, async () => {
    await runTiny('pruning', outDir);
  });

  it('profiles: learning curves in the simulated world and the lookup cost', { timeout: 240_000 }, async () => {
    await runTiny('profiles', outDir);
  });

  it(
    'soak: a faulty upstream, mixed requests and early disconnects through prefsel serve',
    { timeout: 240_000 },
    async () => {
      await runTiny('soak', outDir);
    },
  );

  it(
    'stall: /healthz while prefsel serves large inputs, and an input over the budget',
    { timeout: 300_000 },
    async () => {
      await runTiny('stall', outDir);
      const stall = readPartResults(outDir).find((p) => p.part === 'stall')!;
      expect(stall.status).toBe('ok');
      expect(stall.headline.at(-1)).toMatchObject({ met: true }); // over the budget: a 400, every time
    },
  );

  it('summary lists every part written', () => {
    const summary = readFileSync(writeSummary(outDir), 'utf8');
    for (const part of readPartResults(outDir)) expect(summary).toContain(`## ${part.part}`);
  });

  it('the CLI runs a part end to end and writes its files', { timeout: 240_000 }, async () => {
    const cliOut = mkdtempSync(join(tmpdir(), 'prefsel-bench-cli-'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/cli.ts', 'quality', '--tiny', '--out', cliOut],
      {
        timeout: 200_000,
      },
    );
    expect(stdout).toContain('quality: ok');
    partResultSchema.parse(JSON.parse(readFileSync(join(cliOut, 'quality.json'), 'utf8')));
    expect(existsSync(join(cliOut, 'SUMMARY.md'))).toBe(true);
  });
});
