/**
 * A real prefsel server on 127.0.0.1 for tests: the real engine, the real OpenAI-compatible generator, the simulated
 * upstream and a function scorer (fast; the ONNX path has its own tests), behind `createApp` and `@hono/node-server`.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { CreateSelectorOptions, Selector } from '../core/selector.js';
import type { ProfileStore } from '../core/profiles.js';
import { createSelector } from '../middleware/create-selector.js';
import { createProfiles } from '../middleware/profiles/service.js';
import { MIDDLEWARE_DEFAULTS } from '../middleware/hono.js';
import { createOpenAICompatibleGenerator } from '../middleware/generators/openai-compatible.js';
import { createFunctionScorer } from '../scorers/function.js';
import { createApp, type AppOptions } from '../server/app.js';
import { createRequestTracker } from '../server/in-flight.js';
import { createLogger } from '../server/logger.js';
import { createMetrics } from '../server/metrics.js';
import { redactingGenerator } from '../server/redact.js';
import {
  startSimulatedUpstream,
  type SimulatedUpstream,
  type SimulatedUpstreamOptions,
} from '../upstream-sim/index.js';

/** Options of {@link startTestServer}. */
export interface TestServerOptions {
  app?: Partial<AppOptions>;
  sim?: SimulatedUpstreamOptions;
  selector?: Partial<Omit<CreateSelectorOptions, 'generator' | 'scorer'>>;
  /** Key the generator sends upstream (also required by the simulator when `sim.apiKey` is set). */
  upstreamApiKey?: string;
  /** Extra body fields forwarded upstream (given to both the generator and the app, as compose does). */
  forwardParams?: readonly string[];
  /** Preference profiles over this store (closed with the server). */
  profileStore?: ProfileStore;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `origin + /v1`, the base URL for OpenAI clients. */
  baseURL: string;
  sim: SimulatedUpstream;
  selector: Selector;
  /** Every log line written so far (JSON text). */
  logs: string[];
  close(): Promise<void>;
}

/** Helpfulness: answers that mention the question's words; verbosity: length. Deterministic and instant. */
const scorer = createFunctionScorer({
  attributes: ['helpfulness', 'verbosity'],
  score: ({ messages, response }) => {
    const question = String(messages.at(-1)?.content ?? '').toLowerCase();
    const words = question.split(/\W+/).filter((w) => w.length > 3);
    const hits = words.filter((w) => response.toLowerCase().includes(w)).length;
    return {
      helpfulness: hits / Math.max(1, words.length),
      verbosity: Math.min(1, response.split(/\s+/).length / 200),
    };
  },
});

/** Starts the simulator and a server in front of it. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const sim = await startSimulatedUpstream({ record: true, ...options.sim });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const key = options.upstreamApiKey;
  const logger = createLogger('debug', sink, { secrets: [key, ...(options.app?.apiKeys ?? [])] });
  const generator = redactingGenerator(
    createOpenAICompatibleGenerator({
      baseUrl: sim.url,
      ...(key ? { apiKey: key } : {}),
      forwardParams: options.forwardParams ?? [],
    }),
    key ? [key] : [],
  );
  const selector = createSelector({ generator, scorer, retry: { maxRetries: 0 }, ...options.selector });
  const tracker = createRequestTracker();
  const metrics = createMetrics({
    upstreamQueue: () => selector.upstreamQueue(),
    requestsInFlight: () => tracker.active,
    scorer,
  });
  const profiles = options.profileStore ? createProfiles({ store: options.profileStore, selector }) : undefined;
  const app = createApp({
    selector,
    logger,
    metrics,
    tracker,
    ...(profiles ? { profiles } : {}),
    options: {
      apiKeys: [],
      bodyLimit: 1024 * 1024,
      maxRequests: 64,
      keepAliveMs: MIDDLEWARE_DEFAULTS.keepAliveMs,
      modelMap: {},
      forwardParams: options.forwardParams ?? [],
      ...options.app,
    },
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseURL: `${origin}/v1`,
    sim,
    selector,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sim.close();
      await profiles?.store.close();
    },
  };
}
