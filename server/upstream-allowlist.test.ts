/**
 * The client never controls the upstream call (issue 10 §1). Every attack goes through the real app, the real
 * generator and `@huggingface/inference` to a real local upstream that records what it receives, plus a second
 * recording server that stands for "anywhere else" (a client-chosen `endpointUrl`).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSelector } from '../middleware/create-selector.js';
import { createOpenAICompatibleGenerator } from '../middleware/generators/openai-compatible.js';
import { createFunctionScorer } from '../scorers/function.js';
import { startTestServer, type TestServer } from '../test/server-harness.js';
import { startSimulatedUpstream } from '../upstream-sim/index.js';

const OPERATOR_KEY = 'sk-OPERATOR-0123456789';
const messages = [{ role: 'user', content: 'What is a mutex?' }];

/** A plain HTTP server that records every request and answers 200 with a valid completion. */
async function startElsewhere(): Promise<{ url: string; hits: IncomingMessage[]; close(): Promise<void> }> {
  const hits: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req);
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: 'elsewhere',
        choices: [{ index: 0, message: { role: 'assistant', content: 'stolen' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('upstream body allow-list (HTTP)', () => {
  let server: TestServer;
  let elsewhere: Awaited<ReturnType<typeof startElsewhere>>;
  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });

  beforeAll(async () => {
    server = await startTestServer({
      sim: { apiKey: OPERATOR_KEY },
      upstreamApiKey: OPERATOR_KEY,
      app: { modelMap: { public: 'cheap' } },
    });
    elsewhere = await startElsewhere();
  });
  afterAll(async () => {
    await server.close();
    await elsewhere.close();
  });
  beforeEach(() => server.sim.reset());

  /** Every upstream request carried the operator's key, the mapped model and no client-chosen field. */
  function expectOnlyOperatorCalls(): void {
    for (const r of server.sim.received) {
      expect(r.headers.authorization).toBe(`Bearer ${OPERATOR_KEY}`);
      if (r.method === 'POST') expect(r.body?.model).toBe('cheap');
      expect(r.body?.n ?? 1).toBe(1);
    }
    expect(elsewhere.hits).toHaveLength(0);
  }

  it('`data` (a raw body hf would send verbatim) is a 400 naming the field and never reaches the upstream', async () => {
    const data = JSON.stringify({ model: 'gpt-4', messages, n: 64 });
    for (const strategy of ['rps', 'none']) {
      const res = await post({ model: 'public', messages, data }, { 'x-selection-strategy': strategy });
      expect(res.status).toBe(400);
      const json = (await res.json()) as ErrorJson;
      expect(json.error).toMatchObject({ param: 'data', code: 'unknown_parameter', type: 'invalid_request_error' });
      expect(json.error.message).toContain('`data`');
    }
    expect(server.sim.received).toHaveLength(0);
  });

  it.each([
    ['accessToken', 'sk-CLIENT'],
    ['accessToken', ''],
    ['endpointUrl', 'ELSEWHERE'],
    ['provider', 'together'],
    ['billTo', 'some-org'],
    ['urlTransform', 'x'],
    ['parameters', { max_new_tokens: 100000 }],
    ['inputs', 'hello'],
  ])('`%s` never takes effect (400 naming it, nothing sent anywhere)', async (field, value) => {
    const v = value === 'ELSEWHERE' ? elsewhere.url : value;
    for (const stream of [false, true]) {
      for (const strategy of ['rps', 'none']) {
        const res = await post({ model: 'public', messages, stream, [field]: v }, { 'x-selection-strategy': strategy });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorJson).error.param).toBe(field);
      }
    }
    expect(server.sim.received).toHaveLength(0);
    expectOnlyOperatorCalls();
  });

  it('a known parameter still reaches the upstream, with the operator key and the mapped model', async () => {
    const res = await post({ model: 'public', messages, frequency_penalty: 0.5, logit_bias: { '42': -10 } });
    expect(res.status).toBe(200);
    expect(server.sim.received.length).toBeGreaterThan(0);
    expect(server.sim.received[0]!.body).toMatchObject({ frequency_penalty: 0.5, logit_bias: { '42': -10 } });
    expectOnlyOperatorCalls();
  });

  it('an unknown top-level field is a 400 naming it, with the way to allow it', async () => {
    const res = await post({ model: 'public', messages, top_k: 40 });
    expect(res.status).toBe(400);
    const json = (await res.json()) as ErrorJson;
    expect(json.error.param).toBe('top_k');
    expect(json.error.message).toMatch(/--forward-params/);
    expect(server.sim.received).toHaveLength(0);
  });

  it('the prototype keys of a JSON object are plain unknown fields', async () => {
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: `{"model":"public","messages":${JSON.stringify(messages)},"__proto__":{"accessToken":"sk-CLIENT"}}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.param).toBe('__proto__');
    expect(server.sim.received).toHaveLength(0);
  });
});

describe('operator opt-in: forwardParams', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ forwardParams: ['top_k', 'chat_template_kwargs'] });
  });
  afterAll(() => server.close());

  it('forwards exactly the named extra fields, on selection and on pass-through streams', async () => {
    const body = {
      model: 'prefsel-sim',
      messages,
      top_k: 40,
      chat_template_kwargs: { enable_thinking: false },
    };
    const res = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const sent = server.sim.received.filter((r) => r.method === 'POST');
    expect(sent.length).toBeGreaterThan(1);
    for (const r of sent) expect(r.body).toMatchObject({ top_k: 40, chat_template_kwargs: { enable_thinking: false } });

    server.sim.reset();
    const stream = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...body, model: 'none:prefsel-sim', stream: true }),
    });
    expect(stream.status).toBe(200);
    expect(await stream.text()).toContain('[DONE]');
    expect(server.sim.received[0]!.body).toMatchObject({ top_k: 40, stream: true });

    const other = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...body, min_p: 0.1 }),
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as ErrorJson).error.param).toBe('min_p');
  });
});

describe('library path: createSelector with the default generator', () => {
  it('a hostile field in select() params is a 400 and nothing is sent', async () => {
    const sim = await startSimulatedUpstream({ record: true });
    try {
      const selector = createSelector({
        generator: createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: OPERATOR_KEY }),
        scorer: createFunctionScorer({ attributes: ['helpfulness', 'verbosity'], score: () => [0.5, 0.5] }),
      });
      const params = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
      for (const field of ['data', 'accessToken', 'endpointUrl', 'provider']) {
        await expect(
          selector.select({ params: { ...params, [field]: 'x' }, selection: { k: 3 } }),
        ).rejects.toMatchObject({ status: 400, param: field });
      }
      expect(sim.received).toHaveLength(0);
    } finally {
      await sim.close();
    }
  });
});
