/**
 * Raw HTTP against a running server: malformed and oversized bodies, wrong types, bad headers, unknown routes, and
 * the operational endpoints. Every non-2xx body is the OpenAI error shape and carries the request id.
 */
import { request as httpRequest } from 'node:http';
import { InferenceClient } from '@huggingface/inference';
import { startTestServer, type TestServer } from '../test/server-harness.js';

const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'prefsel-sim', messages: [{ role: 'user', content: 'What is a mutex?' }], ...extra });

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

function expectErrorShape(json: unknown): asserts json is ErrorJson {
  expect(json).toEqual({
    error: {
      message: expect.any(String),
      type: expect.any(String),
      param: expect.toSatisfy((p: unknown) => p === null || typeof p === 'string'),
      code: expect.any(String),
    },
  });
  expect(JSON.stringify(json)).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
}

/** A chunked upload (no Content-Length) of `size` bytes, through node:http so nothing buffers it first. */
function chunkedPost(url: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const piece = 'x'.repeat(16 * 1024);
    for (let sent = 0; sent < size; sent += piece.length) req.write(piece);
    req.end();
  });
}

describe('raw HTTP', () => {
  let server: TestServer;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  beforeAll(async () => {
    server = await startTestServer({ app: { bodyLimit: 64 * 1024 } });
  });
  afterAll(() => server.close());

  const bad: Array<[string, string, Record<string, string>, number, string | null]> = [
    ['malformed JSON', '{"model": "prefsel-sim", "messages": [', {}, 400, null],
    ['a JSON string', '"hello"', {}, 400, null],
    ['a number model', chatBody({ model: 42 }), {}, 400, 'model'],
    ['messages as an object', chatBody({ messages: { role: 'user' } }), {}, 400, 'messages'],
    ['a numeric content', chatBody({ messages: [{ role: 'user', content: 5 }] }), {}, 400, 'messages[0].content'],
    ['stream as a string', chatBody({ stream: 'yes' }), {}, 400, 'stream'],
    ['a negative max_tokens', chatBody({ max_tokens: -1 }), {}, 400, 'max_tokens'],
    ['a preference array', chatBody({ preference: [1, 2] }), {}, 400, 'preference'],
    ['a string k header', chatBody(), { 'x-selection-k': 'many' }, 400, 'selection.k'],
    ['a zero k header', chatBody(), { 'x-selection-k': '0' }, 400, 'selection.k'],
    ['a garbled X-Preference', chatBody(), { 'x-preference': '=,=' }, 400, 'preference'],
    [
      'an X-Preference with a word weight',
      chatBody(),
      { 'x-preference': 'helpfulness=lots' },
      400,
      'preference.helpfulness',
    ],
    ['an all-zero preference', chatBody({ preference: { helpfulness: 0, verbosity: 0 } }), {}, 400, 'preference'],
  ];
  it.each(bad)('Should answer %s with a 400 naming the field', async (_name, body, headers, status, param) => {
    const res = await post(body, headers);
    expect(res.status).toBe(status);
    const json: unknown = await res.json();
    expectErrorShape(json);
    expect(json.error.param).toBe(param);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('Should answer 413 to a huge body, declared or chunked', async () => {
    const declared = await post(chatBody({ pad: 'x'.repeat(200 * 1024) }));
    expect(declared.status).toBe(413);
    expectErrorShape(await declared.json());
    const chunked = await chunkedPost(`${server.baseURL}/chat/completions`, 1024 * 1024);
    expect(chunked.status).toBe(413);
    expectErrorShape(JSON.parse(chunked.body));
  });

  it('Should answer unknown routes and methods with a 404 in the OpenAI shape', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nothing'],
      ['GET', '/v1/chat/completions'],
      ['DELETE', '/v1/models'],
    ] as const) {
      const res = await fetch(`${server.origin}${path}`, { method });
      expect(res.status).toBe(404);
      const json: unknown = await res.json();
      expectErrorShape(json);
      expect(json.error.code).toBe('unknown_route');
    }
  });

  it('Should echo a valid request id and replace an unsafe one', async () => {
    const kept = await post('{', { 'x-request-id': 'trace-abc-123' });
    expect(kept.headers.get('x-request-id')).toBe('trace-abc-123');
    const replaced = await post('{', { 'x-request-id': 'bad id; drop table' });
    expect(replaced.headers.get('x-request-id')).not.toContain(' ');
  });

  it('Should accept a JSON body sent without a JSON content type', async () => {
    const res = await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: chatBody() });
    expect(res.status).toBe(200);
  });

  it('Should report health, readiness and metrics', async () => {
    expect(await (await fetch(`${server.origin}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = (await (await fetch(`${server.origin}/readyz`)).json()) as Record<string, any>;
    expect(ready.status).toBe('ready');
    expect(ready.checks.scorer).toMatchObject({ loaded: true, execution_provider: 'js' });
    expect(ready.checks.upstream).toMatchObject({ reachable: true, models: 1 });

    await post(chatBody());
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toMatch(
      /prefsel_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200"\} \d+/,
    );
    expect(metrics).toMatch(/prefsel_selection_stage_seconds_count\{stage="generation",strategy="rps"\} \d+/);
    expect(metrics).toMatch(/prefsel_selection_stage_seconds_count\{stage="scoring",strategy="rps"\} \d+/);
    expect(metrics).toMatch(/prefsel_candidates_total\{outcome="ok"\} \d+/);
    expect(metrics).toMatch(/prefsel_upstream_queue_depth\{state="waiting"\} 0/);
    expect(metrics).toContain('prefsel_scorer_info{model="function",execution_provider="js"} 1');
  });

  it('Should answer a conversation over the input-token budget with a 400 before calling the upstream', async () => {
    const small = await startTestServer({ selector: { maxInputTokens: 100 }, sim: { record: true } });
    try {
      const long = JSON.stringify({
        model: 'prefsel-sim',
        messages: [{ role: 'user', content: 'Why is the sky blue? '.repeat(50) }],
      });
      for (const body of [long, long.replace('{', '{"stream":true,')]) {
        const res = await fetch(`${small.baseURL}/chat/completions`, { method: 'POST', body });
        expect(res.status).toBe(400);
        const json: unknown = await res.json();
        expectErrorShape(json);
        expect(json.error).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
      }
      expect(small.sim.received).toHaveLength(0);
    } finally {
      await small.close();
    }
  });

  it('Should say not ready when the upstream is gone', async () => {
    const lonely = await startTestServer();
    await lonely.sim.close();
    const res = await fetch(`${lonely.origin}/readyz`);
    expect(res.status).toBe(503);
    const json = (await res.json()) as Record<string, any>;
    expect(json.status).toBe('not_ready');
    expect(json.error.code).toBe('not_ready');
    expect(json.checks.upstream.reachable).toBe(false);
    await lonely.close().catch(() => undefined);
  });
});

describe('@huggingface/inference client against prefsel', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('Should complete a chat through endpointUrl', async () => {
    const hf = new InferenceClient();
    const out = await hf.chatCompletion({
      endpointUrl: server.baseURL,
      model: 'prefsel-sim',
      messages: [{ role: 'user', content: 'Explain what a hash map is.' }],
      max_tokens: 100,
    });
    expect(out.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(out.usage.total_tokens).toBeGreaterThan(0);
  });

  it('Should stream a chat through endpointUrl', async () => {
    const hf = new InferenceClient();
    let text = '';
    for await (const chunk of hf.chatCompletionStream({
      endpointUrl: server.baseURL,
      model: 'prefsel-sim',
      messages: [{ role: 'user', content: 'Explain what a hash map is.' }],
    })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text.length).toBeGreaterThan(0);
  });
});
