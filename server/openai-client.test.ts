/**
 * The official `openai` client against a running prefsel server (real engine, real generator, simulated upstream):
 * what a user who only changes the base URL gets.
 */
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../test/server-harness.js';

/** A non-streaming body with prefsel's extension fields, which the SDK sends as they are. */
const withExtensions = (body: OpenAI.ChatCompletionCreateParamsNonStreaming & Record<string, unknown>) => body;

const messages = [{ role: 'user' as const, content: 'Explain how TCP slow start grows the congestion window.' }];

describe('openai client against prefsel', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer();
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sim.reset());

  it('Should return a complete non-streaming completion with usage over every candidate', async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: 'prefsel-sim',
        messages,
        max_tokens: 120,
        temperature: 0.5,
        top_p: 0.9,
        seed: 3,
        stop: ['###'],
        user: 'u-1',
      })
      .withResponse();
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('prefsel-sim');
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]!.message.role).toBe('assistant');
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(data.choices[0]!.finish_reason).toMatch(/stop|length/);
    expect(response.headers.get('x-selection-strategy')).toBe('rps');
    expect(response.headers.get('x-selection-candidates')).toBe('5');
    expect(Number(response.headers.get('x-selection-score'))).not.toBeNaN();
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const calls = server.sim.received.filter((r) => r.path === '/v1/chat/completions');
    expect(calls).toHaveLength(5);
    // Client parameters reach every candidate call unchanged (seed is offset per candidate by design).
    for (const call of calls) {
      expect(call.body).toMatchObject({ max_tokens: 120, temperature: 0.5, top_p: 0.9, stop: ['###'], user: 'u-1' });
      expect(call.body?.stream).toBeUndefined();
    }
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('Should accept preference and selection as extra body fields and report every candidate', async () => {
    const data = (await client.chat.completions.create(
      withExtensions({
        model: 'prefsel-sim',
        messages,
        preference: { helpfulness: 0.8, verbosity: 0.6 },
        selection: { k: 3, return_candidates: true },
      }),
    )) as OpenAI.ChatCompletion & {
      selection: { candidates: Array<Record<string, unknown>>; chosen: number; target: unknown };
    };
    expect(data.selection.candidates).toHaveLength(3);
    // usage is what the upstream billed: the sum over every candidate, not the chosen one's.
    const billed = data.selection.candidates.reduce(
      (sum, c) => sum + (c.usage as { total_tokens: number }).total_tokens,
      0,
    );
    expect(data.usage!.total_tokens).toBe(billed);
    const chosen = data.selection.candidates.filter((c) => c.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.index).toBe(data.selection.chosen);
    expect(chosen[0]!.content).toBe(data.choices[0]!.message.content);
    for (const c of data.selection.candidates) {
      expect(c).toMatchObject({ status: 'ok', direction: { weights: expect.any(Object) }, scores: expect.any(Object) });
      expect(typeof c.projection).toBe('number');
      expect(c.usage).toMatchObject({ total_tokens: expect.any(Number) });
    }
  });

  it("Should give the README's k = 8 eight candidates, each saying how its direction was made", async () => {
    // At 36.9° the authors' grid holds 7 points within 30°; the eighth comes from the cap.
    const data = (await client.chat.completions.create(
      withExtensions({
        model: 'prefsel-sim',
        messages,
        preference: { helpfulness: 0.8, verbosity: 0.6 },
        selection: { k: 8, return_candidates: true },
      }),
    )) as OpenAI.ChatCompletion & { selection: { candidates: Array<{ direction: { source: string } }> } };
    expect(data.selection.candidates.map((c) => c.direction.source)).toEqual([...Array<string>(7).fill('grid'), 'cap']);
  });

  it('Should stream with the role first, usage last with no choices, and [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'prefsel-sim',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && typeof c.created === 'number')).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toMatch(/stop|length/);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.total_tokens).toBeGreaterThan(0);
  });

  it('Should read a stream with the SDK helper into the same message', async () => {
    const runner = client.chat.completions.stream({ model: 'prefsel-sim', messages });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it('Should return the top n candidates as choices in rank order', async () => {
    const data = (await client.chat.completions.create(
      withExtensions({
        model: 'prefsel-sim',
        messages,
        n: 3,
        selection: { return_candidates: true },
      }),
    )) as OpenAI.ChatCompletion & { selection: { candidates: Array<{ rank: number | null; content: string }> } };
    expect(data.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const byRank = [...data.selection.candidates].filter((c) => c.rank !== null).sort((a, b) => a.rank! - b.rank!);
    expect(data.choices.map((c) => c.message.content)).toEqual(byRank.slice(0, 3).map((c) => c.content));
    // n is ours: five candidate calls upstream, none of them asked for n.
    const calls = server.sim.received.filter((r) => r.path === '/v1/chat/completions');
    expect(calls).toHaveLength(5);
    expect(calls.every((c) => c.body?.n === undefined)).toBe(true);
  });

  it('Should stream strategy none straight through from the upstream', async () => {
    const stream = await client.chat.completions.create(
      { model: 'prefsel-sim', messages, stream: true },
      { headers: { 'X-Selection-Strategy': 'none' } },
    );
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    const calls = server.sim.received.filter((r) => r.path === '/v1/chat/completions');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body?.stream).toBe(true);
  });

  it('Should pass tool requests through to the upstream unchanged', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: {} } } },
    ];
    const { response } = await client.chat.completions.create({ model: 'prefsel-sim', messages, tools }).withResponse();
    expect(response.headers.get('x-selection-strategy')).toBe('none');
    const calls = server.sim.received.filter((r) => r.path === '/v1/chat/completions');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body?.tools).toEqual(tools);
  });

  it('Should list the upstream models and their strategy-prefixed ids', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([
      'prefsel-sim',
      'rps:prefsel-sim',
      'best_of_n:prefsel-sim',
      'none:prefsel-sim',
    ]);
    expect((await client.models.retrieve('none:prefsel-sim')).id).toBe('none:prefsel-sim');
  });

  it('Should pick the strategy from a prefixed model id and report the id the client used', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'none:prefsel-sim', messages })
      .withResponse();
    expect(data.model).toBe('none:prefsel-sim');
    expect(response.headers.get('x-selection-strategy')).toBe('none');
    const calls = server.sim.received.filter((r) => r.path === '/v1/chat/completions');
    expect(calls.map((c) => c.body?.model)).toEqual(['prefsel-sim']);
  });
});
