/**
 * @module cli
 * `prefsel serve [flags]`: parse the configuration, compose, listen. SIGTERM/SIGINT stop intake, let in-flight
 * requests finish within the grace period, release the reward model and exit 0 (1 if the grace period ran out and
 * connections had to be cut). A second signal exits at once.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compose, type Composed } from './compose.js';
import { ConfigError, describeConfig, helpText, loadConfig, type ServerConfig } from './config.js';
import { createLogger } from './logger.js';
import { onOrphaned } from './parent-watch.js';

const USAGE = `Usage: prefsel <command> [flags]

Commands:
  serve     Run the OpenAI-compatible preference-selection proxy (default offline: simulated upstream,
            built-in reference reward model). "prefsel serve --help" lists every flag.

Example:
  prefsel serve --upstream-url http://localhost:8000/v1 --k 5 --preference "helpfulness=0.8,verbosity=0.6"`;

/** Exit codes: 0 clean, 1 runtime failure, 2 bad usage or configuration. */
const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(command === undefined ? EXIT.usage : EXIT.ok);
  }
  if (command !== 'serve') {
    process.stderr.write(`prefsel: unknown command "${command}".\n\n${USAGE}\n`);
    process.exit(EXIT.usage);
  }

  let config: ServerConfig;
  try {
    const loaded = loadConfig(rest, process.env);
    if (loaded.help) {
      process.stdout.write(`${helpText()}\n`);
      process.exit(EXIT.ok);
    }
    config = loaded.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`prefsel: ${err.message}\n`);
    process.exit(EXIT.usage);
  }

  const logger = createLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'effective configuration');

  let composed: Composed;
  try {
    composed = await compose(config, { logger });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`prefsel: cannot start: ${message}\n`);
    logger.fatal({ err }, 'start-up failed');
    process.exit(err instanceof ConfigError ? EXIT.usage : EXIT.failure);
  }

  const server = serve({ fetch: composed.app.fetch, hostname: config.host, port: config.port }) as Server;
  server.on('error', (err: NodeJS.ErrnoException) => {
    const hint =
      err.code === 'EADDRINUSE' ? ` Port ${config.port} is taken; choose another with --port or PREFSEL_PORT.` : '';
    process.stderr.write(`prefsel: cannot listen on ${config.host}:${config.port}: ${err.message}.${hint}\n`);
    void composed.close().finally(() => process.exit(EXIT.failure));
  });
  server.on('listening', () => {
    const { port } = server.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info(
      {
        url,
        upstream: composed.upstream.simulated ? 'SIMULATED' : composed.upstream.url,
        scorer: composed.scorer.info.model,
        executionProvider: composed.scorer.info.executionProvider,
        attributes: composed.scorer.attributes,
      },
      `listening on ${url} (OpenAI base URL: ${url}/v1)`,
    );
    // Logs are JSON for machines; a person who just ran `npm start` also gets one plain line saying where to go.
    process.stderr.write(`\nprefsel is ready: playground ${url}/ · OpenAI base URL ${url}/v1 · Ctrl+C stops\n\n`);
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(EXIT.failure);
    }
    stopping = true;
    logger.info(
      { signal, inFlight: composed.tracker.active, graceMs: config.shutdownGraceMs },
      'stopping: no new connections',
    );
    server.close();
    server.closeIdleConnections();
    const drained = Promise.all([composed.tracker.idle(), composed.selector.onIdle()]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), config.shutdownGraceMs);
    });
    const clean = await Promise.race([drained, graceOver]);
    clearTimeout(timer);
    if (!clean) {
      logger.warn({ inFlight: composed.tracker.active }, 'grace period over: closing remaining connections');
      server.closeAllConnections();
    }
    await composed.close().catch((err: unknown) => logger.error({ err }, 'closing failed'));
    logger.info({ clean }, 'stopped');
    process.exit(clean ? EXIT.ok : EXIT.failure);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
  // Under `npx prefsel serve` npm's SIGTERM kills only the shell between us (parent-watch.ts says why).
  onOrphaned(() => {
    if (stopping) return;
    logger.info('the parent process is gone (npm was signalled): stopping as on SIGTERM');
    void stop('SIGTERM');
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`prefsel: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT.failure);
});
