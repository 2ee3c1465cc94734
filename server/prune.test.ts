/**
 * Progressive pruning through the proxy, as a client sees it with the official `openai` SDK: chat completions (JSON
 * and SSE) and the Responses API (JSON and stream), with the server's default switched on (`defaults.prune`), a
 * request turning it off, and the simulator counting the streams it had to abandon.
 */
import OpenAI from 'openai';
import { startTestServer, type TestServer } from '../test/server-harness.js';

let server: TestServer;
let client: OpenAI;
beforeAll(async () => {
  server = await startTestServer({
    // Slow enough that every cut lands long before an answer would have ended, however busy the machine.
    sim: { lengthScale: 5, tokensPerSecond: 150 },
    selector: { defaults: { prune: true, k: 4 } },
  });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => server.sim.reset());

const messages = [{ role: 'user' as const, content: 'How do I keep basil plants alive indoors over winter?' }];
type WithReport = { selection: Record<string, any> };

describe('pruning through the proxy', () => {
  it('chat JSON: the server default prunes; the choice is the survivor and usage sums every candidate', async () => {
    const completion = (await client.chat.completions.create({
      model: 'sim',
      messages,
      // @ts-expect-error prefsel's extension field
      selection: { return_candidates: true },
    })) as unknown as OpenAI.ChatCompletion & WithReport;
    const report = completion.selection;
    expect(report.candidates.filter((c: any) => c.status === 'pruned')).toHaveLength(3);
    expect(completion.choices[0]!.message.content).toBe(report.candidates.find((c: any) => c.chosen).content);
    expect(completion.usage!.completion_tokens).toBe(report.pruning.tokens.completion);
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(0));
    expect(server.sim.aborted).toBe(3);
  });

  it('chat SSE: the SDK reads the early-streamed survivor; a request can switch pruning off', async () => {
    const stream = await client.chat.completions.create({ model: 'sim', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(300);
    server.sim.reset();
    const body = { model: 'sim', messages, stream: true as const, selection: { prune: false } };
    const off = await client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsStreaming).withResponse();
    expect(off.response.headers.get('x-selection-committed-at-tokens')).toBeNull();
    for await (const _ of off.data) void _;
    expect(server.sim.aborted).toBe(0);
    expect(server.sim.received.every((r) => r.body?.stream !== true)).toBe(true);
  });

  it('Responses API JSON: the output is the survivor, pruned candidates are reported and usage sums them all', async () => {
    const response = (await client.responses.create({
      model: 'sim',
      input: messages[0]!.content,
      // @ts-expect-error prefsel's extension field
      selection: { return_candidates: true },
    })) as unknown as OpenAI.Responses.Response & WithReport;
    const report = response.selection;
    const pruned = report.candidates.filter((c: any) => c.status === 'pruned');
    expect(pruned).toHaveLength(3);
    for (const c of pruned) expect(c.pruned.tokens).toBeGreaterThan(0);
    expect(response.output_text).toBe(report.candidates.find((c: any) => c.chosen).content);
    expect(response.usage!.output_tokens).toBe(report.pruning.tokens.completion);
    await vi.waitFor(() => expect(server.sim.inFlight).toBe(0));
    expect(server.sim.aborted).toBe(3);
  });

  it('Responses API: the SDK streams the survivor and ends with the full usage', async () => {
    const stream = await client.responses.create({ model: 'sim', input: messages[0]!.content, stream: true });
    let text = '';
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      if (event.type === 'response.completed') completed = event.response;
    }
    const item = completed?.output[0] as OpenAI.Responses.ResponseOutputMessage | undefined;
    expect((item?.content[0] as OpenAI.Responses.ResponseOutputText | undefined)?.text).toBe(text);
    expect(completed?.usage?.output_tokens).toBeGreaterThan(text.length / 8);
  });

  it('/metrics counts pruned selections by forecast mode and the tokens they billed and saved', async () => {
    const metrics = async () => (await fetch(server.baseURL.replace(/\/v1$/, '/metrics'))).text();
    const count = (text: string, series: string) => Number(text.match(new RegExp(`^${series} (\\S+)$`, 'm'))?.[1] ?? 0);
    const before = await metrics();
    const completion = (await client.chat.completions.create({
      model: 'sim',
      messages,
      // @ts-expect-error prefsel's extension field
      selection: { return_candidates: true },
    })) as unknown as OpenAI.ChatCompletion & WithReport;
    const after = await metrics();
    const { tokens } = completion.selection.pruning;
    const delta = (series: string) => count(after, series) - count(before, series);
    expect(delta('prefsel_pruned_selections_total\\{forecast="none"\\}')).toBe(1);
    expect(delta('prefsel_pruning_completion_tokens_total\\{kind="billed"\\}')).toBe(tokens.completion);
    expect(delta('prefsel_pruning_completion_tokens_total\\{kind="saved_estimate"\\}')).toBe(tokens.saved_estimate);
    expect(tokens.saved_estimate).toBeGreaterThan(0);
  });
});
