import { DeadlineExceededError, OverloadedError, UpstreamError } from '../core/errors.js';
import type { ChatCompletionCreateParams } from '../core/openai.js';
import { createFunctionScorer } from '../scorers/function.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createSelector } from './create-selector.js';
import { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';

const params: ChatCompletionCreateParams = {
  model: 'sim',
  messages: [{ role: 'user', content: 'List three uses of copper wire.' }],
};
const scorer = createFunctionScorer({
  attributes: ['helpfulness', 'verbosity'],
  score: ({ response }) => [response.length % 97, 10],
});

let sim: SimulatedUpstream;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ record: true });
});
afterAll(() => sim.close());
beforeEach(async () => {
  // A previous test's abandoned calls may reach the simulator late; start each test from a quiet upstream.
  await vi.waitFor(() => expect(sim.inFlight).toBe(0));
  sim.reset();
});

type Options = Omit<Parameters<typeof createSelector>[0], 'generator' | 'scorer'>;
const make = (options: Options = {}) =>
  createSelector({
    generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }),
    scorer,
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 },
    ...options,
  });

describe('partial failure and degenerate candidates', () => {
  it('ranks the candidates that succeeded and reports the failures with the upstream status', async () => {
    sim.inject({ status: 500, times: 2 });
    const selection = await make().select({ params });
    const failed = selection.candidates.filter((c) => c.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const c of failed) {
      expect(c.error).toEqual({ message: expect.stringContaining('500'), status: 500 });
      expect(c.chosen).toBe(false);
      expect(c.rank).toBeUndefined();
    }
    expect(selection.ranked).toHaveLength(3);
    expect(selection.chosen.status).toBe('ok');
  });

  it('all failed: one UpstreamError with the upstream status and message', async () => {
    sim.inject({ status: 503, times: Number.POSITIVE_INFINITY });
    const err = await make()
      .select({ params })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({
      upstreamStatus: 503,
      status: 502,
      message: expect.stringMatching(/All 5 candidate calls failed.*503.*Simulated upstream failure/),
    });
  });

  it('all failed with a client error: its status passes through (400), and a 429 keeps Retry-After', async () => {
    sim.inject({
      status: 400,
      times: Number.POSITIVE_INFINITY,
      body: { error: { message: 'model "sim" not found', type: 'invalid_request_error' } },
    });
    await expect(make().select({ params, selection: { k: 2 } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('model "sim" not found'),
    });
    sim.reset();
    sim.inject({ status: 429, times: Number.POSITIVE_INFINITY, retryAfterSeconds: 7 });
    await expect(make().select({ params, selection: { k: 2 } })).rejects.toMatchObject({
      status: 429,
      headers: { 'retry-after': '7' },
    });
  });

  it('excludes blank and tag-only answers before scoring', async () => {
    sim.inject({ content: '   ', times: 1 });
    sim.inject({ content: '<|user|>', times: 1 });
    let scored = 0;
    const counting = createFunctionScorer({
      attributes: ['helpfulness', 'verbosity'],
      score: () => (scored++, [1, 1]),
    });
    const s = createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }), scorer: counting });
    const selection = await s.select({ params });
    const excluded = selection.candidates.filter((c) => c.status === 'excluded');
    expect(excluded).toHaveLength(2);
    expect(excluded.map((c) => c.error?.message).sort()).toEqual([
      'Excluded before scoring: blank.',
      'Excluded before scoring: template tags only.',
    ]);
    expect(excluded.every((c) => c.usage !== undefined && c.scores === undefined && c.rank === undefined)).toBe(true);
    expect(scored).toBe(3);
    expect(selection.ranked).toHaveLength(3);
    expect(selection.usage.completion_tokens).toBe(
      selection.candidates.reduce((s, c) => s + (c.usage?.completion_tokens ?? 0), 0),
    );
  });

  it('all degenerate: a clear 502', async () => {
    sim.inject({ content: '', times: Number.POSITIVE_INFINITY });
    const err = await make()
      .select({ params, selection: { k: 3 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({
      status: 502,
      message: expect.stringContaining('3 of 3 candidates were blank or only chat-template tags'),
    });
  });
});

describe('retries', () => {
  it('retries 429 after Retry-After, then succeeds; 4xx other than 429 is not retried', async () => {
    sim.inject({ status: 429, times: 1, retryAfterSeconds: 0.05 });
    const s = make({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 5000 } });
    const started = performance.now();
    const selection = await s.select({ params, selection: { k: 1 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45); // waited at least Retry-After
    expect(selection.chosen.status).toBe('ok');
    expect(sim.received).toHaveLength(2);
    sim.reset();
    sim.inject({ status: 404, times: 1 });
    await expect(s.select({ params, selection: { k: 1 } })).rejects.toMatchObject({ upstreamStatus: 404 });
    expect(sim.received).toHaveLength(1);
  });

  it('retries 5xx with backoff up to maxRetries; Retry-After is capped at maxDelayMs', async () => {
    sim.inject({ status: 502, times: 2, retryAfterSeconds: 3600 });
    const s = make({ retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 20 } });
    await expect(s.select({ params, selection: { k: 1 } })).resolves.toBeDefined();
    expect(sim.received).toHaveLength(3);
    sim.reset();
    sim.inject({ status: 500, times: 3 });
    await expect(s.select({ params, selection: { k: 1 } })).rejects.toMatchObject({ upstreamStatus: 500 });
    expect(sim.received).toHaveLength(3);
  });
});

describe('timeouts, deadline, cancellation, overload', () => {
  it('per-candidate timeout fails that candidate only, and the upstream sees it abandoned', async () => {
    sim.inject({ stallMs: 60_000, times: 1 });
    const selection = await make({ candidateTimeoutMs: 300 }).select({ params, selection: { k: 3 } });
    const failed = selection.candidates.filter((c) => c.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error!.message).toMatch(/per-candidate timeout of 300 ms/);
    await vi.waitFor(() => expect(sim.aborted).toBe(1));
  });

  it('overall deadline: DeadlineExceededError (504) and every call in flight is aborted', async () => {
    sim.inject({ stallMs: 60_000, times: Number.POSITIVE_INFINITY });
    const s = make({ deadlineMs: 200 });
    const err = await s.select({ params }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect(err).toMatchObject({ status: 504 });
    await vi.waitFor(() => expect(sim.aborted).toBe(5));
    expect(sim.inFlight).toBe(0);
    await s.onIdle();
    expect(s.upstreamQueue()).toEqual({ size: 0, pending: 0 });
  });

  it('the per-call deadline overrides the selector’s', async () => {
    sim.inject({ stallMs: 60_000, times: Number.POSITIVE_INFINITY });
    await expect(make().select({ params, selection: { k: 1 } }, { deadlineMs: 100 })).rejects.toBeInstanceOf(
      DeadlineExceededError,
    );
  });

  it('aborting the signal cancels calls in flight and calls still queued; nothing keeps running', async () => {
    sim.inject({ stallMs: 60_000, times: Number.POSITIVE_INFINITY });
    const s = make({ maxConcurrentUpstream: 2 });
    const controller = new AbortController();
    const pending = s.select({ params }, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(sim.inFlight).toBe(2));
    expect(s.upstreamQueue()).toEqual({ size: 3, pending: 2 });
    controller.abort();
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
    await vi.waitFor(() => expect(sim.aborted).toBe(2));
    await s.onIdle();
    expect(s.upstreamQueue()).toEqual({ size: 0, pending: 0 });
    expect(sim.received).toHaveLength(2); // the three queued calls never reached the upstream
    expect(sim.inFlight).toBe(0);
  });

  it('an already-aborted signal sends nothing', async () => {
    await expect(make().select({ params }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(sim.received).toHaveLength(0);
  });

  it('refuses a request that would overflow the wait queue with OverloadedError (429)', async () => {
    sim.inject({ stallMs: 60_000, times: Number.POSITIVE_INFINITY });
    const s = make({ maxConcurrentUpstream: 2, maxQueuedUpstream: 3 });
    const controller = new AbortController();
    const first = s.select({ params }, { signal: controller.signal }).catch(() => undefined); // 2 run, 3 wait
    await vi.waitFor(() => expect(sim.inFlight).toBe(2));
    const err = await s.select({ params, selection: { k: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OverloadedError);
    expect(err).toMatchObject({ status: 429, headers: { 'retry-after': '1' } });
    controller.abort();
    await first;
    await s.onIdle();
  });
});
