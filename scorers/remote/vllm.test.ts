/**
 * The vLLM scorer against a local server built from vLLM's documented `/classify` shapes, whose scores come from the
 * embedded reference model (so remote scores can be compared with embedded ones exactly):
 * - https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html#classification-api
 * - request/response: vllm/entrypoints/pooling/classify/protocol.py (`ClassificationChatRequest`: `model`, `messages`,
 *   `add_generation_prompt` default false, `use_activation` (null = the pooler's activation, false = raw logits),
 *   `truncate_prompt_tokens`, `truncation_side`; removed parameters such as `normalize` are a validation error;
 *   answer `{id, object: "list", created, model, data: [{index, label, probs, num_classes}], usage}`)
 * - errors: `{"error": {"message", "type", "param", "code"}}`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteScorerError } from '../../core/errors.js';
import type { ScoreInput } from '../../core/ports.js';
import { createOnnxScorer, ensureReferenceModel, type OnnxScorer } from '../index.js';
import { createVllmScorer } from './vllm.js';

const quiet = { info() {}, warn() {} };
let modelDir: string;
let embedded: OnnxScorer;
beforeAll(async () => {
  modelDir = await ensureReferenceModel();
  embedded = await createOnnxScorer({ modelDir, device: 'cpu', workers: 1, logger: quiet });
});
afterAll(async () => embedded?.close());

interface Mock {
  url: string;
  requests: Array<Record<string, unknown>>;
  kill(): Promise<void>;
}

const vllmError = (message: string, code: number) => ({
  error: { message, type: code === 404 ? 'NotFoundError' : 'BadRequestError', param: null, code },
});

/** A vLLM pooling server in miniature: `/health`, `/v1/models`, `/classify` with `messages`. */
async function startVllm(model = 'reward'): Promise<Mock> {
  const requests: Array<Record<string, unknown>> = [];
  const app = new Hono();
  app.get('/health', (c) => c.body(null, 200));
  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: [{ id: model, object: 'model', owned_by: 'vllm', max_model_len: 4096 }] }),
  );
  app.post('/classify', async (c) => {
    const body = (await c.req.json()) as Record<string, unknown>;
    requests.push(body);
    if (body.model !== undefined && body.model !== model)
      return c.json(vllmError(`The model \`${String(body.model)}\` does not exist.`, 404), 404);
    for (const removed of ['normalize', 'task']) {
      if (removed in body) return c.json(vllmError(`${removed} is not a valid parameter`, 400), 400);
    }
    const messages = body.messages as Array<{ role: string; content: string }> | undefined;
    if (!Array.isArray(messages) || messages.length < 2 || messages.at(-1)!.role !== 'assistant') {
      return c.json(vllmError('expected messages ending with the assistant turn to classify', 400), 400);
    }
    if (body.add_generation_prompt === true)
      return c.json(vllmError('this mock renders without a generation prompt', 400), 400);
    // vLLM renders the conversation with the model's chat template; the embedded scorer does exactly that.
    const input: ScoreInput = {
      messages: messages.slice(0, -1) as ScoreInput['messages'],
      response: messages.at(-1)!.content,
    };
    const [raw] = await embedded.scoreTokens([embedded.encode(input)]);
    const probs = body.use_activation === false ? raw! : softmax(raw!);
    const best = probs.indexOf(Math.max(...probs));
    return c.json({
      id: 'classify-0123',
      object: 'list',
      created: 1745383213,
      model,
      data: [{ index: 0, label: embedded.spec.labels[best], probs, num_classes: probs.length }],
      usage: { prompt_tokens: 10, total_tokens: 10, completion_tokens: 0, prompt_tokens_details: null },
    });
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    kill: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function softmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const inputs: ScoreInput[] = [
  { messages: [{ role: 'user', content: 'What is the capital of France?' }], response: 'Paris.' },
  {
    messages: [
      { role: 'developer', content: 'Be brief.' },
      { role: 'user', content: 'Name a prime between ten and twenty.' },
    ],
    response: 'Thirteen; also eleven, seventeen and nineteen.',
  },
];

describe('vLLM /classify scorer', () => {
  it('sends messages with use_activation false and scores exactly as the embedded model', async () => {
    const mock = await startVllm();
    const scorer = await createVllmScorer({
      name: 'rm',
      endpoints: [mock.url],
      model: 'reward',
      modelDir,
      logger: quiet,
      maxLength: 512,
    });
    try {
      expect(scorer.attributes).toEqual(embedded.attributes);
      const rows = await scorer.score(inputs);
      const expected = await embedded.score(inputs);
      rows.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 4)));
      const sent = mock.requests.at(-1)!;
      expect(sent).toMatchObject({
        model: 'reward',
        use_activation: false,
        truncate_prompt_tokens: 512,
        truncation_side: 'left',
      });
      expect((sent.messages as Array<{ role: string }>).map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
    } finally {
      await scorer.close();
      await mock.kill();
    }
  });

  it('takes the labels as attributes without a model directory, and refuses a server of another width', async () => {
    const mock = await startVllm();
    try {
      const scorer = await createVllmScorer({
        name: 'rm',
        endpoints: [mock.url],
        model: 'reward',
        labels: [...embedded.spec.labels],
        logger: quiet,
      });
      expect(scorer.attributes).toEqual(embedded.spec.labels);
      await scorer.close();
      const err = await createVllmScorer({
        name: 'rm',
        endpoints: [mock.url],
        model: 'reward',
        labels: ['a', 'b'],
        startupTimeoutMs: 0,
        logger: quiet,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RemoteScorerError);
      expect((err as Error).message).toMatch(/gives 3 scores; the labels name 2/);
      const missing = await createVllmScorer({
        name: 'rm',
        endpoints: [mock.url],
        model: 'other',
        startupTimeoutMs: 0,
        labels: ['a'],
        logger: quiet,
      }).catch((e: unknown) => e);
      expect((missing as Error).message).toMatch(/model other is not served \(serves reward\)/);
    } finally {
      await mock.kill();
    }
  });

  it('fails over when one of two servers dies, and names the scorer when both are gone', async () => {
    const [a, b] = await Promise.all([startVllm(), startVllm()]);
    const scorer = await createVllmScorer({
      name: 'rm',
      endpoints: [a.url, b.url],
      model: 'reward',
      modelDir,
      logger: quiet,
      healthIntervalMs: 60_000,
    });
    try {
      await scorer.score(inputs);
      expect(a.requests.length).toBeGreaterThan(0);
      expect(b.requests.length).toBeGreaterThan(0);
      await a.kill();
      const rows = await Promise.all(Array.from({ length: 6 }, () => scorer.score(inputs)));
      expect(rows.every((r) => r.length === 2)).toBe(true);
      expect(scorer.endpoints()[0]!.healthy).toBe(false);
      await b.kill();
      const err = (await scorer.score(inputs).catch((e: unknown) => e)) as RemoteScorerError;
      expect(err).toBeInstanceOf(RemoteScorerError);
      expect(err.message).toMatch(/^Scorer rm /);
      expect(err.message).not.toContain('127.0.0.1');
    } finally {
      await scorer.close();
    }
  });
});
