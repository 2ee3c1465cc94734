/**
 * The KServe v2 client against a real v2 server: prefsel's own (`server/scorer-server/`, checked against the spec's
 * examples in its own tests and in `scorers/protocols/kserve-v2.test.ts`). Remote scores must equal the embedded
 * scorer's on the same model directory.
 * Spec: https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RemoteScorerError } from '../../core/errors.js';
import type { ScoreInput } from '../../core/ports.js';
import { createLogger } from '../../server/logger.js';
import { listenScorerServer, type ListeningScorerServer } from '../../server/scorer-server/listen.js';
import { createOnnxScorer, ensureReferenceModel, type OnnxScorer } from '../index.js';
import type { AttemptReport } from './endpoint-pool.js';
import { createKServeScorer, type KServeScorerOptions } from './kserve.js';
import { bucketFor, defaultBuckets } from './kserve-io.js';

const logger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const quiet = { info() {}, warn() {} };
let modelDir: string;
let embedded: OnnxScorer;
let servers: ListeningScorerServer[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'prefsel-kserve-'));

beforeAll(async () => {
  modelDir = await ensureReferenceModel();
  embedded = await createOnnxScorer({ modelDir, device: 'cpu', workers: 1, logger: quiet });
  servers = await Promise.all(
    [0, 1].map(() => listenScorerServer({ scorer: embedded, name: 'reference', logger, version: 't' })),
  );
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await embedded?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const inputs: ScoreInput[] = [
  { messages: [{ role: 'user', content: 'What is the capital of France?' }], response: 'Paris.' },
  {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Name a prime number between ten and twenty.' },
    ],
    response: 'Thirteen is a prime number between ten and twenty; so are eleven, seventeen and nineteen.',
  },
  { messages: [{ role: 'user', content: 'Say hello' }], response: 'hello hello hello hello hello' },
];

const base = (over: Partial<KServeScorerOptions> = {}): KServeScorerOptions => ({
  name: 'ref',
  endpoints: servers.map((s) => s.url),
  model: 'reference',
  modelDir,
  logger: quiet,
  healthIntervalMs: 60_000,
  ...over,
});

const expectClose = (a: number[][], b: number[][]) => {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 4)));
};

describe('KServe v2 scorer against prefsel serve-scorer', () => {
  it.each([
    ['tokens, binary tensors', { input: 'tokens', binary: true }],
    ['tokens, JSON tensors', { input: 'tokens', binary: false }],
    ['text (the server tokenizes)', { input: 'text', model: 'reference_text' }],
  ] as const)('scores %s exactly as the embedded scorer does', async (_what, over) => {
    const scorer = await createKServeScorer(base(over));
    try {
      expect(scorer.attributes).toEqual(embedded.attributes);
      expectClose(await scorer.score(inputs), await embedded.score(inputs));
    } finally {
      await scorer.close();
    }
  });

  it('pads token tensors to a length bucket, so a dynamic batcher can merge equal shapes', async () => {
    expect(defaultBuckets(4096)).toEqual([64, 128, 256, 512, 1024, 2048, 4096]);
    expect(bucketFor(65, [64, 128])).toBe(128);
    const seen: number[][] = [];
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation((url, init) => {
      if (String(url).endsWith('/infer')) seen.push(JSON.parse(String(init?.body)).inputs[0].shape);
      return realFetch(url, init);
    });
    try {
      const scorer = await createKServeScorer(base({ binary: false, buckets: [16, 96] }));
      await scorer.score(inputs.slice(0, 1));
      await scorer.score(inputs);
      await scorer.close();
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual([
      [1, 96],
      [3, 96],
    ]);
  });

  it('splits a call into requests of at most maxBatchSize rows and keeps the order', async () => {
    const scorer = await createKServeScorer(base({ maxBatchSize: 2 }));
    try {
      const many = [...inputs, ...inputs, inputs[0]!];
      expectClose(await scorer.score(many), await embedded.score(many));
    } finally {
      await scorer.close();
    }
  });

  it('refuses, at start-up, a server whose output width does not match the directory’s labels', async () => {
    const other = join(tmp, 'four-labels');
    cpSync(modelDir, other, { recursive: true });
    const config = JSON.parse(readFileSync(join(other, 'config.json'), 'utf8'));
    config.id2label = { ...config.id2label, 3: 'extra' };
    config.num_labels = 4;
    writeFileSync(join(other, 'config.json'), JSON.stringify(config));
    const err = await createKServeScorer(base({ modelDir: other, startupTimeoutMs: 0 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteScorerError);
    expect((err as Error).message).toMatch(/has 3 columns but .* names 4 labels/);
  });
});

describe('KServe v2 scorer: endpoints', () => {
  it('fails over when one of two servers dies mid-run: no call is lost', async () => {
    const a = await listenScorerServer({ scorer: embedded, name: 'reference', logger, version: 't' });
    const b = await listenScorerServer({ scorer: embedded, name: 'reference', logger, version: 't' });
    const reports: AttemptReport[] = [];
    const scorer = await createKServeScorer(base({ endpoints: [a.url, b.url], onAttempt: (r) => reports.push(r) }));
    try {
      const expected = await embedded.score(inputs);
      // Both servers take calls …
      for (const rows of await Promise.all(Array.from({ length: 8 }, () => scorer.score(inputs))))
        expectClose(rows, expected);
      expect(new Set(reports.map((r) => r.endpoint))).toEqual(new Set([0, 1]));
      // … then one dies while calls are in flight on it.
      const wave = Array.from({ length: 16 }, () => scorer.score(inputs));
      while (scorer.endpoints()[0]!.inFlight === 0) await new Promise((r) => setImmediate(r));
      a.server.closeAllConnections();
      await a.close();
      for (const rows of await Promise.all(wave)) expectClose(rows, expected);
      expect(reports.filter((r) => r.outcome === 'ok').length).toBe(24);
      expect(scorer.endpoints().map((e) => e.healthy)).toEqual([false, true]);
    } finally {
      await scorer.close();
      await b.close();
    }
  });

  it('keeps answering when the last live endpoint fails its probes under load as its peer dies', async () => {
    // Endpoint 1 is a real pass-through in front of a real v2 server whose health routes stop answering on demand,
    // as a probe does when the one server left takes all the load: it is taken out of rotation while still serving.
    const a = await listenScorerServer({ scorer: embedded, name: 'reference', logger, version: 't' });
    const real = servers[1]!;
    let probesHang = false;
    const front: Server = createServer((req, res) => {
      if (probesHang && req.url?.includes('/health/')) return; // never answered
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const h of ['content-type', 'inference-header-content-length']) {
          const v = req.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
        const body = req.method === 'POST' ? Buffer.concat(chunks) : undefined;
        void fetch(`${real.url}${req.url}`, { method: req.method!, headers, ...(body ? { body } : {}) }).then(
          async (r) => {
            const out: Record<string, string> = {};
            for (const h of ['content-type', 'inference-header-content-length']) {
              const v = r.headers.get(h);
              if (v !== null) out[h] = v;
            }
            res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
          },
        );
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
    const scorer = await createKServeScorer(
      base({ endpoints: [a.url, frontUrl], healthIntervalMs: 20, probeTimeoutMs: 100 }),
    );
    try {
      const expected = await embedded.score(inputs);
      probesHang = true;
      while (scorer.endpoints()[1]!.healthy) await new Promise((r) => setTimeout(r, 10));
      const wave = Array.from({ length: 16 }, () => scorer.score(inputs));
      while (scorer.endpoints()[0]!.inFlight === 0) await new Promise((r) => setImmediate(r));
      a.server.closeAllConnections();
      await a.close();
      for (const rows of await Promise.all(wave)) expectClose(rows, expected);
      for (const rows of await Promise.all(Array.from({ length: 8 }, () => scorer.score(inputs))))
        expectClose(rows, expected);
      expect(scorer.endpoints()[0]!.healthy).toBe(false);
    } finally {
      await scorer.close();
      front.closeAllConnections();
      await new Promise((r) => front.close(r));
    }
  });

  it('answers 503 naming the scorer, never an address, when every endpoint is down', async () => {
    const a = await listenScorerServer({ scorer: embedded, name: 'reference', logger, version: 't' });
    const scorer = await createKServeScorer(base({ endpoints: [a.url] }));
    a.server.closeAllConnections();
    await a.close();
    try {
      const first = await scorer.score(inputs).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(RemoteScorerError);
      // The call that found it dead: a refused connection means no endpoint is up, so 503 too.
      expect((first as RemoteScorerError).status).toBe(503);
      const second = (await scorer.score(inputs).catch((e: unknown) => e)) as RemoteScorerError;
      expect(second.status).toBe(503);
      expect(second.toJSON().error).toMatchObject({ code: 'scorer_unavailable', type: 'server_error' });
      for (const e of [first as Error, second]) {
        expect(e.message).toContain('ref');
        expect(e.message).not.toContain('127.0.0.1');
      }
      expect(scorer.ready()).toBe(false);
    } finally {
      await scorer.close();
    }
  });

  it('times out a server that does not answer (504) and says so at start-up when none is ready', async () => {
    // Health and metadata pass through to a real server; inference requests are never answered.
    const real = servers[0]!;
    const hang: Server = createServer((req, res) => {
      if (req.method !== 'GET') return;
      void fetch(`${real.url}${req.url}`).then(async (r) =>
        res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()),
      );
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    const scorer = await createKServeScorer(base({ endpoints: [url], timeoutMs: 300 }));
    try {
      const err = (await scorer.score(inputs).catch((e: unknown) => e)) as RemoteScorerError;
      expect(err).toBeInstanceOf(RemoteScorerError);
      expect(err.status).toBe(504);
    } finally {
      await scorer.close();
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
    const down = await createKServeScorer(base({ endpoints: ['http://127.0.0.1:9'], startupTimeoutMs: 0 })).catch(
      (e: unknown) => e,
    );
    expect(down).toBeInstanceOf(RemoteScorerError);
    expect((down as Error).message).toMatch(/no endpoint is ready.*endpoint 0 .*connection failed/);
  });
});
