/**
 * `POST /v1/responses` sits behind the same guards as chat completions: client key, body limit, the shared in-flight
 * limit, its own metrics label and the request log; a client leaving cancels the upstream calls.
 */
import OpenAI, { type APIError } from 'openai';
import { startTestServer, type TestServer } from '../test/server-harness.js';

const input = 'Why is the sky blue?';

describe('Responses API behind the proxy guards', () => {
  const servers: TestServer[] = [];
  const start = async (...args: Parameters<typeof startTestServer>) => {
    const s = await startTestServer(...args);
    servers.push(s);
    return { server: s, client: new OpenAI({ baseURL: s.baseURL, apiKey: 'client-key', maxRetries: 0 }) };
  };
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('Should require the client key when keys are set', async () => {
    const { server } = await start({ app: { apiKeys: ['right-key'] } });
    const wrong = new OpenAI({ baseURL: server.baseURL, apiKey: 'wrong', maxRetries: 0 });
    const err = (await wrong.responses.create({ model: 'prefsel-sim', input }).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
    const right = new OpenAI({ baseURL: server.baseURL, apiKey: 'right-key', maxRetries: 0 });
    expect((await right.responses.create({ model: 'prefsel-sim', input })).status).toBe('completed');
  });

  it('Should answer 413 for a body over the limit, before any upstream call', async () => {
    const { client, server } = await start({ app: { bodyLimit: 1024 } });
    const err = (await client.responses
      .create({ model: 'prefsel-sim', input: 'x'.repeat(4096) })
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(413);
    expect(err.code).toBe('payload_too_large');
    expect(server.sim.received).toHaveLength(0);
  });

  it('Should share the in-flight limit with chat completions and cancel upstream calls when the client leaves', async () => {
    const { client, server } = await start({ app: { maxRequests: 1, keepAliveMs: 1 } });
    server.sim.inject({ stallMs: 60_000, times: Infinity });
    const first = new AbortController();
    const stream = await client.responses.create(
      { model: 'prefsel-sim', input, stream: true },
      { signal: first.signal },
    );
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(5));

    const chat = (await client.chat.completions
      .create({ model: 'prefsel-sim', messages: [{ role: 'user', content: input }] })
      .catch((e: unknown) => e)) as APIError;
    expect(chat).toBeInstanceOf(OpenAI.RateLimitError);
    const responses = (await client.responses
      .create({ model: 'prefsel-sim', input })
      .catch((e: unknown) => e)) as APIError;
    expect(responses).toBeInstanceOf(OpenAI.RateLimitError);
    expect(responses.headers?.get('retry-after')).toBe('1');

    stream.controller.abort();
    await vi.waitFor(() => expect(server.sim.aborted).toBe(5));
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(0));
    server.sim.reset();
  });

  it('Should count requests under their own route label and log them with the selection', async () => {
    const { client, server } = await start();
    await client.responses.create({ model: 'prefsel-sim', input });
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toMatch(/prefsel_http_requests_total\{route="\/v1\/responses",method="POST",status="200"\} 1/);
    const line = server.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.path === '/v1/responses');
    expect(line).toMatchObject({ msg: 'request', method: 'POST', status: 200, strategy: 'rps', candidates: 5 });
  });
});
