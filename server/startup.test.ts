import { Hono } from 'hono';
import { createStartupGate } from './startup.js';

describe('start-up gate', () => {
  it('Should be live but not ready while loading, then hand every request to the app', async () => {
    const gate = createStartupGate();
    const get = (path: string, init?: RequestInit) => gate.fetch(new Request(`http://localhost${path}`, init));

    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'starting' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect((await ready.json()).error.code).toBe('not_ready');
    const chat = await get('/v1/chat/completions', { method: 'POST', body: '{}' });
    expect(chat.status).toBe(503);
    expect(chat.headers.get('retry-after')).toBe('1');
    expect((await chat.json()).error).toMatchObject({ type: 'server_error', code: 'not_ready', param: null });

    const app = new Hono();
    app.get('/readyz', (c) => c.json({ status: 'ready' }));
    gate.open(app);
    expect((await get('/readyz')).status).toBe(200);
  });
});
