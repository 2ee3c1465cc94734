/**
 * @module scorer-server/listen
 * Starts the v2 scorer server on a port: used by `prefsel serve-scorer`, the benchmarks and the tests, so all three
 * run the same server.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createScorerServerApp } from './app.js';
import { hostedModels, type ServableScorer } from './models.js';

/** Options of {@link listenScorerServer}. */
export interface ListenScorerServerOptions {
  scorer: ServableScorer;
  /** The graph's model name (the text model is `{name}_text`). */
  name: string;
  logger: Logger;
  version: string;
  /** @default 0 (any free port) */
  port?: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** @default 16 MiB */
  bodyLimit?: number;
  /** Most rows per request. @default 256 */
  maxBatchSize?: number;
}

/** A listening scorer server. */
export interface ListeningScorerServer {
  /** `http://host:port` */
  url: string;
  port: number;
  server: Server;
  /** Readiness turns 503; requests still run. */
  drain(): void;
  /** Stops listening and waits for open requests (connections are then cut). */
  close(): Promise<void>;
}

/** Starts listening and resolves once the port is bound. */
export async function listenScorerServer(options: ListenScorerServerOptions): Promise<ListeningScorerServer> {
  const models = hostedModels(options.scorer, options.name, options.maxBatchSize);
  const { app, drain } = createScorerServerApp({
    models,
    logger: options.logger,
    version: options.version,
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
  });
  const host = options.host ?? '127.0.0.1';
  const server = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    server,
    drain,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
