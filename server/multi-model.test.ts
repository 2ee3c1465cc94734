/**
 * End to end from a configuration file: two client models, each with its own upstream (two simulators), upstream model
 * name and key, and its own scorer: one local (the reference model in this process), one remote over KServe v2 (a
 * `prefsel serve-scorer` server). Checked with the official OpenAI client.
 */
import { serve } from '@hono/node-server';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { createOnnxScorer, ensureReferenceModel, type OnnxScorer } from '../scorers/index.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { compose, type Composed } from './compose.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { listenScorerServer, type ListeningScorerServer } from './scorer-server/listen.js';

const logger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const dir = mkdtempSync(join(tmpdir(), 'prefsel-multi-'));
let simA: SimulatedUpstream;
let simB: SimulatedUpstream;
let remoteModel: OnnxScorer;
let scorerServer: ListeningScorerServer;
let composed: Composed;
let server: Server;
let origin: string;

beforeAll(async () => {
  const modelDir = await ensureReferenceModel();
  simA = await startSimulatedUpstream({ apiKey: 'key-a', record: true, models: ['llama-upstream'] });
  simB = await startSimulatedUpstream({ record: true, models: ['qwen-upstream'] });
  remoteModel = await createOnnxScorer({ modelDir, device: 'cpu', workers: 1, logger: { info() {}, warn() {} } });
  scorerServer = await listenScorerServer({ scorer: remoteModel, name: 'reference', logger, version: 't' });
  const path = join(dir, 'prefsel.yaml');
  writeFileSync(
    path,
    `
k: 3
preference: "helpfulness=0.8,verbosity=0.6"
scorers:
  here:
    type: local
    model-dir: ${modelDir}
    device: cpu
  there:
    type: kserve
    endpoints: ["${scorerServer.url}"]
    model: reference
    model-dir: ${modelDir}
models:
  - id: chat-a
    upstream-url: ${simA.url}
    upstream-model: llama-upstream
    api-key-env: UPSTREAM_A_KEY
    scorer: here
  - id: chat-b
    upstream-url: ${simB.url}
    upstream-model: qwen-upstream
    scorer: there
`,
  );
  const loaded = loadConfig(['--config', path, '--port', '0', '--log-level', 'silent'], {});
  if (loaded.help) throw new Error('help');
  composed = await compose(loaded.config, { logger, env: { UPSTREAM_A_KEY: 'key-a' } });
  server = serve({ fetch: composed.app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise((r) => server.once('listening', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await composed?.close();
  await scorerServer?.close();
  await remoteModel?.close();
  await simA?.close();
  await simB?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two models, two scorers, from one configuration file', () => {
  it('routes each model to its upstream, with its upstream name and key, and scores with its scorer', async () => {
    const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: 'unused' });
    const messages = [{ role: 'user' as const, content: 'Explain why the sky is blue.' }];
    for (const [model, sim, upstream] of [
      ['chat-a', simA, 'llama-upstream'],
      ['chat-b', simB, 'qwen-upstream'],
    ] as const) {
      const before = sim.received.length;
      const reply = await client.chat.completions.create({ model, messages });
      expect(reply.model).toBe(model);
      expect(reply.choices[0]!.message.content).toBeTruthy();
      const calls = sim.received.slice(before).filter((r) => r.path.endsWith('/chat/completions'));
      expect(calls.length).toBe(3);
      expect(calls.every((c) => c.body?.model === upstream)).toBe(true);
      if (sim === simA) expect(calls.every((c) => c.headers.authorization === 'Bearer key-a')).toBe(true);
    }
    expect(composed.scorers.size).toBe(2);
  });

  it('scores a model’s candidates remotely exactly as locally (same model on both scorers)', async () => {
    const body = (model: string) => ({
      model,
      messages: [{ role: 'user', content: 'Name three prime numbers.' }],
      selection: { strategy: 'best_of_n', k: 2, seed: 7, return_candidates: true },
      seed: 1,
    });
    const post = async (model: string) => {
      const res = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body(model)),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { selection: { candidates: Array<{ scores: Record<string, number> }> } }).selection;
    };
    const [a, b] = [await post('chat-a'), await post('chat-b')];
    expect(a.candidates.length).toBe(2);
    for (const [i, candidate] of b.candidates.entries()) {
      for (const [name, score] of Object.entries(candidate.scores))
        expect(score).toBeCloseTo(a.candidates[i]!.scores[name]!, 4);
    }
  });

  it('lists exactly the declared models, answers 404 for others, and reports remote scorer health', async () => {
    const models = (await (await fetch(`${origin}/v1/models`)).json()) as { data: Array<{ id: string }> };
    const ids = models.data.map((m) => m.id);
    expect(ids.slice(0, 2)).toEqual(['chat-a', 'chat-b']);
    expect(ids).toContain('rps:chat-b');
    expect(ids).not.toContain('llama-upstream');
    const missing = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-upstream', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(missing.status).toBe(404);
    const ready = (await (await fetch(`${origin}/readyz`)).json()) as {
      status: string;
      checks: { remote_scorers: unknown };
    };
    expect(ready.status).toBe('ready');
    expect(ready.checks.remote_scorers).toEqual([{ name: 'there', ready: true }]);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    expect(metrics).toMatch(/prefsel_scorer_endpoint_requests_total\{scorer="there",endpoint="0",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/prefsel_scorer_endpoint_up\{scorer="there",endpoint="0"\} 1/);
    expect(metrics).not.toContain(scorerServer.url);
  });
});
