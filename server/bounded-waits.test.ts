/**
 * Every wait is bounded (issue 10 §3), against a real upstream that breaks its answers after the status line: it
 * goes silent, cuts the socket, ends a stream without `[DONE]` or sends a body that does not parse. A broken answer
 * must reach the client as an error (a status, or an error event once a stream has started), never as a hang and
 * never as a complete answer; and the upstream connection must be released.
 */
import { startTestServer, type TestServer } from '../test/server-harness.js';

const messages = [{ role: 'user', content: 'What is a mutex?' }];

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The `data:` payloads of an SSE body, `[DONE]` included. */
function events(text: string): string[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6));
}

describe('bounded waits', () => {
  let server: TestServer;
  const post = (body: Record<string, unknown>) =>
    fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'prefsel-sim', messages, ...body }),
      headers: { 'content-type': 'application/json' },
    });

  beforeAll(async () => {
    server = await startTestServer({
      app: { keepAliveMs: 50, streamIdleTimeoutMs: 400, modelsTimeoutMs: 400 },
      selector: { candidateTimeoutMs: 400 },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sim.reset());

  it('a pass-through stream whose upstream goes silent ends with an error event, and the upstream call is cancelled', async () => {
    server.sim.inject({ break: 'hang' });
    const res = await post({ model: 'none:prefsel-sim', stream: true });
    expect(res.status).toBe(200); // committed by a keep-alive before the silence was noticed
    const data = events(await res.text());
    expect(data).not.toContain('[DONE]');
    const last = JSON.parse(data.at(-1)!) as ErrorJson;
    expect(last.error).toMatchObject({ code: 'upstream_timeout', type: 'timeout_error' });
    expect(last.error.message).toMatch(/400 ms/);
    await vi.waitFor(() => expect(server.sim.aborted).toBe(1));
  });

  it('a silent upstream noticed before the headers went out is a real 504', async () => {
    const quick = await startTestServer({ app: { keepAliveMs: 5000, streamIdleTimeoutMs: 200 } });
    try {
      quick.sim.inject({ break: 'hang' });
      const res = await fetch(`${quick.baseURL}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'none:prefsel-sim', messages, stream: true }),
      });
      expect(res.status).toBe(504);
      expect(((await res.json()) as ErrorJson).error.code).toBe('upstream_timeout');
      await vi.waitFor(() => expect(quick.sim.aborted).toBe(1));
    } finally {
      await quick.close();
    }
  });

  it('the Responses API pass-through stream is bounded the same way, and a truncated one never completes', async () => {
    const responses = (body: Record<string, unknown>) =>
      fetch(`${server.baseURL}/responses`, {
        method: 'POST',
        body: JSON.stringify({ model: 'none:prefsel-sim', input: 'What is a mutex?', stream: true, ...body }),
        headers: { 'content-type': 'application/json' },
      });
    server.sim.inject({ break: 'hang' });
    const silent = await (await responses({})).text();
    expect(silent).toContain('upstream_timeout');
    expect(silent).not.toContain('response.completed');
    await vi.waitFor(() => expect(server.sim.aborted).toBe(1));

    server.sim.inject({ break: 'truncate' });
    const truncated = await (await responses({})).text();
    expect(truncated).not.toContain('response.completed');
    expect(truncated).toMatch(/before the answer was complete/);
  });

  it.each(['truncate', 'cut', 'garbage'] as const)(
    'a pass-through stream the upstream breaks (%s) never looks complete',
    async (kind) => {
      server.sim.inject({ break: kind });
      const res = await post({ model: 'none:prefsel-sim', stream: true });
      const text = await res.text();
      if (res.status === 200) {
        const data = events(text);
        expect(data).not.toContain('[DONE]');
        const last = JSON.parse(data.at(-1)!) as ErrorJson;
        expect(last.error.type).toBe('upstream_error');
      } else {
        expect(res.status).toBe(502);
      }
      expect(text).not.toMatch(/"finish_reason":"stop"/);
    },
  );

  it.each(['hang', 'truncate', 'cut', 'garbage'] as const)(
    'a candidate call the upstream breaks (%s) fails within the candidate timeout; the others are still served',
    async (kind) => {
      server.sim.inject({ break: kind, times: 1 });
      const res = await post({ selection: { k: 3, return_candidates: true } });
      expect(res.status).toBe(200);
      const json = (await res.json()) as {
        selection: { candidates: Array<{ status: string; error: { message: string } | null }> };
      };
      const failed = json.selection.candidates.filter((c) => c.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]!.error!.message).not.toMatch(/unreachable: (Unexpected|Maximum)/);
    },
  );

  it('a non-stream request whose every candidate breaks is a 502 saying how, not a hang', async () => {
    server.sim.inject({ break: 'garbage', times: 3 });
    const res = await post({ selection: { k: 3 } });
    expect(res.status).toBe(502);
    expect(((await res.json()) as ErrorJson).error.message).toMatch(/malformed|invalid/i);
  });

  it('GET /v1/models answers 504 when the upstream stalls, and 502 when its body breaks', async () => {
    server.sim.inject({ route: 'models', stallMs: 60_000 });
    const stalled = await fetch(`${server.baseURL}/models`);
    expect(stalled.status).toBe(504);
    expect(((await stalled.json()) as ErrorJson).error.code).toBe('upstream_timeout');

    server.sim.inject({ route: 'models', break: 'hang' });
    expect((await fetch(`${server.baseURL}/models`)).status).toBe(504);

    server.sim.inject({ route: 'models', break: 'garbage' });
    const garbage = await fetch(`${server.baseURL}/models`);
    expect(garbage.status).toBe(502);
    expect(((await garbage.json()) as ErrorJson).error.type).toBe('upstream_error');

    expect((await fetch(`${server.baseURL}/models`)).status).toBe(200);
  });
});
