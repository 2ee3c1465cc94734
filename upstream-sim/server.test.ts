import OpenAI from 'openai';
import { parseFaultHeader } from './faults.js';
import { startSimulatedUpstream, type SimulatedUpstream } from './server.js';

const messages = [
  {
    role: 'system' as const,
    content:
      'You are a helpful assistant. Your response should maximize weighted rating = helpfulness*87 + verbosity*50.',
  },
  { role: 'user' as const, content: 'How do I keep basil plants alive indoors?' },
];

let sim: SimulatedUpstream;
let client: OpenAI;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ apiKey: 'sk-test', record: true });
  client = new OpenAI({ baseURL: sim.url, apiKey: 'sk-test', maxRetries: 0 });
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...headers },
    body: JSON.stringify(body),
  });
}

describe('simulated upstream: protocol', () => {
  it('routes paths with trailing slashes, and a path of many slashes (quadratic for `/\\/+$/`) is a plain 404', async () => {
    const models = await fetch(`${sim.url}/models//`, { headers: { authorization: 'Bearer sk-test' } });
    expect(models.status).toBe(200);
    const slashes = await fetch(`${sim.url}/${'/'.repeat(12_000)}x`, { headers: { authorization: 'Bearer sk-test' } });
    expect(slashes.status).toBe(404);
  });

  it('answers a chat completion the official client parses, with usage, and records the request', async () => {
    const completion = await client.chat.completions.create({ model: 'm', messages, seed: 3, temperature: 0.5, n: 2 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices).toHaveLength(2);
    expect(completion.choices[0]!.message.content).toMatch(/basil|plants|indoors|alive/);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect(sim.received).toHaveLength(1);
    expect(sim.received[0]!.body).toMatchObject({ model: 'm', seed: 3, temperature: 0.5, n: 2 });
    expect(sim.received[0]!.headers.authorization).toBe('Bearer sk-test');
  });

  it('streams SSE: role delta first, id/object/created on every chunk, usage chunk with choices [], [DONE]', async () => {
    const res = await post({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await res.text())
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map(
      (e) =>
        JSON.parse(e) as Record<string, unknown> & {
          choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>;
        },
    );
    for (const chunk of chunks)
      expect(chunk).toMatchObject({ id: chunks[0]!.id, object: 'chat.completion.chunk', created: expect.any(Number) });
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject({ completion_tokens: expect.any(Number) });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
    const whole = (await (await post({ model: 'm', messages })).json()) as {
      choices: Array<{ message: { content: string } }>;
    };
    expect(text).toBe(whole.choices[0]!.message.content);
  });

  it('the official client reads the stream', async () => {
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(20);
  });

  it('lists models and answers errors in the OpenAI shape', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['prefsel-sim']);
    const bad = await post({ model: 'm', messages: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: 'messages', code: 'invalid_request' },
    });
    const unauth = await fetch(`${sim.url}/models`);
    expect(unauth.status).toBe(401);
  });
});

describe('simulated upstream: faults', () => {
  it('breaks answers after the status line: truncated, garbage and cut bodies, on both wire formats', async () => {
    expect(parseFaultHeader('break=cut; times=2')).toEqual({ break: 'cut', times: 2 });
    expect(() => parseFaultHeader('break=slow')).toThrow(/hang, cut, truncate, garbage/);

    const truncated = await post({ model: 'm', messages, stream: true }, { 'x-sim-fault': 'break=truncate' });
    expect(truncated.status).toBe(200);
    const text = await truncated.text();
    expect(text).toContain('data: {');
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('"finish_reason":"stop"');

    const garbage = await post({ model: 'm', messages }, { 'x-sim-fault': 'break=garbage' });
    expect(garbage.status).toBe(200);
    await expect(garbage.json()).rejects.toThrow(SyntaxError);

    const cut = await post({ model: 'm', messages, stream: true }, { 'x-sim-fault': 'break=cut' });
    expect(cut.status).toBe(200);
    await expect(cut.text()).rejects.toThrow();

    sim.inject({ route: 'models', status: 503 });
    expect((await fetch(`${sim.url}/models`, { headers: { authorization: 'Bearer sk-test' } })).status).toBe(503);
    expect((await fetch(`${sim.url}/models`, { headers: { authorization: 'Bearer sk-test' } })).status).toBe(200);
  });

  it('inject: status with Retry-After for `times` requests, then normal answers', async () => {
    sim.inject({ status: 429, times: 2, retryAfterSeconds: 3 });
    const first = await post({ model: 'm', messages });
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await first.json()).error.type).toBe('rate_limit_error');
    expect((await post({ model: 'm', messages })).status).toBe(429);
    expect((await post({ model: 'm', messages })).status).toBe(200);
  });

  it('inject with match only hits matching requests; custom body is sent verbatim', async () => {
    sim.inject({ status: 503, body: { error: 'overloaded' }, match: (b) => b.seed === 7 });
    expect((await post({ model: 'm', messages, seed: 1 })).status).toBe(200);
    const hit = await post({ model: 'm', messages, seed: 7 });
    expect(hit.status).toBe(503);
    expect(await hit.json()).toEqual({ error: 'overloaded' });
  });

  it('x-sim-fault header: status, times per header value, degenerate content', async () => {
    const header = { 'x-sim-fault': 'status=500; times=1' };
    expect((await post({ model: 'm', messages }, header)).status).toBe(500);
    expect((await post({ model: 'm', messages }, header)).status).toBe(200);
    const tag = await (await post({ model: 'm', messages }, { 'x-sim-fault': 'content=tag' })).json();
    expect(tag.choices[0].message.content).toBe('<|im_start|>');
    sim.inject({ content: '' });
    expect((await (await post({ model: 'm', messages })).json()).choices[0].message.content).toBe('');
  });

  it('stall: a client that gives up is counted as aborted and the server stops working', async () => {
    sim.inject({ stallMs: 60_000 });
    const controller = new AbortController();
    const pending = post({ model: 'm', messages }).catch(() => 'ignored');
    void pending;
    const aborted = fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test', 'x-sim-fault': 'stall=60000' },
      body: JSON.stringify({ model: 'm', messages }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(sim.inFlight).toBe(2));
    controller.abort();
    expect(await aborted).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(sim.aborted).toBe(1));
    expect(sim.inFlight).toBe(1);
  });
});

describe('simulated upstream: latency model', () => {
  it('streams are paced by tokensPerSecond after ttft', async () => {
    const slow = await startSimulatedUpstream({ ttftMs: 30, tokensPerSecond: 2000 });
    try {
      const started = performance.now();
      const res = await fetch(`${slow.url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages, stream: true }),
      });
      const text = await res.text();
      // Lower bound only: at least the time to first token has passed.
      expect(performance.now() - started).toBeGreaterThanOrEqual(25);
      expect(text).toContain('[DONE]');
    } finally {
      await slow.close();
    }
  });
});

describe('simulated upstream: cancellation and token counters', () => {
  /** Reads SSE chunks from a fetch body until `enough` content chunks arrived, then aborts the request. */
  async function readThenAbort(url: string, body: unknown, enough: number): Promise<number> {
    const controller = new AbortController();
    const res = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let seen = 0;
    while (seen < enough) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      seen = (text.match(/"content":"[^"]/g) ?? []).length;
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    return seen;
  }

  it('an aborted stream stops generating: the simulator counts the abort and stops sending tokens', async () => {
    const slow = await startSimulatedUpstream({ tokensPerSecond: 400, lengthScale: 8 });
    try {
      const body = { model: 'm', messages, stream: true, seed: 1 };
      const full = await (
        await fetch(`${slow.url}/chat/completions`, {
          method: 'POST',
          body: JSON.stringify({ ...body, stream: false }),
        })
      ).json();
      const planned = full.usage.completion_tokens as number;
      expect(planned).toBeGreaterThan(200);
      slow.reset();
      await readThenAbort(slow.url, body, 5);
      await vi.waitFor(() => expect(slow.aborted).toBe(1));
      const atAbort = slow.tokensSent;
      // Time for many more chunks at 400 tok/s passes; none is generated once the client left.
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(slow.tokensSent).toBe(atAbort);
      expect(atAbort).toBeLessThan(planned / 2);
      expect(slow.inFlight).toBe(0);
      const stats = (await (await fetch(`${slow.url.replace(/\/v1$/, '')}/__sim/stats`)).json()) as Record<
        string,
        number
      >;
      expect(stats).toMatchObject({ aborted: 1, tokensSent: atAbort, inFlight: 0 });
    } finally {
      await slow.close();
    }
  });

  it('counts every token of complete answers, streamed or not', async () => {
    const res = (await (await post({ model: 'm', messages, seed: 2 })).json()) as {
      usage: { completion_tokens: number };
    };
    expect(sim.tokensSent).toBe(res.usage.completion_tokens);
    await (await post({ model: 'm', messages, seed: 2, stream: true })).text();
    expect(sim.tokensSent).toBe(2 * res.usage.completion_tokens);
  });

  it('continuous_usage_stats (vLLM): every chunk carries the usage so far', async () => {
    const res = await post({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    const chunks = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map((e) => JSON.parse(e.slice(6)) as { usage: { completion_tokens: number; prompt_tokens: number } | null });
    const counts = chunks.map((c) => c.usage!.completion_tokens);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts.at(-1)).toBe(counts.at(-2));
    expect(chunks.every((c) => c.usage!.prompt_tokens > 0)).toBe(true);
  });
});

describe('simulated upstream: recording', () => {
  it('keeps no request history unless asked, and only the most recent `record` requests when asked', async () => {
    const quiet = await startSimulatedUpstream();
    const bounded = await startSimulatedUpstream({ record: 2 });
    try {
      for (const s of [quiet, bounded]) {
        for (const seed of [1, 2, 3]) {
          const res = await fetch(`${s.url}/chat/completions`, {
            method: 'POST',
            body: JSON.stringify({ model: 'm', messages, seed }),
          });
          expect(res.status).toBe(200);
        }
      }
      expect(quiet.received).toHaveLength(0);
      expect(bounded.received.map((r) => r.body?.seed)).toEqual([2, 3]);
    } finally {
      await quiet.close();
      await bounded.close();
    }
  });
});
