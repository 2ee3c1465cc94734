/**
 * The README block of the scale part is rewritten from a result's own tables and provenance, and only between its
 * markers; a file without them is left alone.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStamp, SCHEMA, type PartResult } from './report.js';
import { updateScaleTables } from './scale-report.js';

const dir = mkdtempSync(join(tmpdir(), 'prefsel-scale-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result: PartResult = {
  schema: SCHEMA,
  part: 'scale',
  stamp: makeStamp('npm run bench -- scale'),
  status: 'ok',
  config: {},
  models: {},
  headline: [],
  tables: [{ title: 'Limits', columns: ['store', 'admitted / limit'], rows: [['redis', '1.00']] }],
  notes: [],
  plots: [],
  results: null,
};

describe('updateScaleTables', () => {
  it('replaces only the block between the markers, with the tables and the command that made them', () => {
    const path = join(dir, 'README.md');
    writeFileSync(path, 'before\n<!-- scale-tables:start -->\nold\n<!-- scale-tables:end -->\nafter\n');
    expect(updateScaleTables(path, result)).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^before\n<!-- scale-tables:start -->\n/);
    expect(text).toContain('| redis | 1.00 |');
    expect(text).toContain('Run: `npm run bench -- scale`');
    expect(text).not.toContain('old');
    expect(text.endsWith('<!-- scale-tables:end -->\nafter\n')).toBe(true);
  });

  it('leaves a file without markers, and a failed result, alone', () => {
    const path = join(dir, 'OTHER.md');
    writeFileSync(path, 'no markers\n');
    expect(updateScaleTables(path, result)).toBe(false);
    expect(updateScaleTables(join(dir, 'README.md'), { ...result, status: 'failed' })).toBe(false);
  });
});
