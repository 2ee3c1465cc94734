import type { ChatCompletionCreateParams } from '../../core/openai.js';
import { canPostDirectly, chatCompletionsUrl, HF_USER_AGENT } from './direct-chat.js';
import { createOpenAICompatibleGenerator } from './openai-compatible.js';

const messages = [{ role: 'user' as const, content: 'Suggest a name for a grey cat.' }];
const completion = {
  id: 'c1', object: 'chat.completion', created: 1, model: 'm', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  choices: [{ index: 0, message: { role: 'assistant', content: 'Smoky' }, finish_reason: 'stop' }],
};
const json = (status: number, body: unknown, headers: Record<string, string> = {}, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
const raw = (status: number, body: string, type: string) => new Response(body, { status, headers: { 'content-type': type } });

/** Every kind of answer hf reads differently; each must come out of both paths the same. */
const answers: Record<string, () => Response | Promise<Response>> = {
  'a chat completion': () => json(200, completion),
  'a 2xx that is not JSON (hf returns a Blob)': () => raw(200, 'hello', 'text/plain'),
  'an OpenAI error with Retry-After': () => json(429, { error: { message: 'slow down', type: 'rate_limit' } }, { 'retry-after': '3' }),
  'a TGI error': () => json(422, { error: 'Input validation error' }),
  'a problem+json detail': () => json(500, { detail: 'boom' }, {}, 'application/problem+json'),
  'a JSON error without a message': () => json(400, { foo: 1 }),
  'a text/plain; charset error': () => raw(503, 'overloaded', 'text/plain; charset=utf-8'),
  'a bare text/plain error (hf drops its text)': () => raw(502, 'bad gateway', 'text/plain'),
  'an HTML error': () => raw(500, '<html>oops</html>', 'text/html'),
  'an error whose JSON is broken': () => raw(400, '{', 'application/json'),
  'a 2xx whose JSON is broken': () => raw(200, '{"id":', 'application/json'),
  'a network failure': () => Promise.reject(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') })),
};

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: string;
}

/** A generator over a fake fetch that records what it was sent. */
function recorded(answer: () => Response | Promise<Response>, options: { apiKey?: string; headers?: Record<string, string> } = {}) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, key) => {
      headers[key] = value;
    });
    sent.push({ url: String(input), method: init?.method, headers, body: String(init?.body) });
    return answer();
  };
  const generator = createOpenAICompatibleGenerator({ baseUrl: 'http://upstream.test:8000/v1/', fetch, mapModel: (m) => `up-${m}`, ...options });
  return { generator, sent };
}

/** What a caller can observe of an outcome. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    const value = await call;
    return value instanceof Blob ? { blob: await value.text(), type: value.type } : { value };
  } catch (err) {
    const e = err as Error & Record<string, unknown>;
    return { error: e.constructor.name, message: e.message, status: e.status, upstreamStatus: e.upstreamStatus, code: e.code, headers: e.headers };
  }
}

describe('direct chat path', () => {
  const params = { model: 'm', messages, temperature: 0.3, max_tokens: 20, seed: 5, stop: ['\n'], logprobs: false } satisfies ChatCompletionCreateParams;
  // `provider: undefined` changes nothing on the wire but makes the generator hand the call to hf: the reference.
  const viaHf = { ...params, provider: undefined } as ChatCompletionCreateParams;

  for (const [name, answer] of Object.entries(answers)) {
    it(`sends and reads exactly what hf does: ${name}`, async () => {
      for (const options of [{}, { apiKey: 'sk-1', headers: { 'X-Trace': 't1', 'user-agent': 'mine/1' } }]) {
        const direct = recorded(answer, options);
        const hf = recorded(answer, options);
        const [got, want] = await Promise.all([outcome(direct.generator.complete(params)), outcome(hf.generator.complete(viaHf))]);
        expect(got).toEqual(want);
        expect(direct.sent).toEqual(hf.sent);
        expect(direct.sent).toHaveLength(1);
      }
    });
  }

  it('sends hf\'s URL, headers and body (model last); no Authorization without a key', async () => {
    const { generator, sent } = recorded(answers['a chat completion']!);
    await generator.complete({ ...params, stream: true, stream_options: { include_usage: true } });
    expect(sent[0]).toMatchObject({ url: 'http://upstream.test:8000/v1/chat/completions', method: 'POST' });
    expect(sent[0]!.headers).toEqual({ 'content-type': 'application/json', 'user-agent': HF_USER_AGENT });
    const { model: _m, ...rest } = params;
    expect(sent[0]!.body).toBe(JSON.stringify({ ...rest, model: 'up-m' }));
  });

  it('leaves to hf what hf treats specially: its own fields, URL-like models, non-http base URLs', () => {
    const body = { model: 'm', messages };
    expect(canPostDirectly('http://h/v1', body)).toBe(true);
    expect(canPostDirectly('https://h/v1', body)).toBe(true);
    for (const field of ['accessToken', 'endpointUrl', 'provider', 'urlTransform', 'data']) {
      expect(canPostDirectly('http://h/v1', { ...body, [field]: undefined })).toBe(false);
    }
    expect(canPostDirectly('http://h/v1', { ...body, model: '/models/llama' })).toBe(false);
    expect(canPostDirectly('http://h/v1', { ...body, model: 'https://x' })).toBe(false);
    expect(canPostDirectly('localhost:8000/v1', body)).toBe(false);
  });

  it('builds the endpoint as hf does', () => {
    expect(chatCompletionsUrl('http://h/v1')).toBe('http://h/v1/chat/completions');
    expect(chatCompletionsUrl(' http://h/v1// ')).toBe('http://h/v1/chat/completions');
    expect(chatCompletionsUrl('http://h')).toBe('http://h/v1/chat/completions');
    expect(chatCompletionsUrl('http://h/api/chat/completions')).toBe('http://h/api/chat/completions');
  });
});
