/**
 * Every error status through the official `openai` client: each parses into the right `APIError` subclass with
 * `status`, `code`, `param` and the request id. Plus cancellation: a client that gives up cancels the upstream calls.
 */
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../test/server-harness.js';

/** A non-streaming body with prefsel's extension fields, which the SDK sends as they are. */
const withExtensions = (body: OpenAI.ChatCompletionCreateParamsNonStreaming & Record<string, unknown>) => body;

const messages = [{ role: 'user' as const, content: 'Why is the sky blue?' }];

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  throw new Error('expected an APIError');
}

describe('errors through the openai client', () => {
  const servers: TestServer[] = [];
  const start = async (...args: Parameters<typeof startTestServer>) => {
    const s = await startTestServer(...args);
    servers.push(s);
    return { server: s, client: new OpenAI({ baseURL: s.baseURL, apiKey: 'client-key', maxRetries: 0 }) };
  };
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('Should answer 400 naming the field', async () => {
    const { client } = await start();
    const err = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages: [] }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.param).toBe('messages');
    expect(err.type).toBe('invalid_request_error');
    expect(err.requestID).toBeTruthy();
    const n = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages, n: 9 }));
    expect(n.param).toBe('n');
    const pref = await apiError(
      client.chat.completions.create(withExtensions({ model: 'prefsel-sim', messages, preference: { speed: 1 } })),
    );
    expect(pref.param).toBe('preference.speed');
    expect(pref.message).toContain('helpfulness');
  });

  it('Should answer 401 for a wrong client key, saying it is the proxy key', async () => {
    const { server } = await start({ app: { apiKeys: ['right-key'] } });
    const wrong = new OpenAI({ baseURL: server.baseURL, apiKey: 'wrong-key', maxRetries: 0 });
    const err = await apiError(wrong.chat.completions.create({ model: 'prefsel-sim', messages }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    expect(err.message).toContain('prefsel proxy');
    expect(server.sim.received).toHaveLength(0);
    const models = await apiError(wrong.models.list());
    expect(models.status).toBe(401);
    const right = new OpenAI({ baseURL: server.baseURL, apiKey: 'right-key', maxRetries: 0 });
    await expect(right.chat.completions.create({ model: 'prefsel-sim', messages })).resolves.toBeTruthy();
  });

  it('Should answer 404 for a model outside the model map and for an upstream 404', async () => {
    const { client, server } = await start({ app: { modelMap: { 'my-model': 'prefsel-sim' } } });
    const err = await apiError(client.chat.completions.create({ model: 'gpt-4o', messages }));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.code).toBe('model_not_found');
    expect(err.param).toBe('model');
    const ok = await client.chat.completions.create({ model: 'my-model', messages });
    expect(ok.model).toBe('my-model');
    expect(server.sim.received.at(-1)!.body?.model).toBe('prefsel-sim');
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([
      'my-model',
      'rps:my-model',
      'best_of_n:my-model',
      'none:my-model',
    ]);

    server.sim.inject({
      status: 404,
      times: Infinity,
      body: { error: { message: 'The model does not exist', type: 'invalid_request_error' } },
    });
    const upstream = await apiError(client.chat.completions.create({ model: 'my-model', messages }));
    expect(upstream.status).toBe(404);
    expect(upstream.message).toContain('does not exist');
    server.sim.reset();
  });

  it('Should answer 413 for a body over the limit', async () => {
    const { client, server } = await start({ app: { bodyLimit: 4096 } });
    const err = await apiError(
      client.chat.completions.create({
        model: 'prefsel-sim',
        messages: [{ role: 'user', content: 'x'.repeat(10_000) }],
      }),
    );
    expect(err.status).toBe(413);
    expect(err.code).toBe('payload_too_large');
    expect(server.sim.received).toHaveLength(0);
  });

  it('Should answer 429 with Retry-After when the proxy is full, and cancel upstream calls when the client gives up', async () => {
    const { client, server } = await start({ app: { maxRequests: 1 } });
    server.sim.inject({ stallMs: 60_000, times: Infinity });
    const first = new AbortController();
    const pending = client.chat.completions
      .create({ model: 'prefsel-sim', messages }, { signal: first.signal })
      .catch((e: unknown) => e);
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(5));

    const err = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('1');
    expect(err.code).toBe('overloaded');

    first.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    // Every candidate call of the abandoned request was cancelled at the upstream.
    await vi.waitFor(() => expect(server.sim.aborted).toBe(5));
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(0));
    server.sim.reset();
  });

  it('Should cancel every upstream call when a streaming client gives up', async () => {
    const { client, server } = await start({ app: { keepAliveMs: 1 } });
    server.sim.inject({ stallMs: 60_000, times: Infinity });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'prefsel-sim', messages, stream: true },
      { signal: controller.signal },
    );
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(5));
    controller.abort();
    await (async () => {
      for await (const _ of stream);
    })().catch(() => undefined);
    await vi.waitFor(() => expect(server.sim.aborted).toBe(5));
    server.sim.reset();
  });

  it('Should answer 502 naming the upstream status when every candidate fails', async () => {
    const { client, server } = await start();
    server.sim.inject({ status: 500, times: Infinity });
    const err = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.message).toContain('500');
    expect(err.code).toBe('upstream_error');
    server.sim.reset();
  });

  it('Should pass an upstream 429 through with its Retry-After', async () => {
    const { client, server } = await start();
    server.sim.inject({ status: 429, retryAfterSeconds: 7, times: Infinity });
    const err = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('7');
    server.sim.reset();
  });

  it('Should answer 504 when the deadline passes, and cancel what is still running', async () => {
    const { client, server } = await start({ selector: { deadlineMs: 100 } });
    server.sim.inject({ stallMs: 60_000, times: Infinity });
    const err = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages }));
    expect(err.status).toBe(504);
    expect(err.code).toBe('deadline_exceeded');
    await vi.waitFor(() => expect(server.sim.aborted).toBe(5));
    server.sim.reset();
  });

  it('Should report a failure after the stream started as an error the SDK throws', async () => {
    const { client, server } = await start({ app: { keepAliveMs: 1 } });
    server.sim.inject({ status: 500, stallMs: 50, times: Infinity });
    const err = await apiError(
      (async () => {
        const stream = await client.chat.completions.create({ model: 'prefsel-sim', messages, stream: true });
        for await (const _ of stream);
      })(),
    );
    expect(err.message).toContain('500');
    server.sim.reset();
  });

  it('Should never log or echo the upstream key', async () => {
    const key = 'sk-upstream-very-secret-0123456789';
    const { client, server } = await start({ upstreamApiKey: key });
    // Upstreams quote the key they were sent; prefsel must not pass that on.
    server.sim.inject({
      status: 401,
      times: Infinity,
      body: { error: { message: `Incorrect API key provided: ${key}.` } },
    });
    const err = await apiError(client.chat.completions.create({ model: 'prefsel-sim', messages }));
    expect(err.status).toBe(401);
    expect(JSON.stringify(err.error)).not.toContain(key);
    expect(err.message).toContain('Incorrect API key provided');
    expect(server.logs.join('\n')).not.toContain(key);
    expect(server.sim.received.at(-1)!.headers.authorization).toBe(`Bearer ${key}`);
    server.sim.reset();
  });
});
