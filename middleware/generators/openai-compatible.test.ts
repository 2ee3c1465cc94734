import { UpstreamError } from '../../core/errors.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../../upstream-sim/index.js';
import { createOpenAICompatibleGenerator } from './openai-compatible.js';

const messages = [{ role: 'user' as const, content: 'Suggest a name for a grey cat.' }];

let sim: SimulatedUpstream;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ apiKey: 'sk-sim', models: ['a', 'b'], record: true });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe('openai-compatible generator', () => {
  const generator = () =>
    createOpenAICompatibleGenerator({ baseUrl: `${sim.url}/`, apiKey: 'sk-sim', headers: { 'x-trace': 't1' } });

  it('complete: posts the body unchanged (model mapped), never streaming, with auth and extra headers', async () => {
    const g = createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: 'sk-sim', mapModel: (m) => `up-${m}` });
    const params = {
      model: 'm',
      messages,
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 50,
      stop: ['\n\n'],
      seed: 5,
      user: 'u1',
      stream: true,
    };
    const completion = await g.complete(params);
    expect(completion.choices[0]!.message.content).toBeTruthy();
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    const { stream: _s, ...expected } = params;
    expect(sim.received[0]!.body).toEqual({ ...expected, model: 'up-m' });
    expect(sim.received[0]!.path).toBe('/v1/chat/completions');
    expect(sim.received[0]!.headers.authorization).toBe('Bearer sk-sim');
    await generator().complete({ model: 'm', messages });
    expect(sim.received[1]!.headers['x-trace']).toBe('t1');
  });

  it('maps an upstream error to UpstreamError with status, message and Retry-After, without retrying', async () => {
    sim.inject({ status: 429, retryAfterSeconds: 2, times: 1 });
    const error = await generator()
      .complete({ model: 'm', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ upstreamStatus: 429, status: 429, headers: { 'retry-after': '2' } });
    expect((error as Error).message).toContain('Simulated upstream failure (429)');
    // The upstream's address is internal: clients must not learn it from an error message.
    expect((error as Error).message).not.toContain(new URL(sim.url).host);
    sim.inject({ status: 503, times: 1 });
    const unavailable = await generator()
      .complete({ model: 'm', messages })
      .catch((e: unknown) => e);
    expect(unavailable).toMatchObject({ upstreamStatus: 503, status: 502 });
    // hf would retry a 503 forever by default; we asked it not to.
    expect(sim.received).toHaveLength(2);
  });

  it('answers a path-like model id with a 400 naming the model, and sends nothing upstream', async () => {
    const error = await generator()
      .complete({ model: '/models/llama', messages })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, param: 'model', code: 'invalid_model' });
    expect((error as Error).message).toMatch(/served-model-name/);
    expect(sim.received).toHaveLength(0);
  });

  it('maps TGI-style and plain error bodies; wrong key is a 401 from the upstream', async () => {
    sim.inject({
      status: 422,
      body: { error: 'Input validation error: max_tokens too large', error_type: 'validation' },
    });
    await expect(generator().complete({ model: 'm', messages })).rejects.toThrow(/422: Input validation error/);
    const wrongKey = createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: 'nope' });
    await expect(wrongKey.complete({ model: 'm', messages })).rejects.toMatchObject({ upstreamStatus: 401 });
  });

  it('an unreachable upstream is an UpstreamError with null status', async () => {
    const g = createOpenAICompatibleGenerator({ baseUrl: 'http://127.0.0.1:1/v1' });
    await expect(g.complete({ model: 'm', messages })).rejects.toMatchObject({
      upstreamStatus: null,
      status: 502,
      code: 'upstream_unreachable',
    });
  });

  it('an aborted signal rejects with the abort, not an UpstreamError, and the upstream sees the client leave', async () => {
    sim.inject({ stallMs: 60_000 });
    const controller = new AbortController();
    const call = generator()
      .complete({ model: 'm', messages }, { signal: controller.signal })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(sim.inFlight).toBe(1));
    controller.abort();
    const error = await call;
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect((error as Error).name).toBe('AbortError');
    await vi.waitFor(() => expect(sim.aborted).toBe(1));
  });

  it('stream: yields chunks; breaking out early cancels the upstream request', async () => {
    let text = '';
    for await (const chunk of generator().stream!({ model: 'm', messages, stream_options: { include_usage: true } })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text.length).toBeGreaterThan(10);
    expect(sim.received[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const slow = await startSimulatedUpstream({ tokensPerSecond: 50 });
    try {
      const g = createOpenAICompatibleGenerator({ baseUrl: slow.url });
      let chunks = 0;
      for await (const _ of g.stream!({ model: 'm', messages })) if (++chunks === 2) break;
      await vi.waitFor(() => expect(slow.aborted).toBe(1));
      expect(slow.inFlight).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('a stream that ends without a finish reason is an error, never a complete answer', async () => {
    sim.inject({ break: 'truncate' });
    const chunks: unknown[] = [];
    const consume = async () => {
      for await (const chunk of generator().stream!({ model: 'm', messages })) chunks.push(chunk);
    };
    await expect(consume()).rejects.toMatchObject({ status: 502, message: /before the answer was complete/ });
    expect(chunks.length).toBeGreaterThan(0);
  });

  it('a body that does not parse is a malformed answer, a cut one is broken off; neither is "unreachable"', async () => {
    sim.inject({ break: 'garbage' });
    await expect(generator().complete({ model: 'm', messages })).rejects.toMatchObject({
      status: 502,
      message: /sent a malformed answer/,
    });
    sim.inject({ break: 'cut' });
    await expect(generator().complete({ model: 'm', messages })).rejects.toMatchObject({
      status: 502,
      message: /broke off its answer/,
    });
  });

  it('stream errors map to UpstreamError', async () => {
    sim.inject({ status: 500 });
    const consume = async () => {
      for await (const _ of generator().stream!({ model: 'm', messages })) void _;
    };
    await expect(consume()).rejects.toMatchObject({ upstreamStatus: 500, status: 502 });
  });

  it('refuses every field hf reads as its own, before anything is sent (the library embedding path)', async () => {
    const g = createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: 'sk-sim' });
    const hostile = {
      data: JSON.stringify({ model: 'gpt-4', messages, n: 64 }),
      accessToken: 'sk-CLIENT',
      endpointUrl: 'http://127.0.0.1:1/v1',
      provider: 'together',
      billTo: 'org',
      urlTransform: 'x',
    };
    for (const [field, value] of Object.entries(hostile)) {
      await expect(g.complete({ model: 'm', messages, [field]: value })).rejects.toMatchObject({
        status: 400,
        param: field,
        code: 'unknown_parameter',
      });
      const consume = async () => {
        for await (const _ of g.stream!({ model: 'm', messages, [field]: value })) void _;
      };
      await expect(consume()).rejects.toMatchObject({ status: 400, param: field });
    }
    // An empty accessToken would have dropped the Authorization header.
    await expect(g.complete({ model: 'm', messages, accessToken: '' })).rejects.toMatchObject({ param: 'accessToken' });
    expect(sim.received).toHaveLength(0);
  });

  it('forwardParams forwards exactly the named extras and can never name a field hf reads', async () => {
    const g = createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: 'sk-sim', forwardParams: ['top_k'] });
    await g.complete({ model: 'm', messages, top_k: 40 });
    expect(sim.received[0]!.body).toMatchObject({ top_k: 40 });
    expect(sim.received[0]!.headers.authorization).toBe('Bearer sk-sim');
    await expect(g.complete({ model: 'm', messages, min_p: 0.1 })).rejects.toMatchObject({ param: 'min_p' });
    for (const bad of ['data', 'accessToken', 'endpointUrl', 'provider', 'billTo', '__proto__', 'preference', 'Top-K'])
      expect(() => createOpenAICompatibleGenerator({ baseUrl: sim.url, forwardParams: [bad] })).toThrow(TypeError);
  });

  it('listModels reads GET {base}/models', async () => {
    expect((await generator().listModels!()).map((m) => m.id)).toEqual(['a', 'b']);
    expect(sim.received[0]).toMatchObject({ method: 'GET', path: '/v1/models' });
    const bad = createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: 'x' });
    await expect(bad.listModels!()).rejects.toMatchObject({ upstreamStatus: 401 });
  });
});
