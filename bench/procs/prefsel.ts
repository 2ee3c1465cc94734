/**
 * Child-process entry: prefsel's proxy with benchmark instrumentation, for the end-to-end bench. argv[2] is a JSON
 * `PrefselConfig`; prints `READY {"port", scorer…}` on stderr once listening on 127.0.0.1.
 *
 * It wires the same pieces, with the same settings, as `server/compose.ts` (OpenAI-compatible generator, reference
 * ONNX scorer with dynamic batching, createSelector, metrics, createApp), because compose does not let a caller
 * observe individual upstream calls or scorer batches. Differences: the generator and the selector are wrapped by a
 * recorder, and `/__bench/stats` + `/__bench/reset` are answered before the app sees the request.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Generator } from '../../core/ports.js';
import { createOpenAICompatibleGenerator, createSelector } from '../../middleware/index.js';
import { createOnnxScorer, ensureReferenceModel } from '../../scorers/index.js';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createRequestTracker } from '../../server/in-flight.js';
import { createLogger } from '../../server/logger.js';
import { createMetrics, type Metrics } from '../../server/metrics.js';
import { createSelectionRecorder } from '../selection-recorder.js';
import type { PrefselConfig } from '../servers.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as PrefselConfig;
const loaded = loadConfig(
  [
    '--upstream-url', cfg.upstreamBaseUrl, '--strategy', cfg.strategy, '--device', 'cpu', '--port', '0',
    ...(cfg.k ? ['--k', String(cfg.k)] : []),
    ...(cfg.maxConcurrentUpstream ? ['--max-concurrency', String(cfg.maxConcurrentUpstream)] : []),
  ],
  {},
);
if (loaded.help) throw new Error('unexpected --help');
const config = loaded.config;
const logger = createLogger(config.logLevel);
const recorder = createSelectionRecorder();

const base = createOpenAICompatibleGenerator({ baseUrl: config.upstreamUrl! });
const generator: Generator = {
  name: base.name,
  async complete(params, options) {
    const started = performance.now();
    try {
      return await base.complete(params, options);
    } finally {
      recorder.observeCall(performance.now() - started);
    }
  },
  ...(base.listModels ? { listModels: base.listModels.bind(base) } : {}),
  ...(base.stream ? { stream: base.stream.bind(base) } : {}),
};

let metrics: Metrics | undefined;
const modelDir = await ensureReferenceModel();
const scorer = await createOnnxScorer({
  modelDir,
  device: 'cpu',
  logger: { info: (msg) => logger.info(msg), warn: (msg) => logger.warn(msg) },
  batching: {
    onBatch: (batch) => {
      metrics?.observeScorerBatch(batch.size);
      recorder.observeBatch(batch);
    },
  },
});
const selector = recorder.wrap(
  createSelector({
    generator,
    scorer,
    defaults: { strategy: config.strategy, k: config.k, radius_deg: config.radiusDeg, seed: config.seed },
    candidateTimeoutMs: config.candidateTimeoutMs,
    deadlineMs: config.deadlineMs,
    maxConcurrentUpstream: config.maxConcurrency,
    maxQueuedUpstream: config.maxQueue,
  }),
);
const tracker = createRequestTracker();
metrics = createMetrics({ upstreamQueue: () => selector.upstreamQueue(), requestsInFlight: () => tracker.active, scorer });
const app = createApp({
  selector,
  logger,
  metrics,
  tracker,
  options: {
    apiKeys: config.apiKeys,
    bodyLimit: config.bodyLimit,
    maxRequests: config.maxRequests,
    maxK: config.maxK,
    keepAliveMs: config.keepAliveMs,
    modelMap: config.modelMap,
  },
});

const fetchHandler = (req: Request): Response | Promise<Response> => {
  const path = new URL(req.url).pathname;
  if (path === '/__bench/stats') return Response.json(recorder.stats());
  if (path === '/__bench/reset') {
    recorder.reset();
    return Response.json({ ok: true });
  }
  return app.fetch(req);
};

const server = serve({ fetch: fetchHandler, hostname: '127.0.0.1', port: 0 }) as Server;
server.on('listening', () => {
  const { port } = server.address() as AddressInfo;
  const info = {
    port,
    scorer: scorer.info,
    attributes: scorer.attributes,
    maxConcurrentUpstream: config.maxConcurrency,
    maxRequests: config.maxRequests,
    logLevel: config.logLevel,
  };
  process.stderr.write(`READY ${JSON.stringify(info)}\n`);
});

const stop = (): void => {
  recorder.close();
  server.close();
  void scorer.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
