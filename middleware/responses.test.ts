/**
 * The Responses API middleware against a controllable selector: the response object's shape, the typed event stream
 * (replayed, live, committed early, failing late) and the allow-list, without timing assumptions. End-to-end with
 * the official clients and the real engine: `server/responses-*.test.ts`.
 */
import { Hono } from 'hono';
import type OpenAI from 'openai';
import { UpstreamError } from '../core/errors.js';
import type { ChatCompletionChunk } from '../core/openai.js';
import type { ResponseStreamEvent } from '../core/openai-responses.js';
import type { Selector } from '../core/selector.js';
import { deferred, fakeSelector, selectionOf } from '../test/fake-selector.js';
import { errorResponse } from './http/errors.js';
import { newResponsesMeta, renderResponse } from './http/responses-render.js';
import { preferenceResponses } from './responses.js';

/** An SDK event as sent: the SDK adds `output_text` to response objects itself. */
type OnTheWire<E> = E extends { response: infer R } ? Omit<E, 'response'> & { response: Omit<R, 'output_text'> } : E;

function appWith(selector: Selector, options: { keepAliveMs?: number } = {}) {
  const app = new Hono();
  app.use('/v1/*', preferenceResponses({ selector, ...options }));
  app.onError((err) => errorResponse(err));
  return app;
}

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'm', input: 'Explain TCP slow start.', ...extra });

function post(app: Hono, payload: string, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return app.request('http://localhost/v1/responses', {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

/** The events of a Responses SSE body; checks each `event:` line names its data's type. Comments are kept as text. */
function parseEvents(text: string): Array<ResponseStreamEvent | string> {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) => {
      if (frame.startsWith(':')) return frame;
      const [eventLine, dataLine] = frame.split('\n');
      const event = JSON.parse(dataLine!.slice('data: '.length)) as ResponseStreamEvent;
      expect(eventLine).toBe(`event: ${event.type}`);
      return event;
    });
}

const eventsOnly = (items: Array<ResponseStreamEvent | string>) =>
  items.filter((e): e is ResponseStreamEvent => typeof e !== 'string');

/** Reads until the text so far ends with `marker` (frames arrive one write at a time). */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, marker: string): Promise<string> {
  let text = '';
  while (!text.endsWith(marker)) {
    const r = await reader.read();
    if (r.done) throw new Error(`stream ended before ${JSON.stringify(marker)}: ${text}`);
    text += new TextDecoder().decode(r.value);
  }
  return text;
}

async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
  return text;
}

describe('preferenceResponses: JSON', () => {
  it('Should answer a Response object the official SDK types accept', async () => {
    const selector = fakeSelector(async () => selectionOf(['short', 'the longest answer', 'medium one']));
    const res = await post(appWith(selector), body({ metadata: { a: 'b' }, max_output_tokens: 50 }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, any>;
    expect(json).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'm',
      error: null,
      incomplete_details: null,
      metadata: { a: 'b' },
      max_output_tokens: 50,
      output: [
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'the longest answer', annotations: [] }],
        },
      ],
      usage: {
        input_tokens: 30,
        output_tokens: 33,
        total_tokens: 63,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(json.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(json.output[0].id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(json.selection).toBeUndefined();
    expect(res.headers.get('x-selection-strategy')).toBe('rps');
    expect(res.headers.get('x-selection-chosen')).toBe('1');
    expect(res.headers.get('server-timing')).toContain('scoring;dur=2.0');
  });

  it('Should render a type the SDK accepts as its Response (checked by tsc)', () => {
    const meta = newResponsesMeta('m', {
      instructions: null,
      max_output_tokens: null,
      metadata: {},
      temperature: null,
      top_p: null,
      textFormat: { type: 'text' },
    });
    const rendered = renderResponse(selectionOf(['a']), meta, { returnCandidates: false });
    // output_text is added by the SDK itself, never sent on the wire.
    const asSdk: Omit<OpenAI.Responses.Response, 'output_text'> = rendered;
    expect(asSdk.object).toBe('response');
    // Every event prefsel can write is one of the SDK's stream events.
    const asSdkEvent = (event: ResponseStreamEvent): OnTheWire<OpenAI.Responses.ResponseStreamEvent> => event;
    expect(asSdkEvent).toBeTypeOf('function');
  });

  it('Should mark a length-truncated answer incomplete, as the Responses API does', async () => {
    const selection = selectionOf(['cut off']);
    selection.chosen.finishReason = 'length';
    const res = await post(appWith(fakeSelector(async () => selection)), body());
    const json = (await res.json()) as Record<string, any>;
    expect(json.status).toBe('incomplete');
    expect(json.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(json.output[0].status).toBe('incomplete');
  });

  it('Should build the upstream call from the allow-list and the extensions from body over headers', async () => {
    const selector = fakeSelector(async () => selectionOf(['a']));
    await post(
      appWith(selector),
      body({
        model: 'best_of_n:m',
        instructions: 'Be brief.',
        input: [
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'Part one. ' },
              { type: 'input_text', text: 'Two.' },
            ],
          },
        ],
        max_output_tokens: 64,
        temperature: 0.2,
        top_p: 0.5,
        user: 'u',
        metadata: { m: 'x' },
        store: false,
        truncation: 'disabled',
        parallel_tool_calls: true,
        prompt_cache_key: 'k',
        selection: { k: 3, return_candidates: true },
        preference: { angle_deg: 20 },
      }),
      { headers: { 'x-preference': 'helpfulness=1', 'x-selection-k': '4', 'x-selection-seed': '9' } },
    );
    const call = selector.calls[0]!;
    expect(call.params).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Part one. ' },
            { type: 'text', text: 'Two.' },
          ],
        },
      ],
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.5,
      user: 'u',
    });
    expect(call.preference).toEqual({ angle_deg: 20 });
    expect(call.selection).toEqual({ strategy: 'best_of_n', k: 3, seed: 9 });
  });

  it('Should leave other routes and methods to the app', async () => {
    const app = appWith(fakeSelector(async () => selectionOf(['a'])));
    app.get('/v1/other', (c) => c.text('other'));
    expect(await (await app.request('http://localhost/v1/other')).text()).toBe('other');
    expect((await app.request('http://localhost/v1/responses')).status).toBe(404);
  });

  it.each([
    ['a bad X-Selection-K', { 'x-selection-k': 'five' }, 'selection.k'],
    ['an unknown X-Preference attribute', { 'x-preference': 'speed=1' }, 'preference.speed'],
  ])('Should answer 400 to %s, naming the field', async (_name, headers, param) => {
    const selector = fakeSelector(async () => selectionOf(['a']));
    const res = await post(appWith(selector), body(), { headers });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    expect(selector.calls).toHaveLength(0);
  });
});

describe('preferenceResponses: streaming', () => {
  it('Should replay the chosen answer as typed events with consecutive sequence numbers and no [DONE]', async () => {
    const text = 'one two three four five six seven eight nine ten eleven';
    const selector = fakeSelector(async () => selectionOf([text]));
    const res = await post(appWith(selector), body({ stream: true, selection: { return_candidates: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-selection-strategy')).toBe('rps');
    const raw = await res.text();
    expect(raw).not.toContain('[DONE]');
    const events = eventsOnly(parseEvents(raw));
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(text);
    const last = events.at(-1)!;
    expect(last.type).toBe('response.completed');
    const response = (last as { response: Record<string, any> }).response;
    expect(response.output[0].content[0].text).toBe(text);
    expect(response.usage.output_tokens).toBe(55);
    expect(response.selection.chosen).toBe(0);
  });

  it('Should hold the headers back so a fast failure keeps its real status', async () => {
    const selector = fakeSelector(async () => {
      throw new UpstreamError('Upstream answered 503: overloaded', 503);
    });
    const res = await post(appWith(selector), body({ stream: true }));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'upstream_error' } });
  });

  it('Should commit with response.created and keep-alives, then continue the same sequence', async () => {
    const pending = deferred();
    const res = await post(
      appWith(
        fakeSelector(() => pending.promise),
        { keepAliveMs: 1 },
      ),
      body({ stream: true }),
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = parseEvents(await readUntil(reader, ': keep-alive\n\n'));
    expect(first.map((e) => (typeof e === 'string' ? e : e.type))).toEqual([
      'response.created',
      'response.in_progress',
      ': keep-alive',
    ]);
    pending.resolve(selectionOf(['done now']));
    const events = eventsOnly([...first, ...parseEvents(await readAll(reader))]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === 'response.created')).toHaveLength(1);
    expect(events.at(-1)!.type).toBe('response.completed');
  });

  it('Should report a failure after the headers as error then response.failed', async () => {
    const pending = deferred();
    const res = await post(
      appWith(
        fakeSelector(() => pending.promise),
        { keepAliveMs: 1 },
      ),
      body({ stream: true }),
    );
    const reader = res.body!.getReader();
    await readUntil(reader, ': keep-alive\n\n');
    pending.reject(new UpstreamError('Upstream answered 500: boom', 500));
    const events = eventsOnly(parseEvents(await readAll(reader)));
    expect(events.map((e) => [e.type, e.sequence_number])).toEqual([
      ['error', 2],
      ['response.failed', 3],
    ]);
    expect(events[0]).toMatchObject({ code: 'upstream_error', message: 'Upstream answered 500: boom', param: null });
    expect((events[1] as { response: object }).response).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'Upstream answered 500: boom' },
      output: [],
    });
  });

  it('Should abort the selection when the client goes away', async () => {
    let seen: AbortSignal | undefined;
    const selector = fakeSelector(
      (_req, options) =>
        new Promise((_resolve, reject) => {
          seen = options.signal;
          options.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    const client = new AbortController();
    const res = Promise.resolve(post(appWith(selector), body(), { signal: client.signal }));
    await vi.waitFor(() => expect(seen).toBeDefined());
    client.abort();
    await res.catch(() => undefined);
    expect(seen!.aborted).toBe(true);
  });
});

describe('preferenceResponses: strategy none streams live', () => {
  const chunk = (content: string | null, finish: ChatCompletionChunk['choices'][number]['finish_reason'] = null) =>
    ({
      id: 'up',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'upstream',
      choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
    }) satisfies ChatCompletionChunk;
  const usageChunk = {
    ...chunk(null),
    choices: [],
    usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 },
  } satisfies ChatCompletionChunk;

  function streamingSelector(chunks: ChatCompletionChunk[], seen: { params?: unknown; returned?: boolean }) {
    return fakeSelector(async () => selectionOf(['unused']), {
      async *stream(params) {
        seen.params = params;
        try {
          yield* chunks;
        } finally {
          seen.returned = true;
        }
      },
    });
  }

  it('Should relay the upstream chunks as deltas and finish with its usage', async () => {
    const seen: { params?: any; returned?: boolean } = {};
    const selector = streamingSelector([chunk('Hel'), chunk('lo'), chunk(null, 'stop'), usageChunk], seen);
    const res = await post(appWith(selector), body({ stream: true, selection: { strategy: 'none' } }));
    expect(res.headers.get('x-selection-strategy')).toBe('none');
    const events = eventsOnly(parseEvents(await res.text()));
    expect(events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []))).toEqual(['Hel', 'lo']);
    const last = events.at(-1) as { type: string; response: Record<string, any> };
    expect(last.type).toBe('response.completed');
    expect(last.response.usage).toMatchObject({ input_tokens: 4, output_tokens: 2, total_tokens: 6 });
    expect(seen.params).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(selector.calls).toHaveLength(0);
    expect(seen.returned).toBe(true);
  });

  it('Should fail a stream the upstream cut off, keeping the partial text, never completing it', async () => {
    const selector = streamingSelector([chunk('Hel'), chunk('lo')], {});
    const res = await post(appWith(selector), body({ stream: true, model: 'none:m' }));
    const events = eventsOnly(parseEvents(await res.text()));
    expect(events.map((e) => e.type).slice(-2)).toEqual(['error', 'response.failed']);
    const failed = events.at(-1) as { response: Record<string, any> };
    expect(failed.response.output[0]).toMatchObject({ status: 'incomplete', content: [{ text: 'Hello' }] });
    expect(events.some((e) => e.type === 'response.completed')).toBe(false);
  });
});
