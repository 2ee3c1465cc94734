/**
 * A reliability suite of its own (issue 10 §7): fast-check throws generated hostile bodies and headers at the real
 * app (createApp, the real engine and generator, a real local upstream). Whatever arrives: never a 5xx, every error
 * in the OpenAI shape with `param` naming a field the request actually carried, and the server healthy afterwards
 * (answers a normal request, nothing left in flight, no upstream call left open).
 */
import fc from 'fast-check';
import { CHAT_COMPLETION_PARAMS, EXTENSION_PARAMS } from '../core/upstream-params.js';
import { startTestServer, type TestServer } from '../test/server-harness.js';

/** Every top-level field a client may send: the upstream allow-list and prefsel's extensions. */
const FIELDS = [...CHAT_COMPLETION_PARAMS, ...EXTENSION_PARAMS];

/** Numbers JSON can carry that break naive code: huge, tiny, negative zero, the edges of the safe integers. */
const nasty = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 1e-308, 5e-324, 2 ** 53, -(2 ** 53), 2 ** 31, 0.1, 359.9999, 1e21),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
/** Any JSON value, numbers biased towards the nasty ones. */
const anyJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
);
const role = fc.oneof(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function'), fc.string());
const message = fc.record(
  {
    role,
    content: fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.constant(null),
      fc.array(fc.record({ type: fc.constantFrom('text', 'image_url', 'x'), text: anyJson }, { requiredKeys: [] }), {
        maxLength: 3,
      }),
      anyJson,
    ),
    name: anyJson,
    tool_calls: anyJson,
    tool_call_id: anyJson,
  },
  { requiredKeys: ['role'] },
);
const knownWeights = fc.dictionary(fc.constantFrom('helpfulness', 'verbosity'), nasty, { minKeys: 1 });
const preference = fc.oneof(
  { weight: 4, arbitrary: knownWeights },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('helpfulness', 'verbosity', 'speed', ''), nasty) },
  { weight: 2, arbitrary: fc.record({ angle_deg: nasty }) },
  { weight: 1, arbitrary: fc.record({ weights: knownWeights }) },
  { weight: 1, arbitrary: anyJson },
);
const selection = fc.oneof(
  fc.record(
    {
      strategy: fc.oneof(fc.constantFrom('rps', 'best_of_n', 'none'), anyJson),
      k: fc.oneof(fc.integer({ min: -2, max: 20 }), anyJson),
      radius_deg: nasty,
      neighbourhood: fc.oneof(fc.constantFrom('grid', 'cap'), anyJson),
      seed: nasty,
      temperature: nasty,
      directive_placement: fc.oneof(fc.constantFrom('system', 'user'), anyJson),
      return_candidates: anyJson,
    },
    { requiredKeys: [] },
  ),
  anyJson,
);

/** A wild body: a request with some fields replaced by hostile values, some unknown fields, some left out. */
const wildBody = fc
  .record({
    replaced: fc.dictionary(fc.constantFrom(...FIELDS), anyJson, { maxKeys: 3 }),
    messages: fc.oneof(
      { weight: 4, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }) },
      { weight: 1, arbitrary: anyJson },
    ),
    preference: fc.option(preference, { nil: undefined }),
    selection: fc.option(selection, { nil: undefined }),
    unknown: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), anyJson, { maxKeys: 2 }),
    model: fc.oneof(fc.constantFrom('prefsel-sim', 'none:prefsel-sim', 'rps:x', 'best_of_n:y'), fc.string()),
    stream: fc.boolean(),
    drop: fc.subarray([...FIELDS]),
  })
  .map((b) => {
    const out: Record<string, unknown> = { model: b.model, messages: b.messages, stream: b.stream };
    if (b.preference !== undefined) out.preference = b.preference;
    if (b.selection !== undefined) out.selection = b.selection;
    Object.assign(out, b.unknown, b.replaced);
    for (const field of b.drop.slice(0, 2)) delete out[field];
    return out;
  });

/**
 * A valid request with exactly one hostile part, so the hostile value is what the server must cope with (in a wild
 * body an earlier field usually fails first and hides the later one).
 */
const oneBadPart = fc
  .record({
    stream: fc.boolean(),
    model: fc.constantFrom('prefsel-sim', 'none:prefsel-sim', 'best_of_n:prefsel-sim'),
    bad: fc.oneof(
      { weight: 2, arbitrary: preference.map((value) => ({ preference: value })) },
      selection.map((value) => ({ selection: value })),
      fc.tuple(fc.constantFrom(...FIELDS), anyJson).map(([field, value]) => ({ [field]: value })),
      fc.array(message, { minLength: 1, maxLength: 3 }).map((messages) => ({ messages })),
    ),
  })
  .map(({ stream, model, bad }) => ({
    model,
    messages: [{ role: 'user', content: 'What is a mutex?' }],
    stream,
    ...bad,
  }));

const body = fc.oneof({ weight: 3, arbitrary: oneBadPart }, { weight: 1, arbitrary: wildBody });

/** Header values a client can send (printable ASCII, as fetch allows). */
const headerText = fc.oneof(
  knownWeights.map((w) =>
    Object.entries(w)
      .map(([name, value]) => `${name}=${value.toFixed(20)}`)
      .join(','),
  ),
  fc.string({ unit: fc.constantFrom(...' !#$%&()*+,-./0123456789:;<=>?@ABCDEFXYZabcdefxyz[]^_{|}~'.split('')) }),
  fc.constantFrom('0x10', '1e1', '1e-200', 'Infinity', '-0', '16', 'helpfulness=1e-200', 'angle=1e308', '{"a":'),
);
const allHeaders = fc.record(
  {
    'x-preference': headerText,
    'x-selection-strategy': headerText,
    'x-selection-k': headerText,
    'x-selection-radius-deg': headerText,
    'x-selection-neighbourhood': headerText,
    'x-selection-seed': headerText,
    'x-selection-return-candidates': headerText,
  },
  { requiredKeys: [] },
);
/** Mostly no extension header (so the body's hostile part is what gets judged), sometimes one, sometimes many. */
const headers = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 2, arbitrary: allHeaders.map((h) => Object.fromEntries(Object.entries(h).slice(0, 1))) },
  { weight: 1, arbitrary: allHeaders },
);

/** Raw texts that are not a JSON object at all, or only nearly. */
const rawText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  wildBody.map((b) => JSON.stringify(b).slice(0, -1)),
  // Deep nesting where the schema lets any value through (a message's extra field, a tool's parameters), so only
  // the depth check stands between it and a recursive serializer; up to 150,000 levels.
  fc
    .tuple(
      fc.constantFrom('message', 'tool', 'top'),
      fc.oneof(fc.integer({ min: 65, max: 200 }), fc.integer({ min: 65, max: 150_000 })),
    )
    .map(([where, depth]) => {
      const deep = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const user = '{"role":"user","content":"hi"}';
      if (where === 'message') return `{"model":"prefsel-sim","messages":[{"role":"user","content":"hi","x":${deep}}]}`;
      if (where === 'tool')
        return `{"model":"prefsel-sim","messages":[${user}],"tools":[{"type":"function","function":{"name":"f","parameters":${deep}}}]}`;
      return `{"model":"prefsel-sim","messages":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    }),
);

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('hostile requests (property)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ sim: { record: false } });
  });
  afterAll(() => server.close());

  async function send(text: string, extra: Record<string, string>): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'application/json', ...extra },
    });
    return { status: res.status, text: await res.text() };
  }

  /** The shared property: below 500, and an error names a field the request carried. */
  function check(result: { status: number; text: string }, sent: { fields: string[]; headers: string[] }): void {
    expect(result.status, result.text.slice(0, 300)).toBeLessThan(500);
    if (result.status < 400) return;
    const json = JSON.parse(result.text) as ErrorJson;
    expect(json).toEqual({
      error: {
        message: expect.any(String),
        type: expect.any(String),
        param: expect.toSatisfy((p: unknown) => p === null || typeof p === 'string'),
        code: expect.any(String),
      },
    });
    const { param, code } = json.error;
    if (param === null) {
      // Only a body that is no JSON object at all has no field to name.
      expect(['invalid_json', 'invalid_request', 'nesting_too_deep'], json.error.message).toContain(code);
      if (code === 'invalid_request') expect(json.error.message).toMatch(/body/i);
      return;
    }
    // The field named is one the request carried, a required one it left out, or an extension a header set.
    const root = /^[^.[]+/.exec(param)?.[0] ?? param;
    const fromHeader = sent.headers.length > 0 && ['preference', 'selection'].includes(root);
    const required = ['model', 'messages'].includes(root);
    const carried = sent.fields.includes(param) || sent.fields.includes(root);
    expect(carried || fromHeader || required, `param ${param} of ${result.text}`).toBe(true);
  }

  it('generated bodies and headers: never a 5xx, errors name a field that was sent', async () => {
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        check(await send(JSON.stringify(b), h), { fields: Object.keys(b), headers: Object.keys(h) });
      }),
      { numRuns: 250 },
    );
  });

  it('raw texts that are not a request: never a 5xx, always the OpenAI error shape', async () => {
    await fc.assert(
      fc.asyncProperty(rawText, async (text) => {
        let fields: string[] = [];
        try {
          const parsed: unknown = JSON.parse(text);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fields = Object.keys(parsed);
        } catch {
          fields = [];
        }
        check(await send(text, {}), { fields, headers: [] });
      }),
      { numRuns: 150 },
    );
  });

  it('the Responses endpoint too: never a 5xx, always the OpenAI error shape', async () => {
    const responsesBody = fc
      .record(
        {
          model: fc.oneof(fc.constantFrom('prefsel-sim', 'none:prefsel-sim'), anyJson),
          input: fc.oneof(fc.string({ maxLength: 100 }), fc.array(anyJson, { maxLength: 3 }), anyJson),
          instructions: anyJson,
          stream: fc.boolean(),
          preference,
          selection,
          max_output_tokens: nasty,
          temperature: nasty,
        },
        { requiredKeys: ['model', 'input'] },
      )
      .chain((b) =>
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anyJson, { maxKeys: 1 }).map((u) => ({ ...u, ...b })),
      );
    await fc.assert(
      fc.asyncProperty(responsesBody, async (b) => {
        const res = await fetch(`${server.baseURL}/responses`, { method: 'POST', body: JSON.stringify(b) });
        const text = await res.text();
        expect(res.status, text.slice(0, 300)).toBeLessThan(500);
        if (res.status >= 400) expect(JSON.parse(text)).toMatchObject({ error: { message: expect.any(String) } });
      }),
      { numRuns: 100 },
    );
  });

  it('is healthy afterwards: a normal request is served and nothing is left in flight', async () => {
    const ok = await send(JSON.stringify({ model: 'prefsel-sim', messages: [{ role: 'user', content: 'Hi?' }] }), {});
    expect(ok.status).toBe(200);
    expect((await fetch(`${server.origin}/healthz`)).status).toBe(200);
    await vi.waitFor(async () => {
      const metrics = await (await fetch(`${server.origin}/metrics`)).text();
      expect(metrics).toMatch(/^prefsel_requests_in_flight 0$/m);
      expect(metrics).toMatch(/^prefsel_upstream_queue_depth\{state="in_flight"\} 0$/m);
      expect(server.sim.inFlight).toBe(0);
    });
  });
});
