/**
 * Child-process entry: prefsel's proxy with benchmark instrumentation, for the end-to-end bench. argv[2] is a JSON
 * `PrefselConfig`; prints `READY {"port", scorer…}` on stderr once listening on 127.0.0.1.
 *
 * The server is built by `server/compose.ts`, exactly as the CLI builds it, so the bench measures the shipped wiring
 * rather than a copy of it. compose's hooks let a recorder time each upstream call (wrapGenerator), each selection
 * (wrapSelector) and each scorer batch (onScorerBatch); `/__bench/stats` + `/__bench/reset` are answered before the
 * app sees the request.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Generator } from '../../core/ports.js';
import { compose } from '../../server/compose.js';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { createSelectionRecorder } from '../selection-recorder.js';
import type { PrefselConfig } from '../servers.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as PrefselConfig;
const loaded = loadConfig(
  [
    '--upstream-url',
    cfg.upstreamBaseUrl,
    '--strategy',
    cfg.strategy,
    '--device',
    'cpu',
    '--port',
    '0',
    ...(cfg.k ? ['--k', String(cfg.k)] : []),
    ...(cfg.maxConcurrentUpstream ? ['--max-concurrency', String(cfg.maxConcurrentUpstream)] : []),
  ],
  {},
);
if (loaded.help) throw new Error('unexpected --help');
const config = loaded.config;
const logger = createLogger(config.logLevel, undefined, { secrets: [config.upstreamApiKey, ...config.apiKeys] });
const recorder = createSelectionRecorder();

/** Times every upstream call for the recorder; everything else is delegated unchanged. */
const timed = (base: Generator): Generator => ({
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
});

const composed = await compose(config, {
  logger,
  wrapGenerator: timed,
  wrapSelector: (selector) => recorder.wrap(selector),
  onScorerBatch: (batch) => recorder.observeBatch(batch),
});
const { app, scorer } = composed;

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
  void composed.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
