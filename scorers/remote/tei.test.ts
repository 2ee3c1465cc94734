/**
 * The TEI scorer against a local server built from text-embeddings-inference's documented shapes, scoring with an
 * embedded tiny BERT pair classifier (so remote scores can be compared with embedded ones):
 * - https://huggingface.github.io/text-embeddings-inference/ (OpenAPI: `/predict`, `/info`, `/health`)
 * - router/src/http/types.rs: `PredictInput` is a string, a pair `[a, b]`, or a batch `[[a], [a, b], …]`;
 *   `truncation_direction` deserializes from the variant names `"Left"` / `"Right"` (no serde rename);
 *   `raw_scores` defaults to false (activation applied); each answer is `[{score, label}, …]` sorted by score,
 *   highest first; `/info` has `model_type: {classifier: {id2label, label2id}}`; errors `{error, error_type}`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteScorerError } from '../../core/errors.js';
import type { ScoreInput } from '../../core/ports.js';
import { writeBertModelDir } from '../onnx-build/bert.js';
import { wordpieceVocab } from '../onnx-build/wordpiece.js';
import { createOnnxScorer, type OnnxScorer } from '../index.js';
import { createTeiScorer } from './tei.js';

const quiet = { info() {}, warn() {} };
const LABELS = ['helpfulness', 'verbosity', 'coherence', 'safety'];
let root: string;
let dir: string;
let embedded: OnnxScorer;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-tei-'));
  const vocab = wordpieceVocab(
    'the a cat dog sat on mat ran far away quickly slowly and then what where why'.split(' '),
    120,
  );
  dir = await writeBertModelDir(
    join(root, 'bert'),
    { layers: 2, hidden: 32, heads: 4, labels: LABELS, maxPosition: 128 },
    vocab,
  );
  embedded = await createOnnxScorer({ modelDir: dir, device: 'cpu', workers: 0, logger: quiet });
});
afterAll(async () => {
  await embedded?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Mock {
  url: string;
  bodies: Array<Record<string, unknown>>;
  /** Answers as sent (before the client maps them), to show that sorting changed the order. */
  answers: Array<Array<{ label: string }>>;
  kill(): Promise<void>;
}

const teiError = (c: { json: (b: unknown, s: 422) => Response }, error: string) =>
  c.json({ error, error_type: 'validation' }, 422);

/** A TEI classifier server in miniature. */
async function startTei(labels: readonly string[] = LABELS): Promise<Mock> {
  const bodies: Mock['bodies'] = [];
  const answers: Mock['answers'] = [];
  const app = new Hono();
  app.get('/health', (c) => c.body(null, 200));
  app.get('/info', (c) =>
    c.json({
      model_id: 'tiny-bert-rm',
      model_dtype: 'float32',
      model_type: {
        classifier: {
          id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
          label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
        },
      },
      max_concurrent_requests: 512,
      max_input_length: 128,
      max_batch_tokens: 16384,
      max_client_batch_size: 32,
      version: '1.8.0',
    }),
  );
  app.post('/predict', async (c) => {
    const body = (await c.req.json()) as Record<string, unknown>;
    bodies.push(body);
    const direction = body.truncation_direction ?? 'Right';
    if (direction !== 'Left' && direction !== 'Right') {
      return teiError(
        c,
        `Failed to deserialize the JSON body: truncation_direction: unknown variant \`${String(direction)}\`, expected \`Left\` or \`Right\``,
      );
    }
    const raw = body.inputs;
    const batch = Array.isArray(raw) && Array.isArray(raw[0]);
    const sequences = (batch ? raw : [typeof raw === 'string' ? [raw] : raw]) as string[][];
    if (sequences.length > 32) return teiError(c, `batch size ${sequences.length} > maximum allowed batch size 32`);
    if (!sequences.every((s) => Array.isArray(s) && (s.length === 1 || s.length === 2)))
      return teiError(c, 'invalid inputs');
    const encoded = sequences.map(([a, b]) =>
      b === undefined
        ? embedded.encodeText(a!)
        : embedded.encode({ messages: [{ role: 'user', content: a! }], response: b }),
    );
    const rows = await embedded.scoreTokens(encoded);
    const out = rows.map((row) => {
      const scores = body.raw_scores === true ? row : row.map((v) => 1 / (1 + Math.exp(-v)));
      return scores.map((score, i) => ({ score, label: labels[i]! })).sort((x, y) => y.score - x.score);
    });
    answers.push(...out);
    return c.json(batch ? out : out[0]);
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    answers,
    kill: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const words = 'the cat sat on the mat and then the dog ran far away quickly'.split(' ');
const inputs: ScoreInput[] = Array.from({ length: 40 }, (_, i) => ({
  messages: [{ role: 'user', content: `what ${words[i % words.length]} ${words[(i * 3) % words.length]}` }],
  response: words.slice(0, 2 + (i % 12)).join(' '),
}));

describe('TEI /predict scorer', () => {
  it('sends pairs with raw_scores and left truncation, maps sorted answers by label, equals the embedded model', async () => {
    const mock = await startTei();
    const scorer = await createTeiScorer({ name: 'deberta', endpoints: [mock.url], logger: quiet });
    try {
      expect(scorer.attributes).toEqual(LABELS);
      const rows = await scorer.score(inputs);
      const expected = await embedded.score(inputs);
      rows.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 4)));
      // Sorting by score really reordered some answers, so a positional reading would have been wrong.
      expect(mock.answers.some((a) => a.map((p) => p.label).join() !== LABELS.join())).toBe(true);
      // 40 inputs went as two batches within TEI's default max_client_batch_size of 32.
      expect(mock.bodies.map((b) => (b.inputs as unknown[]).length)).toEqual([32, 8]);
      expect(mock.bodies[0]).toMatchObject({ raw_scores: true, truncate: true, truncation_direction: 'Left' });
      expect((mock.bodies[0]!.inputs as string[][])[0]).toEqual(['what the the', 'the cat']);
    } finally {
      await scorer.close();
      await mock.kill();
    }
  });

  it('reads the model directory’s mapping when given one, and refuses a server with other labels', async () => {
    const mock = await startTei();
    const scorer = await createTeiScorer({ name: 'deberta', endpoints: [mock.url], modelDir: dir, logger: quiet });
    try {
      expect(scorer.attributes).toEqual(embedded.attributes);
      const rows = await scorer.score(inputs.slice(0, 3));
      const expected = await embedded.score(inputs.slice(0, 3));
      rows.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 4)));
    } finally {
      await scorer.close();
      await mock.kill();
    }
    const other = await startTei(['LABEL_0', 'LABEL_1', 'LABEL_2', 'LABEL_3']);
    try {
      const err = await createTeiScorer({
        name: 'deberta',
        endpoints: [other.url],
        modelDir: dir,
        logger: quiet,
        startupTimeoutMs: 0,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteScorerError);
      expect((err as Error).message).toMatch(/the server's labels \(LABEL_0.*\) are not .*config\.json's/);
    } finally {
      await other.kill();
    }
  });

  it('fails over between two servers and answers 503 once both are gone', async () => {
    const [a, b] = await Promise.all([startTei(), startTei()]);
    const scorer = await createTeiScorer({
      name: 'deberta',
      endpoints: [a.url, b.url],
      logger: quiet,
      healthIntervalMs: 60_000,
    });
    try {
      await a.kill();
      expect((await scorer.score(inputs.slice(0, 4))).length).toBe(4);
      await b.kill();
      await scorer.score(inputs.slice(0, 4)).catch(() => undefined);
      const err = (await scorer.score(inputs.slice(0, 4)).catch((e: unknown) => e)) as RemoteScorerError;
      expect(err.status).toBe(503);
      expect(err.message).toBe('Scorer deberta is unavailable: none of its 2 endpoint(s) is ready.');
    } finally {
      await scorer.close();
    }
  });
});
