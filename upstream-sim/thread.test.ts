import { startSimulatedUpstream } from './server.js';
import { startSimulatedUpstreamThread } from './thread.js';

const body = {
  model: 'prefsel-sim',
  messages: [
    { role: 'system', content: 'Your response should maximize weighted rating = helpfulness*80 + verbosity*-60.' },
    { role: 'user', content: 'How does TCP slow start grow the congestion window?' },
  ],
  seed: 11,
  temperature: 0.8,
};
const complete = async (url: string) => {
  const res = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const json = (await res.json()) as { choices: unknown; usage: unknown };
  return { choices: json.choices, usage: json.usage };
};

describe('startSimulatedUpstreamThread', () => {
  it('answers on its own thread exactly as the simulator in this thread does, and stops on close', async () => {
    const thread = await startSimulatedUpstreamThread({ ttftMs: 0 });
    const local = await startSimulatedUpstream();
    try {
      expect(thread.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(await complete(thread.url)).toEqual(await complete(local.url));
      const models = (await (await fetch(`${thread.url}/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual(['prefsel-sim']);
    } finally {
      await local.close();
      await thread.close();
    }
    await expect(fetch(`${thread.url}/models`)).rejects.toThrow();
    await thread.close(); // a second close is a no-op
  });

  it('reports a start failure as an error, not a hang', async () => {
    const busy = await startSimulatedUpstream();
    try {
      const port = Number(new URL(busy.url).port);
      await expect(startSimulatedUpstreamThread({ port })).rejects.toThrow(/simulator thread failed to start/);
    } finally {
      await busy.close();
    }
  });
});
