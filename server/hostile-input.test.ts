/**
 * Bad input is a 4xx, never a 500 (issue 10 §4): each reproduction of the hostile-input probe, through the real app,
 * engine and generator to a recording upstream. A 4xx must name the field and must not reach the upstream; input the
 * engine can make sense of (a weight of 1e200 or 1e-200 is still a direction) is served.
 */
import { startTestServer, type TestServer } from '../test/server-harness.js';

const messages = [{ role: 'user', content: 'What is a mutex?' }];
const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'prefsel-sim', messages, ...extra });

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('hostile input', () => {
  let server: TestServer;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.baseURL}/chat/completions`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
  async function expect400(res: Response, param: string | null): Promise<ErrorJson> {
    expect(res.status).toBe(400);
    const json = (await res.json()) as ErrorJson;
    expect(json.error.type).toBe('invalid_request_error');
    expect(json.error.param).toBe(param);
    expect(server.sim.received).toHaveLength(0);
    return json;
  }

  beforeAll(async () => {
    server = await startTestServer({ app: { bodyLimit: 4 * 1024 * 1024 } });
  });
  afterAll(() => server.close());
  beforeEach(() => server.sim.reset());

  it.each([
    ['a huge weight', { helpfulness: 1e200 }, 1],
    ['a tiny weight', { helpfulness: 1e-200 }, 1],
    ['two huge weights', { helpfulness: 1e308, verbosity: 1e308 }, Math.SQRT1_2],
    ['two tiny weights', { helpfulness: 5e-324, verbosity: 5e-324 }, Math.SQRT1_2],
  ])('%s is a direction like any other, served', async (_name, preference, helpfulness) => {
    const res = await post(chat({ preference, selection: { return_candidates: true } }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { selection: { target: { weights: Record<string, number> } } };
    expect(json.selection.target.weights.helpfulness).toBeCloseTo(helpfulness, 6);
  });

  it.each([
    ['temperature', '"temperature":1e999'],
    ['preference.helpfulness', '"preference":{"helpfulness":1e999}'],
    ['preference.angle_deg', '"preference":{"angle_deg":-1e999}'],
    ['max_tokens', '"max_tokens":1e999'],
  ])('a number JSON reads as Infinity is a 400 naming %s', async (param, field) => {
    const text = `{"model":"prefsel-sim","messages":${JSON.stringify(messages)},${field}}`;
    await expect400(await post(text), param);
  });

  it('an angle too large for radians is still an angle (reduced mod 360 first)', async () => {
    const res = await post(chat({ preference: { angle_deg: 1e308 }, selection: { return_candidates: true } }));
    expect(res.status).toBe(200);
    const json = (await res.json()) as { selection: { target: { weights: Record<string, number> } } };
    for (const x of Object.values(json.selection.target.weights)) expect(Number.isFinite(x)).toBe(true);
  });

  it('X-Preference numbers are plain decimals: 1e-200 is a 400 naming the weight, a long decimal is served', async () => {
    await expect400(await post(chat(), { 'x-preference': 'helpfulness=1e-200' }), 'preference.helpfulness');
    const tiny = `0.${'0'.repeat(250)}1`;
    expect((await post(chat(), { 'x-preference': `helpfulness=${tiny}` })).status).toBe(200);
  });

  it.each(['0x10', '1e1', '0b11', '0o7', ' +4', '4.', 'Infinity', '16abc'])(
    'X-Selection-K: %s is a 400 naming selection.k',
    async (value) => {
      const json = await expect400(await post(chat(), { 'x-selection-k': value }), 'selection.k');
      expect(json.error.message).toMatch(/X-Selection/);
    },
  );

  it('X-Selection-K: 4 and X-Selection-Radius-Deg: 12.5 are plain decimals, accepted', async () => {
    const res = await post(chat(), { 'x-selection-k': ' 4 ', 'x-selection-radius-deg': '12.5' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-selection-candidates')).toBe('4');
  });

  it.each([
    ['user', (depth: number) => `"user":${'['.repeat(depth)}${']'.repeat(depth)}`],
    [
      'tools',
      (depth: number) => `"tools":[{"type":"function","function":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]`,
    ],
    [
      'messages',
      (depth: number) => `"messages":[{"role":"user","content":"hi","x":${'['.repeat(depth)}${']'.repeat(depth)}}]`,
    ],
  ])('a body nested 100,000 levels deep under %s is a 400 naming it, never an upstream call', async (field, nest) => {
    const base =
      field === 'messages'
        ? '{"model":"prefsel-sim",'
        : `{"model":"prefsel-sim","messages":${JSON.stringify(messages)},`;
    const json = await expect400(await post(`${base}${nest(100_000)}}`), field);
    expect(json.error.code).toBe('nesting_too_deep');
    expect(json.error.message).toMatch(/64/);
  });

  it('nesting inside strings does not count; 64 levels are fine', async () => {
    const inString = chat({ messages: [{ role: 'user', content: '['.repeat(10_000) + '{"a":' }] });
    expect((await post(inString)).status).toBe(200);
    const schema = JSON.parse(`${'{"a":'.repeat(58)}1${'}'.repeat(58)}`) as object;
    const tools = [{ type: 'function', function: { name: 'f', parameters: schema } }];
    expect((await post(chat({ tools }))).status).toBe(200);
  });

  it.each([
    ['model', { model: 'm'.repeat(100_000) }],
    ['user', { user: 'u'.repeat(100_000) }],
    ['stop', { stop: Array.from({ length: 1000 }, () => 'x') }],
    ['logit_bias', { logit_bias: 'x' }],
    ['logit_bias.42', { logit_bias: { '42': 1000 } }],
    ['frequency_penalty', { frequency_penalty: 3 }],
    ['presence_penalty', { presence_penalty: '1' }],
    ['top_logprobs', { top_logprobs: 21 }],
    ['logprobs', { logprobs: 'yes' }],
    ['parallel_tool_calls', { parallel_tool_calls: 1 }],
    ['reasoning_effort', { reasoning_effort: 'x'.repeat(1000) }],
    ['messages[0].content[0].text', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }],
    ['messages[0].content[0].text', { messages: [{ role: 'user', content: [{ type: 'text' }] }] }],
    ['n', { n: 1e6 }],
  ])('a bad %s is a 400 naming it', async (param, extra) => {
    await expect400(await post(chat(extra)), param);
  });
});
