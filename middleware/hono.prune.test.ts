/**
 * Progressive pruning and early streaming through the Hono middleware (chat completions and the Responses API), with
 * the real engine in front of the simulated upstream (long answers) and a function scorer: JSON and SSE, the report,
 * the headers, the off switch and a client leaving a live stream.
 */
import { Hono } from 'hono';
import { createFunctionScorer } from '../scorers/function.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { createSelector } from './create-selector.js';
import { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';
import { preferenceSelection } from './hono.js';
import { preferenceResponses } from './responses.js';
import { errorResponse } from './http/errors.js';

const QUESTION = 'How should I water succulents during a hot summer?';
let sim: SimulatedUpstream;
let app: Hono;
beforeAll(async () => {
  // 500 tokens/s: a survivor is still being written when it is chosen at 256 tokens (prefsel reads on while a round is
  // decided, so a much faster upstream could finish it first and there would be nothing left to stream early).
  sim = await startSimulatedUpstream({ lengthScale: 8, tokensPerSecond: 500, record: true });
  const words: string[] = QUESTION.toLowerCase().match(/[a-z]{4,}/g) ?? [];
  const scorer = createFunctionScorer({
    attributes: ['helpfulness', 'verbosity'],
    score: ({ response }) => {
      const tokens = response.toLowerCase().match(/[a-z]{4,}/g) ?? [];
      return {
        helpfulness: (100 * tokens.filter((t) => words.includes(t)).length) / Math.max(1, tokens.length),
        verbosity: response.length / 50,
      };
    },
  });
  const selector = createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }), scorer });
  app = new Hono();
  app.use(
    '/v1/*',
    preferenceSelection({ selector, keepAliveMs: 60_000 }),
    preferenceResponses({ selector, keepAliveMs: 60_000 }),
  );
  app.onError((err) => errorResponse(err));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

function post(extra: Record<string, unknown>, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return app.request('http://localhost/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: QUESTION }], ...extra }),
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

interface Chunk {
  choices: Array<{ delta: { role?: string; content?: string }; finish_reason: string | null }>;
  usage?: { completion_tokens: number } | null;
  selection?: Record<string, any>;
}

const chunksOf = (text: string): Chunk[] =>
  text
    .split('\n\n')
    .filter((e) => e.startsWith('data: {'))
    .map((e) => JSON.parse(e.slice(6)) as Chunk);

describe('pruning through the middleware', () => {
  it('JSON: the survivor is the choice, pruned candidates are reported with where they were cut, usage sums all', async () => {
    const res = await post({ selection: { k: 4, prune: true, return_candidates: true } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-selection-pruned')).toBe('3');
    const json = (await res.json()) as Record<string, any>;
    const report = json.selection;
    const pruned = report.candidates.filter((c: any) => c.status === 'pruned');
    expect(pruned).toHaveLength(3);
    for (const c of pruned) {
      expect(c.pruned).toEqual({
        round: expect.any(Number),
        tokens: expect.any(Number),
        projection: expect.any(Number),
        at_ms: expect.any(Number),
      });
      expect(c.usage_source).toBe('counted');
      expect(c.partial_scores.at(-1).projection).toBe(c.pruned.projection);
      // Pruned text never becomes a choice.
      expect(json.choices[0].message.content.startsWith(c.content)).toBe(false);
    }
    const chosen = report.candidates.find((c: any) => c.chosen);
    expect(json.choices).toHaveLength(1);
    expect(json.choices[0].message.content).toBe(chosen.content);
    expect(report.pruning).toMatchObject({ schedule: [192, 320], keep_fraction: 0.5, commit_at_last: false });
    expect(report.pruning.committed).toMatchObject({ index: report.chosen, reason: 'last' });
    expect(json.usage.completion_tokens).toBe(
      report.candidates.reduce((s: number, c: any) => s + c.usage.completion_tokens, 0),
    );
    expect(report.pruning.tokens.completion).toBe(json.usage.completion_tokens);
  });

  it('SSE: streams the survivor as soon as it is the last one, then the report and usage over every candidate', async () => {
    const res = await post({
      stream: true,
      stream_options: { include_usage: true },
      selection: { k: 4, prune: true, return_candidates: true },
    });
    expect(res.status).toBe(200);
    // The headers went out at the commit, while the survivor was still being generated.
    const at = Number(res.headers.get('x-selection-committed-at-tokens'));
    expect(at).toBeGreaterThanOrEqual(128);
    const chunks = chunksOf(await res.text());
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason)!;
    const report = finish.selection!;
    const chosen = report.candidates.find((c: any) => c.chosen);
    expect(text).toBe(chosen.content);
    expect(report.pruning.committed).toMatchObject({ index: chosen.index, reason: 'last', tokens: at });
    expect(at).toBeLessThan(chosen.completion_tokens);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(report.pruning.tokens.completion);
  });

  it('Responses API: the stream starts at the commit; deltas are the chosen answer, completed carries usage and report', async () => {
    const res = await app.request('http://localhost/v1/responses', {
      method: 'POST',
      body: JSON.stringify({
        model: 'm',
        input: QUESTION,
        stream: true,
        selection: { k: 4, prune: true, return_candidates: true },
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('x-selection-committed-at-tokens'))).toBeGreaterThanOrEqual(128);
    const events = (await res.text())
      .split('\n\n')
      .filter((f) => f.startsWith('event: '))
      .map((f) => JSON.parse(f.split('\n')[1]!.slice(6)) as Record<string, any>);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events
      .filter((e) => e.type === 'response.output_text.delta')
      .map((e) => e.delta)
      .join('');
    const completed = events.at(-1)!;
    expect(completed.type).toBe('response.completed');
    const report = completed.response.selection;
    const chosen = report.candidates.find((c: any) => c.chosen);
    expect(text).toBe(chosen.content);
    expect(completed.response.output[0].content[0].text).toBe(chosen.content);
    expect(report.pruning.committed).toMatchObject({ index: chosen.index, reason: 'last' });
    expect(completed.response.usage.output_tokens).toBe(report.pruning.tokens.completion);
  });

  it('the off switch: prune: false answers exactly as a request without it (same upstream calls, same bytes)', async () => {
    const run = async (selection: Record<string, unknown>, stream: boolean) => {
      sim.reset();
      const res = await post({ stream, selection: { k: 3, return_candidates: true, ...selection } });
      const text = await res.text();
      const headers: Array<[string, string]> = [];
      res.headers.forEach((value, name) => void (name !== 'server-timing' && headers.push([name, value])));
      return {
        headers,
        // Only ids, clocks and measured times may differ between two runs.
        body: text.replace(/"(id|created|created_at|[a-z_]*_ms)":("[^"]*"|\d+)/g, '"$1":0'),
        // The k calls run concurrently, so they arrive in any order.
        upstream: sim.received.map((r) => JSON.stringify(r.body)).sort(),
      };
    };
    for (const stream of [false, true]) {
      const today = await run({}, stream);
      const off = await run({ prune: false }, stream);
      expect(off).toEqual(today);
      expect(off.upstream.every((b) => !b.includes('"stream"') && !b.includes('"stream_options"'))).toBe(true);
      expect(off.headers.map(([name]) => name)).not.toContain('x-selection-committed-at-tokens');
      expect(off.headers.map(([name]) => name)).not.toContain('x-selection-pruned');
    }
  });

  it('X-Selection-Prune: true turns pruning on; a bad setting is a 400 naming it', async () => {
    const on = await post(
      { selection: { k: 3, return_candidates: true } },
      { headers: { 'x-selection-prune': 'true' } },
    );
    expect(((await on.json()) as any).selection.pruning.rounds.length).toBeGreaterThan(0);
    const bad = await post({ selection: { prune: { keep_fraction: 1.5 } } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.param).toBe('selection.prune.keep_fraction');
  });

  it('a client leaving a live stream cancels the survivor upstream', async () => {
    const slow = await startSimulatedUpstream({ lengthScale: 8, tokensPerSecond: 300 });
    try {
      const scorer = createFunctionScorer({
        attributes: ['helpfulness'],
        score: ({ response }) => [response.length % 7],
      });
      const local = new Hono();
      const selector = createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: slow.url }), scorer });
      local.use('/v1/*', preferenceSelection({ selector, keepAliveMs: 60_000 }));
      const controller = new AbortController();
      const res = await local.request('http://localhost/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: QUESTION }],
          stream: true,
          preference: { helpfulness: 1 },
          selection: { k: 2, prune: { schedule: [16] } },
        }),
        headers: { 'content-type': 'application/json' },
        signal: controller.signal,
      });
      expect(res.headers.get('x-selection-committed-at-tokens')).not.toBeNull();
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel();
      await vi.waitFor(() => expect(slow.inFlight).toBe(0));
      expect(slow.aborted).toBe(2);
    } finally {
      await slow.close();
    }
  });
});
