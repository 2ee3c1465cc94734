/**
 * The Vercel AI SDK's default OpenAI provider (`@ai-sdk/openai`, which calls `POST /v1/responses`) against a running
 * prefsel server: what a user who only sets `baseURL` gets from `generateText` and `streamText`.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, streamText } from 'ai';
import { startTestServer, type TestServer } from '../test/server-harness.js';

const prompt = 'Explain how TCP slow start grows the congestion window.';

describe('AI SDK default provider against prefsel', () => {
  let server: TestServer;
  let openai: ReturnType<typeof createOpenAI>;
  beforeAll(async () => {
    server = await startTestServer();
    openai = createOpenAI({ baseURL: server.baseURL, apiKey: 'unused' });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sim.reset());

  const upstreamCalls = () => server.sim.received.filter((r) => r.path === '/v1/chat/completions');

  it('Should generate text through /v1/responses with usage and the response id', async () => {
    const result = await generateText({ model: openai('prefsel-sim'), prompt, maxOutputTokens: 100, maxRetries: 0 });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toMatch(/stop|length/);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.totalTokens).toBe(result.usage.inputTokens! + result.usage.outputTokens!);
    expect(result.response.id).toMatch(/^resp_/);
    expect(result.response.headers?.['x-selection-strategy']).toBe('rps');
    const calls = upstreamCalls();
    expect(calls).toHaveLength(5);
    expect(calls[0]!.body).toMatchObject({ model: 'prefsel-sim', max_tokens: 100 });
  });

  it('Should stream text whose deltas add up to the final text, with usage at the end', async () => {
    const result = streamText({ model: openai('prefsel-sim'), system: 'Be precise.', prompt, maxRetries: 0 });
    const parts: string[] = [];
    for await (const delta of result.textStream) parts.push(delta);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(await result.text);
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(await result.finishReason).toMatch(/stop|length/);
    expect(upstreamCalls()[0]!.body!.messages[0]).toMatchObject({ role: 'system' });
  });

  it('Should carry a multi-turn conversation and the X-Preference header', async () => {
    const result = await generateText({
      model: openai('prefsel-sim'),
      messages: [
        { role: 'user', content: 'What is a congestion window?' },
        { role: 'assistant', content: 'The sender-side limit on unacknowledged data.' },
        { role: 'user', content: prompt },
      ],
      headers: { 'X-Preference': 'helpfulness=0.9,verbosity=0.1', 'X-Selection-K': '3' },
      maxRetries: 0,
    });
    expect(result.text.length).toBeGreaterThan(0);
    const calls = upstreamCalls();
    expect(calls).toHaveLength(3);
    const roles = calls[0]!.body!.messages.map((m) => m.role);
    expect(roles.slice(-3)).toEqual(['user', 'assistant', 'user']);
  });

  it('Should continue a conversation from the previous result once store is off (prefsel keeps no state)', async () => {
    const first = await generateText({ model: openai('prefsel-sim'), prompt, maxRetries: 0 });
    const messages = [...first.response.messages, { role: 'user' as const, content: 'And congestion avoidance?' }];
    // By default the SDK sends the earlier answer as a reference to a stored item: a 400 that says what to do.
    const err = await generateText({ model: openai('prefsel-sim'), messages, maxRetries: 0 }).catch((e: unknown) => e);
    expect((err as APICallError).statusCode).toBe(400);
    expect((err as APICallError).message).toContain('store = false');
    const next = await generateText({
      model: openai('prefsel-sim'),
      messages,
      providerOptions: { openai: { store: false } },
      maxRetries: 0,
    });
    expect(next.text.length).toBeGreaterThan(0);
    const last = upstreamCalls().at(-1)!.body!.messages;
    expect(last.slice(-2)).toEqual([
      { role: 'assistant', content: first.text },
      { role: 'user', content: 'And congestion avoidance?' },
    ]);
  });

  it('Should surface prefsel errors as APICallError with their status and message', async () => {
    const err = await generateText({
      model: openai('prefsel-sim'),
      prompt,
      headers: { 'X-Selection-K': '99' },
      maxRetries: 0,
    }).catch((e: unknown) => e);
    expect(APICallError.isInstance(err)).toBe(true);
    expect((err as APICallError).statusCode).toBe(400);
    expect((err as APICallError).message).toContain('selection.k');
  });

  it('Should surface an upstream failure as a 502 APICallError, streaming too', async () => {
    server.sim.inject({ status: 500, times: Infinity });
    const err = await generateText({ model: openai('prefsel-sim'), prompt, maxRetries: 0 }).catch((e: unknown) => e);
    expect((err as APICallError).statusCode).toBe(502);
    const errors: unknown[] = [];
    const result = streamText({
      model: openai('prefsel-sim'),
      prompt,
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    await result.consumeStream();
    expect((errors[0] as APICallError).statusCode).toBe(502);
  });
});

describe('AI SDK default provider: a failure after the stream started', () => {
  let server: TestServer;
  beforeAll(async () => {
    // keepAliveMs 1: the 200 goes out at once, so an upstream failure can only be reported inside the stream.
    server = await startTestServer({ app: { keepAliveMs: 1 } });
  });
  afterAll(() => server.close());

  it('Should reach streamText as an error with prefsel message', async () => {
    server.sim.inject({ status: 500, stallMs: 50, times: Infinity });
    const openai = createOpenAI({ baseURL: server.baseURL, apiKey: 'unused' });
    const errors: unknown[] = [];
    const result = streamText({
      model: openai('prefsel-sim'),
      prompt,
      maxRetries: 0,
      onError: ({ error }) => void errors.push(error),
    });
    await result.consumeStream();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toContain('500');
    await expect(result.text).rejects.toThrow(/No output generated/);
  });
});
