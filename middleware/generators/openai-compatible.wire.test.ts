/**
 * What the upstream receives on the wire from the default generator: the body it serialises itself (so the k
 * candidates of a request share their conversation's JSON) must be the JSON hf would have sent, with a JSON
 * content type and a length, for plain and streaming calls alike. A raw HTTP server records the bytes.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAICompatibleGenerator } from './openai-compatible.js';

interface Hit {
  headers: IncomingHttpHeaders;
  raw: string;
}

const completion = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const chunk = JSON.stringify({
  id: 'x',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
});

let server: Server;
let url: string;
const hits: Hit[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      hits.push({ headers: req.headers, raw });
      if ((JSON.parse(raw) as { stream?: boolean }).stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${chunk}\n\ndata: [DONE]\n\n`);
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(completion);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => void hits.splice(0));

describe('openai-compatible generator on the wire', () => {
  const conversation = Array.from({ length: 50 }, (_, i) => ({
    role: i % 2 ? ('assistant' as const) : ('user' as const),
    content: `turn ${i}: "quoted", é, 😀`,
  }));
  const params = (directive: string) => ({
    model: 'client-model',
    messages: [{ role: 'system' as const, content: directive }, ...conversation],
    temperature: 0.7,
    seed: 3,
    max_tokens: 64,
  });

  it('sends JSON hf would send (members, then the mapped model) with its content type, for calls sharing a request', async () => {
    const g = createOpenAICompatibleGenerator({ baseUrl: url, apiKey: 'sk-op', mapModel: (m) => `up-${m}` });
    const requestKey = {};
    await g.complete(params('A'), { requestKey });
    await g.complete(params('B'), { requestKey });
    expect(hits).toHaveLength(2);
    for (const [i, directive] of ['A', 'B'].entries()) {
      const { model: _m, ...rest } = params(directive);
      const hit = hits[i]!;
      expect(hit.raw).toBe(JSON.stringify({ ...rest, model: 'up-client-model' }));
      expect(hit.headers['content-type']).toBe('application/json');
      expect(Number(hit.headers['content-length'])).toBe(Buffer.byteLength(hit.raw));
      expect(hit.headers.authorization).toBe('Bearer sk-op');
    }
  });

  it('a stream sends the same body with stream set, as JSON', async () => {
    const g = createOpenAICompatibleGenerator({ baseUrl: url });
    let text = '';
    for await (const c of g.stream!({ ...params('S'), stream_options: { include_usage: true } }, { requestKey: {} }))
      text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('ok');
    const { model: _m, ...rest } = params('S');
    const hit = hits[0]!;
    expect(hit.headers['content-type']).toBe('application/json');
    expect(JSON.parse(hit.raw)).toEqual({
      ...rest,
      stream_options: { include_usage: true },
      stream: true,
      model: 'client-model',
    });
    expect(Number(hit.headers['content-length'])).toBe(Buffer.byteLength(hit.raw));
  });
});
