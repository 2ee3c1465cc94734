import { Hono } from 'hono';
import { bodyLimit } from './body-limit.js';

/** An app that echoes the body length, with a 10-byte limit answering 413. */
function app() {
  const a = new Hono();
  a.post('/', bodyLimit({ maxSize: 10, onError: (c) => c.text('too large', 413) }), async (c) =>
    c.text(String((await c.req.text()).length)),
  );
  return a;
}

/** A body without a declared length, as a chunked upload sends it. */
const streamed = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });

describe('bodyLimit', () => {
  it('decides from Content-Length: at the limit passes, one byte over is refused', async () => {
    const ok = await app().request('/', { method: 'POST', body: '0123456789', headers: { 'content-length': '10' } });
    expect(await ok.text()).toBe('10');
    const over = await app().request('/', { method: 'POST', body: '0123456789a', headers: { 'content-length': '11' } });
    expect(over.status).toBe(413);
    // The header alone decides (the body is never read), as in Hono's own header branch.
    const declared = await app().request('/', { method: 'POST', body: 'abc', headers: { 'content-length': '100' } });
    expect(declared.status).toBe(413);
  });

  it('counts the bytes of a body without a length (or with Transfer-Encoding), as Hono does', async () => {
    const small = await app().request('/', { method: 'POST', body: streamed('abc'), duplex: 'half' } as RequestInit);
    expect(await small.text()).toBe('3');
    const big = await app().request('/', {
      method: 'POST',
      body: streamed('x'.repeat(50)),
      duplex: 'half',
    } as RequestInit);
    expect(big.status).toBe(413);
    const lying = await app().request('/', {
      method: 'POST',
      body: streamed('x'.repeat(50)),
      duplex: 'half',
      headers: { 'content-length': '1', 'transfer-encoding': 'chunked' },
    } as RequestInit);
    expect(lying.status).toBe(413);
  });
});
