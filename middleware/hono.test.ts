/**
 * The HTTP layer against a controllable selector: the tests decide when (and how) selection finishes, so the
 * streaming paths (headers held back, keep-alives, late errors) are exercised without any timing assumption.
 * End-to-end behaviour with the real engine and upstream is covered in `server/*.test.ts`.
 */
import { Hono } from 'hono';
import { UpstreamError } from '../core/errors.js';
import type { ChatCompletionChunk } from '../core/openai.js';
import type { Selector } from '../core/selector.js';
import { deferred, fakeSelector, selectionOf } from '../test/fake-selector.js';
import { errorResponse } from './http/errors.js';
import { preferenceSelection } from './hono.js';

function appWith(
  selector: Selector,
  options: { keepAliveMs?: number; resolveModel?: (m: string) => string | null; forwardParams?: string[] } = {},
) {
  const app = new Hono();
  app.use('/v1/*', preferenceSelection({ selector, ...options }));
  app.onError((err) => errorResponse(err));
  return app;
}

const body = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Explain TCP slow start.' }], ...extra });

function post(app: Hono, payload: string, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return app.request('http://localhost/v1/chat/completions', {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

/** `data:` payloads and comments of an SSE body, in order. */
function sseEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => (e.startsWith('data: ') ? e.slice(6) : e));
}

describe('preferenceSelection: JSON responses', () => {
  it('Should answer in the OpenAI shape with usage over all candidates and report headers', async () => {
    const selector = fakeSelector(async () => selectionOf(['short', 'the longest answer', 'medium one']));
    const res = await post(appWith(selector), body());
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, any>;
    expect(json.id).toMatch(/^chatcmpl-/);
    expect(json.object).toBe('chat.completion');
    expect(json.model).toBe('m');
    expect(typeof json.created).toBe('number');
    expect(json.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: 'the longest answer' },
        finish_reason: 'stop',
        logprobs: null,
      },
    ]);
    expect(json.usage).toEqual({ prompt_tokens: 30, completion_tokens: 33, total_tokens: 63 });
    expect(json.selection).toBeUndefined();
    expect(res.headers.get('x-selection-strategy')).toBe('rps');
    expect(res.headers.get('x-selection-candidates')).toBe('3');
    expect(res.headers.get('x-selection-score')).toBe('18.000000');
    expect(res.headers.get('server-timing')).toContain('scoring;dur=2.0');
  });

  it('Should return the top n candidates in rank order and the full report on request', async () => {
    const selector = fakeSelector(async () => selectionOf(['short', 'the longest answer', 'medium one']));
    const res = await post(appWith(selector), body({ n: 2, selection: { return_candidates: true } }));
    const json = (await res.json()) as Record<string, any>;
    expect(json.choices.map((c: any) => c.message.content)).toEqual(['the longest answer', 'medium one']);
    expect(json.choices.map((c: any) => c.index)).toEqual([0, 1]);
    expect(json.selection.chosen).toBe(1);
    expect(json.selection.candidates).toHaveLength(3);
    expect(json.selection.candidates[1]).toMatchObject({ chosen: true, rank: 0, status: 'ok', projection: 18 });
    expect(json.selection.candidates[0].direction).toEqual({
      weights: { helpfulness: 1, verbosity: 0 },
      offset_deg: 0,
      angle_deg: 0,
    });
    expect(json.selection.target.weights).toEqual({ helpfulness: 1, verbosity: 0 });
  });

  it('Should pass OpenAI parameters and operator-allowed fields through, extensions and n out, headers in', async () => {
    const selector = fakeSelector(async () => selectionOf(['a']));
    await post(
      appWith(selector, { forwardParams: ['custom_field'] }),
      body({
        temperature: 0.3,
        max_tokens: 50,
        seed: 7,
        stop: ['\n'],
        user: 'u',
        custom_field: { x: 1 },
        n: 1,
        selection: { k: 3 },
      }),
      {
        headers: {
          'x-preference': 'helpfulness=0.8, verbosity=0.6',
          'x-selection-strategy': 'best_of_n',
          'x-selection-k': '4',
        },
      },
    );
    const call = selector.calls[0]!;
    expect(call.params).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'Explain TCP slow start.' }],
      temperature: 0.3,
      max_tokens: 50,
      seed: 7,
      stop: ['\n'],
      user: 'u',
      custom_field: { x: 1 },
    });
    expect(call.preference).toEqual({ helpfulness: 0.8, verbosity: 0.6 });
    // Body fields win over headers field by field.
    expect(call.selection).toEqual({ strategy: 'best_of_n', k: 3 });
  });

  it('Should refuse a field outside the allow-list with a 400 naming it, before the engine runs', async () => {
    const selector = fakeSelector(async () => selectionOf(['a']));
    const res = await post(appWith(selector), body({ custom_field: 1 }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { param: 'custom_field', code: 'unknown_parameter' } });
    expect(selector.calls).toHaveLength(0);
  });

  it('Should take the strategy from a model prefix unless the body or a header names one', async () => {
    const selector = fakeSelector(async () => selectionOf(['a']));
    const app = appWith(selector);
    await post(app, body({ model: 'best_of_n:m' }));
    await post(app, body({ model: 'best_of_n:m' }), { headers: { 'x-selection-strategy': 'none' } });
    await post(app, body({ model: 'best_of_n:m', selection: { strategy: 'rps' } }));
    expect(selector.calls.map((c) => [c.params.model, c.selection?.strategy])).toEqual([
      ['m', 'best_of_n'],
      ['m', 'none'],
      ['m', 'rps'],
    ]);
  });

  it('Should pass tool and JSON-mode requests through with strategy none', async () => {
    const selector = fakeSelector(async () => selectionOf(['{}'], 'none'));
    await post(appWith(selector), body({ tools: [{ type: 'function', function: { name: 'f' } }], n: 2 }));
    await post(appWith(selector), body({ response_format: { type: 'json_object' } }));
    expect(selector.calls.map((c) => c.selection?.strategy)).toEqual(['none', 'none']);
    expect(selector.calls[0]!.params.n).toBe(2);
  });

  it('Should map the model and 404 an unknown one', async () => {
    const selector = fakeSelector(async () => selectionOf(['a']));
    const app = appWith(selector, { resolveModel: (m) => (m === 'm' ? 'upstream-m' : null) });
    const ok = await post(app, body());
    expect(((await ok.json()) as { model: string }).model).toBe('m');
    expect(selector.calls[0]!.params.model).toBe('upstream-m');
    const res = await post(app, body({ model: 'nope' }));
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });

  it('Should leave other routes and methods to the app', async () => {
    const app = appWith(fakeSelector(async () => selectionOf(['a'])));
    app.get('/v1/other', (c) => c.text('other'));
    expect(await (await app.request('http://localhost/v1/other')).text()).toBe('other');
    expect((await app.request('http://localhost/v1/chat/completions')).status).toBe(404);
  });
});

describe('preferenceSelection: validation', () => {
  const selector = fakeSelector(async () => selectionOf(['a']));
  const app = appWith(selector);
  const cases: Array<[string, string, Record<string, string> | undefined, string | null]> = [
    ['malformed JSON', '{"model": "m",', undefined, null],
    ['an array body', '[]', undefined, null],
    ['an empty body', '', undefined, null],
    ['missing messages', JSON.stringify({ model: 'm' }), undefined, 'messages'],
    ['empty messages', JSON.stringify({ model: 'm', messages: [] }), undefined, 'messages'],
    ['a bad role', body({ messages: [{ role: 'robot', content: 'x' }] }), undefined, 'messages[0].role'],
    ['a user message without content', body({ messages: [{ role: 'user' }] }), undefined, 'messages[0].content'],
    ['a string temperature', body({ temperature: 'hot' }), undefined, 'temperature'],
    ['a fractional n', body({ n: 1.5 }), undefined, 'n'],
    ['n above k', body({ n: 6 }), undefined, 'n'],
    ['an unknown attribute', body({ preference: { speed: 1 } }), undefined, 'preference.speed'],
    [
      'an unknown wrapped attribute',
      body({ preference: { weights: { speed: 1 } } }),
      undefined,
      'preference.weights.speed',
    ],
    ['a string weight', body({ preference: { helpfulness: 'high' } }), undefined, 'preference.helpfulness'],
    ['a string angle', body({ preference: { angle_deg: 'x' } }), undefined, 'preference.angle_deg'],
    ['k too large', body({ selection: { k: 1000 } }), undefined, 'selection.k'],
    ['an unknown strategy', body({ selection: { strategy: 'magic' } }), undefined, 'selection.strategy'],
    ['a typo in selection', body({ selection: { candidates: 3 } }), undefined, 'selection.candidates'],
    ['a bad X-Selection-K', body(), { 'x-selection-k': 'five' }, 'selection.k'],
    ['a bad X-Selection-Strategy', body(), { 'x-selection-strategy': 'fast' }, 'selection.strategy'],
    ['a malformed X-Preference', body(), { 'x-preference': 'helpfulness' }, 'preference'],
    ['an unknown X-Preference attribute', body(), { 'x-preference': 'speed=1' }, 'preference.speed'],
  ];
  it.each(cases)('Should answer 400 to %s, naming the field', async (_name, payload, headers, param) => {
    const res = await post(app, payload, headers ? { headers } : {});
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { type: string; param: string | null; message: string } };
    expect(json.error.type).toBe('invalid_request_error');
    expect(json.error.param).toBe(param);
    expect(json.error.message.length).toBeGreaterThan(10);
    expect(selector.calls).toHaveLength(0);
  });
});

describe('preferenceSelection: streaming', () => {
  it('Should replay the chosen answer as spec-exact SSE with usage last', async () => {
    const selector = fakeSelector(async () => selectionOf(['one two three four five six seven eight nine ten eleven']));
    const res = await post(appWith(selector), body({ stream: true, stream_options: { include_usage: true } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-selection-strategy')).toBe('rps');
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as ChatCompletionChunk);
    const ids = new Set(chunks.map((c) => `${c.id}|${c.object}|${c.created}|${c.model}`));
    expect(ids.size).toBe(1);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('one two three four five six seven eight nine ten eleven');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    const finish = chunks.at(-2)!;
    expect(finish.choices[0]!.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 10, completion_tokens: 55, total_tokens: 65 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('Should stream n choices, each with its role delta first and its own finish chunk', async () => {
    const selector = fakeSelector(async () => selectionOf(['short', 'the longest answer', 'medium one']));
    const res = await post(appWith(selector), body({ stream: true, n: 2 }));
    const chunks = sseEvents(await res.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e) as ChatCompletionChunk);
    for (const index of [0, 1]) {
      const mine = chunks.filter((c) => c.choices[0]!.index === index);
      expect(mine[0]!.choices[0]!.delta.role).toBe('assistant');
      expect(mine.at(-1)!.choices[0]!.finish_reason).toBe('stop');
      expect(mine.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe(
        index === 0 ? 'the longest answer' : 'medium one',
      );
    }
  });

  it('Should hold the headers back so a fast failure keeps its real status', async () => {
    const selector = fakeSelector(async () => {
      throw new UpstreamError('Upstream answered 503: overloaded', 503);
    });
    const res = await post(appWith(selector), body({ stream: true }));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'upstream_error' } });
  });

  it('Should send keep-alives while selection runs, then the answer', async () => {
    const pending = deferred();
    const selector = fakeSelector(() => pending.promise);
    const res = await post(
      appWith(selector, { keepAliveMs: 1 }),
      body({ stream: true, selection: { return_candidates: true } }),
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe(': keep-alive\n\n');
    pending.resolve(selectionOf(['done now']));
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    const events = sseEvents(rest).filter((e) => !e.startsWith(':'));
    expect(events.at(-1)).toBe('[DONE]');
    const finish = JSON.parse(events.at(-2)!) as ChatCompletionChunk & { selection?: { chosen: number } };
    expect(finish.choices[0]!.finish_reason).toBe('stop');
    expect(finish.selection?.chosen).toBe(0);
  });

  it('Should report a failure after the headers as an SSE error event and no [DONE]', async () => {
    const pending = deferred();
    const selector = fakeSelector(() => pending.promise);
    const res = await post(appWith(selector, { keepAliveMs: 1 }), body({ stream: true }));
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    pending.reject(new UpstreamError('Upstream answered 500: boom', 500));
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    const events = sseEvents(rest).filter((e) => !e.startsWith(':'));
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!)).toEqual({
      error: { message: 'Upstream answered 500: boom', type: 'upstream_error', param: null, code: 'upstream_error' },
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

  it('Should stream strategy none straight from the generator', async () => {
    const upstreamChunks: ChatCompletionChunk[] = ['Hel', 'lo'].map((content, i) => ({
      id: 'up',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'upstream',
      choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: null }],
    }));
    let returned = false;
    const selector = fakeSelector(async () => selectionOf(['unused']), {
      async *stream(params) {
        expect(params.stream).toBe(true);
        try {
          yield* upstreamChunks;
        } finally {
          returned = true;
        }
      },
    });
    const res = await post(appWith(selector), body({ stream: true, selection: { strategy: 'none' } }));
    const events = sseEvents(await res.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as ChatCompletionChunk);
    expect(chunks.map((c) => c.choices[0]!.delta.content).join('')).toBe('Hello');
    expect(chunks.every((c) => c.model === 'm' && c.id.startsWith('chatcmpl-'))).toBe(true);
    expect(selector.calls).toHaveLength(0);
    expect(returned).toBe(true);
  });
});
