/**
 * The shared bench helpers: statistics against hand-computed values, SVG well-formedness, and the result envelope
 * and summary writer. No benchmark figure is asserted anywhere in bench tests.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import {
  README_MARKERS,
  failedPart,
  makeStamp,
  markdownTable,
  renderSummary,
  updateReadmeSummary,
  writePartResult,
  writeSummary,
  SCHEMA,
  type PartResult,
} from './report.js';
import { bootstrap, median, percentile, ratio, spread, wilson } from './stats.js';
import { barChart, lineChart, niceTicks } from './svg.js';

describe('stats', () => {
  it('percentiles interpolate between ranks', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5], 25)).toBe(2);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(spread([5, 1, 3])).toMatchObject({ median: 3, min: 1, max: 5, n: 3 });
  });

  it('Wilson interval matches a textbook value and stays in [0, 1]', () => {
    const w = wilson(8, 10);
    expect(w.value).toBeCloseTo(0.8);
    expect(w.lo).toBeCloseTo(0.4902, 3);
    expect(w.hi).toBeCloseTo(0.9433, 3);
    expect(wilson(0, 5).lo).toBe(0);
    expect(wilson(5, 5).hi).toBe(1);
    expect(Number.isNaN(wilson(0, 0).value)).toBe(true);
  });

  it('bootstrap is seeded and brackets the mean', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const a = bootstrap(xs, { seed: 7 });
    expect(a).toEqual(bootstrap(xs, { seed: 7 }));
    expect(a.lo).toBeLessThan(a.value);
    expect(a.hi).toBeGreaterThan(a.value);
    expect(Number.isNaN(ratio(1, 0))).toBe(true);
  });
});

describe('svg', () => {
  it('draws parseable charts with NaN points skipped', () => {
    const line = lineChart({
      title: 'a < b',
      xLabel: 'x',
      yLabel: 'y',
      logX: true,
      band: { from: 1, to: 4, label: 'covered' },
      refLines: [{ y: 1.15, label: 'target' }],
      series: [
        {
          name: 's',
          points: [
            { x: 1, y: 1, lo: 0.5, hi: 1.5 },
            { x: 4, y: Number.NaN },
            { x: 16, y: 2 },
          ],
        },
      ],
    });
    const bars = barChart({
      title: 't',
      yLabel: 'ms',
      categories: ['p50'],
      series: [{ name: 'a', values: [{ y: 2, lo: 1, hi: 3 }] }],
    });
    for (const svg of [line, bars]) {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      expect(svg).not.toMatch(/NaN|undefined/);
    }
    expect(line).toContain('a &lt; b');
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe('report', () => {
  it('stamps the machine and writes JSON and a summary', () => {
    const stamp = makeStamp('npx tsx bench/cli.ts overhead');
    expect(stamp.machine.cores).toBeGreaterThan(0);
    expect(stamp.node).toBe(process.version);
    const dir = mkdtempSync(join(tmpdir(), 'prefsel-report-'));
    const part: PartResult = {
      schema: SCHEMA,
      part: 'overhead',
      stamp,
      status: 'ok',
      config: {},
      models: { upstream: 'sim' },
      headline: [{ figure: 'f', value: 'v', target: 't', met: true }],
      tables: [{ title: 'T', columns: ['a', 'b'], rows: [[1, 'x|y']] }],
      notes: ['n'],
      plots: ['overhead.svg'],
      results: { x: Number.NaN },
    };
    const path = writePartResult(part, dir);
    expect(JSON.parse(readFileSync(path, 'utf8')).results.x).toBeNull();
    writePartResult(failedPart('e2e', new Error('engine missing')), dir);
    const summary = readFileSync(writeSummary(dir), 'utf8');
    expect(summary).toContain('| overhead | f | v | t | yes |');
    expect(summary).toContain('engine missing');
    expect(renderSummary([])).toContain('# prefsel benchmark summary');
    expect(markdownTable({ columns: ['a'], rows: [['x|y']] })).toContain('x\\|y');

    const readme = join(dir, 'README.md');
    writeFileSync(readme, `# Bench\n\n${README_MARKERS.start}\nold\n${README_MARKERS.end}\n\nMore text.\n`);
    expect(updateReadmeSummary(readme, [part])).toBe(true);
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain('| overhead | f | v | t | yes |');
    expect(text).toContain('[overhead.svg](results/overhead.svg)');
    expect(text).not.toContain('old');
    expect(text.endsWith('More text.\n')).toBe(true);
  });
});
