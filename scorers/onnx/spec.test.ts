import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '../../core/errors.js';
import { REFERENCE_ATTRIBUTES } from '../reference/graph.js';
import { ensureReferenceModel } from '../reference/model-dir.js';
import { readModelAttributes } from './spec.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-spec-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readModelAttributes', () => {
  it('Should name the attributes from config.json and prefsel.json alone (no tokenizer, no graph)', async () => {
    const dir = join(root, 'head-only');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ id2label: { 0: 'a', 1: 'b', 2: 'c' } }));
    expect(await readModelAttributes(dir)).toEqual(['a', 'b', 'c']);
    writeFileSync(
      join(dir, 'prefsel.json'),
      JSON.stringify({
        attributes: [
          { index: 2, name: 'helpfulness' },
          { label: 'a', name: 'verbosity' },
        ],
      }),
    );
    expect(await readModelAttributes(dir)).toEqual(['helpfulness', 'verbosity']);
  });

  it("Should agree with the reference model's attributes", async () => {
    expect(await readModelAttributes(await ensureReferenceModel())).toEqual([...REFERENCE_ATTRIBUTES]);
  });

  it('Should fail as loading would, naming the file', async () => {
    await expect(readModelAttributes(join(root, 'missing'))).rejects.toBeInstanceOf(ModelLoadError);
    const dir = join(root, 'bad-sidecar');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ num_labels: 2 }));
    writeFileSync(join(dir, 'prefsel.json'), JSON.stringify({ attributes: [{ label: 'zzz', name: 'x' }] }));
    await expect(readModelAttributes(dir)).rejects.toThrow(/prefsel\.json.*zzz/);
  });
});
