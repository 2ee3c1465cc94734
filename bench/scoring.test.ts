import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScoringBench } from './scoring.js';
import type { ScoringCell } from './scoring.js';

describe('scoring benchmark', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prefsel-bench-scoring-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('Should run on a tiny setting and write well-formed JSON, markdown and a plot', async () => {
    const result = await runScoringBench({
      quick: true,
      concurrency: [1, 16],
      batchSizes: [2],
      repeats: 1,
      requests: 2,
      outDir: join(dir, 'results'),
      modelsDir: join(dir, 'models'),
      log: () => {},
    });
    const json = JSON.parse(readFileSync(join(dir, 'results', 'scoring.json'), 'utf8')) as typeof result;
    expect(json).toMatchObject({
      schema: 'prefsel-bench/1',
      part: 'scoring',
      status: 'ok',
      config: { weights: 'random weights' },
    });
    const cells = json.results!.cells as ScoringCell[];
    // 3 engines × 2 concurrency levels + 2 sequential engines × 1 batch size.
    expect(cells).toHaveLength(8);
    for (const c of cells) {
      expect(c.candidatesPerSec.median).toBeGreaterThan(0);
      expect(c.tokensPerSec.median).toBeGreaterThan(c.candidatesPerSec.median);
    }
    expect(json.headline).toHaveLength(1);
    expect(json.headline[0]!.figure).toMatch(/concurrency 16.*random weights/);
    expect(readFileSync(join(dir, 'results', 'scoring.md'), 'utf8')).toMatch(/RANDOM weights/);
    expect(readFileSync(join(dir, 'results', 'scoring-concurrency.svg'), 'utf8')).toMatch(/^<svg/);
  });
});
