import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOnnxScorer } from '../onnx/scorer.js';
import type { OnnxScorer } from '../onnx/scorer.js';
import { ensureReferenceModel } from './model-dir.js';

const quiet = { info() {}, warn() {} };
const question = {
  role: 'user' as const,
  content: 'What is the capital of France, and why did Paris become important historically?',
};
const ask = (response: string) => ({ messages: [question], response });

let dir: string;
let scorer: OnnxScorer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prefsel-ref-'));
  scorer = await createOnnxScorer({
    modelDir: await ensureReferenceModel(join(dir, 'reference')),
    device: 'cpu',
    logger: quiet,
  });
});
afterAll(async () => {
  await scorer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reference reward model', () => {
  it('Should expose helpfulness, verbosity and coherence', () => {
    expect(scorer.attributes).toEqual(['helpfulness', 'verbosity', 'coherence']);
    expect(scorer.info.family).toBe('decoder');
  });

  it('Should rate a longer answer as more verbose', async () => {
    const [short, long] = await scorer.score([
      ask('Paris is the capital of France.'),
      ask(
        'Paris is the capital of France. It grew on the Seine around the Île de la Cité, became the seat of the Capetian kings, ' +
          'and later a centre of trade, universities, art and diplomacy, which made it the political heart of the country.',
      ),
    ]);
    expect(long![1]).toBeGreaterThan(short![1]! + 10);
  });

  it('Should rate repetition as less coherent', async () => {
    const [varied, repeated] = await scorer.score([
      ask('Paris is the capital because the kings settled there and trade followed the river.'),
      ask(
        'Paris is the capital. Paris is the capital. Paris is the capital. Paris is the capital. Paris is the capital.',
      ),
    ]);
    expect(repeated![2]).toBeLessThan(varied![2]! - 20);
  });

  it('Should rate an on-topic answer as more helpful than an off-topic one, and a one-word one as less than a full one', async () => {
    const [onTopic, offTopic, oneWord] = await scorer.score([
      ask('Paris is the capital of France; it became important historically as the royal seat and a hub of trade.'),
      ask('Bananas are rich in potassium and grow best in warm, humid tropical climates with plenty of rain.'),
      ask('Paris.'),
    ]);
    expect(onTopic![0]).toBeGreaterThan(offTopic![0]! + 20);
    expect(onTopic![0]).toBeGreaterThan(oneWord![0]! + 20);
  });

  it('Should keep every attribute within 0–100 and score an empty response 0', async () => {
    const rows = await scorer.score([ask(''), ask('word '.repeat(2000))]);
    for (const row of rows)
      for (const v of row) (expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(100));
    expect(rows[0]).toEqual([0, 0, 0]);
  });

  it('Should build the same bytes every time and reuse an up-to-date directory', async () => {
    const again = await ensureReferenceModel(join(dir, 'reference'));
    expect(again).toBe(join(dir, 'reference'));
    const other = await ensureReferenceModel(join(dir, 'other'));
    const hash = (d: string) =>
      createHash('sha256')
        .update(readFileSync(join(d, 'onnx', 'model.onnx')))
        .digest('hex');
    expect(hash(other)).toBe(hash(again));
  });
});
