/**
 * The official `openai` client's Responses API (`client.responses.create`, `client.responses.stream`) against a
 * running prefsel server: real engine, real generator, simulated upstream.
 */
import OpenAI, { APIError } from 'openai';
import { startTestServer, type TestServer } from '../test/server-harness.js';

const input = 'Explain how TCP slow start grows the congestion window.';

/** A body with prefsel's extension fields, which the SDK sends as they are. */
const withExtensions = (body: OpenAI.Responses.ResponseCreateParamsNonStreaming & Record<string, unknown>) => body;

type Report = { candidates: Array<Record<string, any>>; chosen: number; strategy: string };

describe('openai client: Responses API against prefsel', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startTestServer();
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sim.reset());

  const upstreamCalls = () => server.sim.received.filter((r) => r.path === '/v1/chat/completions');

  it('Should answer a plain request with one message, output_text and usage over every candidate', async () => {
    const { data, response } = await client.responses
      .create({
        model: 'prefsel-sim',
        input,
        instructions: 'Answer like a network engineer.',
        max_output_tokens: 120,
        temperature: 0.5,
        top_p: 0.9,
        user: 'u-1',
        metadata: { ticket: '42' },
      })
      .withResponse();
    expect(data.id).toMatch(/^resp_/);
    expect(data.object).toBe('response');
    expect(data.status).toBe('completed');
    expect(data.model).toBe('prefsel-sim');
    expect(data.output).toHaveLength(1);
    const message = data.output[0] as OpenAI.Responses.ResponseOutputMessage;
    expect(message).toMatchObject({ type: 'message', role: 'assistant', status: 'completed' });
    expect(message.id).toMatch(/^msg_/);
    expect(message.content).toEqual([{ type: 'output_text', text: data.output_text, annotations: [] }]);
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(data).toMatchObject({
      instructions: 'Answer like a network engineer.',
      max_output_tokens: 120,
      temperature: 0.5,
      top_p: 0.9,
      metadata: { ticket: '42' },
      error: null,
      incomplete_details: null,
    });
    expect(data.usage!.total_tokens).toBe(data.usage!.input_tokens + data.usage!.output_tokens);
    expect(data.usage!.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-selection-strategy')).toBe('rps');
    expect(response.headers.get('x-selection-candidates')).toBe('5');
    expect(Number(response.headers.get('x-selection-score'))).not.toBeNaN();
    expect(response.headers.get('x-request-id')).toBeTruthy();

    const calls = upstreamCalls();
    expect(calls).toHaveLength(5);
    for (const call of calls) {
      // The allow-list: exactly these fields reach the upstream (seed is the engine's, per candidate).
      expect(Object.keys(call.body!).sort()).toEqual(
        ['max_tokens', 'messages', 'model', 'seed', 'temperature', 'top_p', 'user'].sort(),
      );
      expect(call.body).toMatchObject({
        model: 'prefsel-sim',
        max_tokens: 120,
        temperature: 0.5,
        top_p: 0.9,
        user: 'u-1',
      });
      expect(call.body!.messages.at(-1)).toEqual({ role: 'user', content: input });
      expect(JSON.stringify(call.body!.messages[0])).toContain('Answer like a network engineer.');
    }
  });

  it('Should take message items with text parts, every role, as the conversation', async () => {
    const data = await client.responses.create({
      model: 'prefsel-sim',
      input: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'input_text', text: 'What is a congestion window?' }] },
        { type: 'message', role: 'assistant', content: 'The sender-side limit on unacknowledged data.' },
        { role: 'user', content: [{ type: 'input_text', text: input }] },
      ],
    });
    expect(data.output_text.length).toBeGreaterThan(0);
    const messages = upstreamCalls()[0]!.body!.messages;
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'What is a congestion window?' },
      { role: 'assistant', content: 'The sender-side limit on unacknowledged data.' },
      { role: 'user', content: input },
    ]);
    expect(messages[0]!.role).toBe('developer');
  });

  it('Should stream typed events with consecutive sequence numbers, ending in response.completed with usage', async () => {
    const stream = await client.responses.create({ model: 'prefsel-sim', input, stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const types = events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta');
    expect(deltas.length).toBeGreaterThan(1);
    const text = deltas.map((e) => e.delta).join('');
    const done = events.find((e) => e.type === 'response.output_text.done')!;
    expect(done.text).toBe(text);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.status).toBe('completed');
    expect(completed.response.usage!.output_tokens).toBeGreaterThan(0);
    expect(completed.response.id).toBe((events[0] as OpenAI.Responses.ResponseCreatedEvent).response.id);
  });

  it('Should build the same final response with the SDK stream helper', async () => {
    const runner = client.responses.stream({ model: 'prefsel-sim', input });
    let deltas = '';
    runner.on('response.output_text.delta', (e) => (deltas += e.delta));
    const final = await runner.finalResponse();
    expect(final.output_text.length).toBeGreaterThan(0);
    expect(final.output_text).toBe(deltas);
    expect(final.status).toBe('completed');
  });

  it('Should run the extensions from the body and report every candidate', async () => {
    const data = (await client.responses.create(
      withExtensions({
        model: 'prefsel-sim',
        input,
        preference: { helpfulness: 0.8, verbosity: 0.6 },
        selection: { k: 3, return_candidates: true },
      }),
    )) as OpenAI.Responses.Response & { selection: Report };
    expect(data.selection.candidates).toHaveLength(3);
    const billed = data.selection.candidates.reduce((sum, c) => sum + c.usage.total_tokens, 0);
    expect(data.usage!.total_tokens).toBe(billed);
    const chosen = data.selection.candidates.find((c) => c.chosen)!;
    expect(chosen.index).toBe(data.selection.chosen);
    expect(chosen.content).toBe(data.output_text);
  });

  it('Should run the extensions from headers and carry the report on response.completed in a stream', async () => {
    const stream = await client.responses.create(
      { model: 'prefsel-sim', input, stream: true },
      {
        headers: {
          'X-Preference': 'angle=30',
          'X-Selection-Strategy': 'best_of_n',
          'X-Selection-K': '2',
          'X-Selection-Return-Candidates': 'true',
        },
      },
    );
    let completed: (OpenAI.Responses.Response & { selection?: Report }) | undefined;
    for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
    expect(completed!.selection!.strategy).toBe('best_of_n');
    expect(completed!.selection!.candidates).toHaveLength(2);
    expect(upstreamCalls()).toHaveLength(2);
  });

  it('Should stream strategy none live from the upstream, with its usage', async () => {
    const stream = await client.responses.create({ model: 'none:prefsel-sim', input, stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
    expect(text.length).toBeGreaterThan(0);
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.type).toBe('response.completed');
    expect(completed.response.model).toBe('none:prefsel-sim');
    expect(completed.response.usage!.total_tokens).toBeGreaterThan(0);
    const calls = upstreamCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('Should pass a JSON text.format through to the upstream as response_format, with strategy none', async () => {
    const format = { type: 'json_schema' as const, name: 'answer', schema: { type: 'object' }, strict: true };
    const { data, response } = await client.responses
      .create({ model: 'prefsel-sim', input, text: { format } })
      .withResponse();
    expect(response.headers.get('x-selection-strategy')).toBe('none');
    expect(data.text?.format).toEqual(format);
    const calls = upstreamCalls();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body!.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
    });
  });

  it.each([
    [{ input, text: { format: { type: 'xml' } } }, 'text.format.type'],
    [{ input, tools: [{ type: 'function', name: 'f', parameters: {}, strict: true }] }, 'tools'],
    [
      { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://x/y.png' }] }] },
      'input[0].content[0].type',
    ],
    [{ input, previous_response_id: 'resp_1' }, 'previous_response_id'],
    [{ input, store: true }, 'store'],
    [{ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    [{ input, frobnicate: 1 }, 'frobnicate'],
    [{ input, temperature: 3 }, 'temperature'],
    [{ input, selection: { k: 99 } }, 'selection.k'],
  ])('Should answer 400 naming the field for %j', async (extra, param) => {
    const err = await client.responses
      .create({ model: 'prefsel-sim', ...(extra as object) } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).param).toBe(param);
    expect((err as APIError).type).toBe('invalid_request_error');
    expect(upstreamCalls()).toHaveLength(0);
  });

  it('Should answer 502 in the OpenAI shape when every upstream call fails, streaming or not', async () => {
    server.sim.inject({ status: 500, times: Infinity });
    const err = (await client.responses.create({ model: 'prefsel-sim', input }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(502);
    expect(err.code).toBe('upstream_error');
    const failed = (await client.responses
      .create({ model: 'prefsel-sim', input, stream: true })
      .catch((e: unknown) => e)) as APIError;
    expect(failed.status).toBe(502);
  });
});

describe('openai client: Responses API with operator-forwarded parameters', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ forwardParams: ['top_k'] });
  });
  afterAll(() => server.close());

  it('Should forward a field the operator allows and refuse any other, as chat completions does', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
    await client.responses.create({
      model: 'prefsel-sim',
      input,
      top_k: 20,
    } as OpenAI.Responses.ResponseCreateParamsNonStreaming);
    const calls = server.sim.received.filter((r) => r.path === '/v1/chat/completions');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => (c.body as Record<string, unknown>).top_k === 20)).toBe(true);
    const err = (await client.responses
      .create({ model: 'prefsel-sim', input, data: '{}' } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
      .catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(400);
    expect(err.code).toBe('unknown_parameter');
    expect(err.param).toBe('data');
  });
});

describe('openai client: Responses API with a model map', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ app: { modelMap: { public: 'prefsel-sim' } } });
  });
  afterAll(() => server.close());

  it('Should answer 404 model_not_found for a model outside the map and serve a mapped one', async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
    const err = (await client.responses.create({ model: 'gpt-4', input }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(404);
    expect(err.code).toBe('model_not_found');
    expect(err.param).toBe('model');
    const ok = await client.responses.create({ model: 'public', input });
    expect(ok.model).toBe('public');
    expect(server.sim.received.filter((r) => r.path === '/v1/chat/completions')[0]!.body!.model).toBe('prefsel-sim');
  });
});

describe('openai client: Responses API failing after the stream started', () => {
  let server: TestServer;
  let client: OpenAI;
  beforeAll(async () => {
    // keepAliveMs 1: the 200 goes out at once, so an upstream failure can only be reported inside the stream.
    server = await startTestServer({ app: { keepAliveMs: 1 } });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sim.reset());

  it('Should end the stream with an error event and response.failed', async () => {
    server.sim.inject({ status: 500, stallMs: 50, times: Infinity });
    const stream = await client.responses.create({ model: 'prefsel-sim', input, stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'error', 'response.failed']);
    expect(events[2]).toMatchObject({ code: 'upstream_error', message: expect.stringContaining('500') });
    const failed = events[3] as OpenAI.Responses.ResponseFailedEvent;
    expect(failed.response.status).toBe('failed');
    expect(failed.response.error).toMatchObject({ code: 'server_error' });
  });

  it('Should make the SDK stream helper reject with the error', async () => {
    server.sim.inject({ status: 500, stallMs: 50, times: Infinity });
    const err = await client.responses
      .stream({ model: 'prefsel-sim', input })
      .finalResponse()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'error', code: 'upstream_error' });
  });
});
