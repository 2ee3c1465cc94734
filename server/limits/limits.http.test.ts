/**
 * Budgets over HTTP, seen by the official OpenAI client: a spent request budget is OpenAI's own 429 shape with
 * Retry-After; a token budget counts every candidate (k × max_tokens reserved before generation, settled after); three
 * replicas sharing a real Redis admit the limit once, not three times; a Redis outage is fail-open or fail-closed as
 * configured, never a crash.
 */
import OpenAI from 'openai';
import { redisMissing, startRedis, type TestRedis } from '../../test/redis-server.js';
import { startTestServer, type TestServer } from '../../test/server-harness.js';
import type { LimitSettings } from './limiter.js';
import { createRedisLimitStore } from './redis-store.js';
import { createMemoryLimitStore, type LimitStore } from './store.js';

const base: LimitSettings = { windowMs: 60_000, reserveTokens: 64, failure: 'open', defaultK: 3 };
const missing = redisMissing();
if (missing) console.warn(`[skip] Redis-backed limit tests: ${missing}`);

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const start = async (settings: Partial<LimitSettings>, store: LimitStore = createMemoryLimitStore()) => {
  const server = await startTestServer({ limits: { settings: { ...base, ...settings }, store } });
  servers.push(server);
  return server;
};
const chat = (server: TestServer, body: Record<string, unknown> = {}, key = 'client-a') =>
  fetch(`${server.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'Say something kind.' }], ...body }),
  });

describe('limits over HTTP (one process)', () => {
  it('answers OpenAI’s 429 (type requests, code rate_limit_exceeded, Retry-After) once a key’s budget is spent', async () => {
    const server = await start({ keyRequests: 2 });
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'client-a', maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    await ask();
    await ask();
    const err = (await ask().catch((e: unknown) => e)) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(50);
    expect(err.message).toMatch(/Rate limit reached for this API key on requests per 60 s: limit 2, used 2/);
    // Another key has its own budget.
    expect((await chat(server, {}, 'client-b')).status).toBe(200);
    const metrics = await (await fetch(`${server.origin}/metrics`)).text();
    expect(metrics).toMatch(/prefsel_limit_rejections_total\{dimension="key",budget="requests"\} 1/);
  });

  it('counts all k candidates of a request against a user’s token budget, before generating any', async () => {
    const server = await start({ userTokens: 200 });
    // k 3 × max_tokens 50 = 150 reserved: fits in 200.
    expect((await chat(server, { user: 'alice', max_tokens: 50, selection: { k: 3 } })).status).toBe(200);
    const usedBefore = server.sim.received.length;
    const refused = await chat(server, { user: 'alice', max_tokens: 50, selection: { k: 4 } });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('tokens');
    expect(body.error.message).toMatch(/this user on tokens .* requested 200 \(4 candidates × 50\)/);
    expect(server.sim.received.length).toBe(usedBefore); // refused before any upstream call
    expect((await chat(server, { user: 'bob', max_tokens: 50, selection: { k: 4 } })).status).toBe(200);
  });

  it('settles a reservation to the tokens really generated, so short answers leave budget for more', async () => {
    // Each request reserves 3 × 1000 = 3000 of 4000; the simulator's answers are far shorter. Only if the first
    // request's reservation is settled to its real count does a second one fit.
    const server = await start({ userTokens: 4000 });
    const first = await chat(server, { user: 'carol', max_tokens: 1000 });
    expect(first.status).toBe(200);
    const used = ((await first.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens;
    expect(used).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 50)); // settlement is not on the response path
    expect((await chat(server, { user: 'carol', max_tokens: 1000 })).status).toBe(200);
    // Settled amounts still count: the budget runs out after about (4000 − 3000) / used more requests.
    let admitted = 2;
    while ((await chat(server, { user: 'carol', max_tokens: 1000 })).status === 200 && admitted < 20) admitted++;
    expect(admitted).toBeGreaterThanOrEqual(2);
    expect(admitted).toBeLessThan(20);
  });
});

describe.skipIf(missing !== undefined)('limits shared through Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  it('three replicas with a limit of 10 per window admit 10 between them, not 30', async () => {
    const replicas = await Promise.all(
      [0, 1, 2].map(() =>
        start({ keyRequests: 10 }, createRedisLimitStore({ url: redis.url, prefix: 'http1:', timeoutMs: 5000 })),
      ),
    );
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => chat(replicas[i % 3]!).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200).length).toBe(10);
    expect(statuses.filter((s) => s === 429).length).toBe(20);
  });

  it('Redis down: fail-open admits and counts the error; fail-closed answers 503; the process keeps serving', async () => {
    const gone = await startRedis();
    const open = await start(
      { keyRequests: 1 },
      createRedisLimitStore({ url: gone.url, prefix: 'o:', onError: () => {} }),
    );
    const closed = await start(
      { keyRequests: 1, failure: 'closed' },
      createRedisLimitStore({ url: gone.url, prefix: 'c:', onError: () => {} }),
    );
    expect((await chat(open)).status).toBe(200);
    await gone.stop();
    expect((await chat(open)).status).toBe(200); // over the limit of 1, but the store cannot say so: admitted
    expect((await chat(open)).status).toBe(200);
    const refused = await chat(closed);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('dependency_unavailable');
    const metrics = await (await fetch(`${open.origin}/metrics`)).text();
    expect(metrics).toMatch(/prefsel_limit_store_errors_total\{failure="open"\} [2-9]/);
    expect(open.logs.some((l) => l.includes('limit store unreachable: admitting requests without limits'))).toBe(true);
  });
});
