/**
 * Secrets and internals stay inside (issue 10 §5): an upstream that quotes the operator's key in any recognisable
 * form (whole, first 6 + last 4, a prefix or suffix beside masking, a long middle fragment) never gets it to a
 * client or a log line; unauthenticated routes show no filesystem path; `/metrics` needs a key when keys are set.
 */
import { Writable } from 'node:stream';
import { createSelector } from '../middleware/create-selector.js';
import { createOpenAICompatibleGenerator } from '../middleware/generators/openai-compatible.js';
import { createFunctionScorer } from '../scorers/function.js';
import { startTestServer, type TestServer } from '../test/server-harness.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createApp } from './app.js';
import { createRequestTracker } from './in-flight.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { redactingGenerator } from './redact.js';

const KEY = 'sk-OPERATOR-abcdef0123456789XYZ';
const messages = [{ role: 'user', content: 'What is a mutex?' }];

/** Every way of quoting the key an upstream or a provider has been seen to use, and a few an attacker would try. */
const QUOTED = [
  `Incorrect API key provided: ${KEY}.`,
  'Incorrect API key provided: sk-OPE****9XYZ. You can find your API key at https://example.com/keys.',
  'invalid key sk-OPE...9XYZ',
  'invalid key sk-OPE…9XYZ',
  'key "****9XYZ" was revoked',
  'key sk-OPERA*********************** is not allowed',
  'the key ending in 9XYZ has expired',
  'token abcdef0123456 is unknown',
  `Bearer ${KEY}`,
];

/** Fragments that must never appear: the first 6, the last 4, and any 8 consecutive characters of the key. */
function leaks(text: string): string[] {
  const found = ['sk-OPE', '9XYZ'].filter((f) => text.includes(f));
  for (let i = 0; i + 8 <= KEY.length; i++) if (text.includes(KEY.slice(i, i + 8))) found.push(KEY.slice(i, i + 8));
  return found;
}

describe('an upstream that quotes the key', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sim: { apiKey: KEY }, upstreamApiKey: KEY });
  });
  afterAll(() => server.close());

  it.each(QUOTED)('%s: no fragment reaches the client or the logs', async (message) => {
    server.sim.inject({ status: 401, body: { error: { message, type: 'invalid_request_error', code: 'bad_key' } } });
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'prefsel-sim', messages, selection: { k: 1 } }),
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(leaks(text)).toEqual([]);
    expect(text).toContain('***');
    expect(leaks(server.logs.join(''))).toEqual([]);
  });

  it('an upstream 500 is logged with its cause, and the log line carries no part of the key', async () => {
    server.sim.inject({ status: 500 });
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'prefsel-sim', messages, selection: { k: 1 } }),
    });
    expect(res.status).toBe(502);
    const logged = server.logs.join('');
    expect(logged).toContain('request failed');
    expect(leaks(logged)).toEqual([]);
  });
});

describe('endpoints with client keys set', () => {
  let sim: SimulatedUpstream;
  let app: ReturnType<typeof createApp>;
  const logs: string[] = [];
  beforeAll(async () => {
    sim = await startSimulatedUpstream({ apiKey: KEY });
    const scorer = createFunctionScorer({ attributes: ['helpfulness', 'verbosity'], score: () => [0.5, 0.5] });
    // A reward model loaded from an absolute path, as `--reward-model /srv/models/rm-v3` gives.
    const located = { ...scorer, info: { model: '/srv/secret-models/rm-v3', executionProvider: 'cpu' } };
    const generator = redactingGenerator(createOpenAICompatibleGenerator({ baseUrl: sim.url, apiKey: 'wrong' }), [
      'wrong',
    ]);
    const selector = createSelector({ generator, scorer: located });
    const tracker = createRequestTracker();
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (logs.push(chunk.toString()), done()) });
    app = createApp({
      selector,
      logger: createLogger('debug', sink),
      metrics: createMetrics({
        upstreamQueue: () => selector.upstreamQueue(),
        requestsInFlight: () => 0,
        scorer: located,
      }),
      tracker,
      options: { apiKeys: ['client-key'], bodyLimit: 1 << 20, maxRequests: 8, keepAliveMs: 1500, modelMap: {} },
    });
  });
  afterAll(() => sim.close());
  const get = (path: string, key?: string) =>
    app.request(path, key ? { headers: { authorization: `Bearer ${key}` } } : {});

  it('/healthz answers anyone', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });

  it('/readyz answers anyone with its status only: no path, no upstream message', async () => {
    const res = await get('/readyz');
    expect(res.status).toBe(503); // the upstream refuses our (wrong) key
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ status: 'not_ready' });
    expect(text).not.toContain('/srv');
    expect(text).not.toContain('rm-v3');
    expect(text).not.toMatch(/401|Incorrect|openai-compatible/);
  });

  it('/readyz with a client key shows the checks, with the model named but not located', async () => {
    const text = await (await get('/readyz', 'client-key')).text();
    expect(text).toContain('rm-v3');
    expect(text).toContain('401');
    expect(text).not.toContain('/srv');
  });

  it('/metrics needs a client key and names the model without its path', async () => {
    expect((await get('/metrics')).status).toBe(401);
    expect((await get('/metrics', 'nope')).status).toBe(401);
    const res = await get('/metrics', 'client-key');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('prefsel_scorer_info{model="rm-v3"');
    expect(text).not.toContain('/srv');
  });
});
