/**
 * @module cli
 * `prefsel serve [flags]`: check the configuration, bind the port, then load the reward model and compose (the port
 * answers 503 meanwhile), so every mistake that can be caught early (a bad setting, an unknown attribute in the
 * default preference, a taken port) is reported before the slow part, once, as one readable line. SIGTERM/SIGINT
 * stop intake, let in-flight requests finish within the grace period, release the reward model and exit 0 (1 if the
 * grace period ran out and connections had to be cut). A second signal exits at once.
 */
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ModelLoadError } from '../core/errors.js';
import { compose, type Composed } from './compose.js';
import {
  ConfigError,
  describeConfig,
  helpText,
  loadConfig,
  unknownVariables,
  type LoadedConfig,
  type ServerConfig,
} from './config.js';
import { configSecrets, createLogger } from './logger.js';
import { onOrphaned } from './parent-watch.js';
import { serveScorerCommand } from './scorer-server/command.js';
import { createStartupGate, type StartupGate } from './startup.js';

const USAGE = `Usage: prefsel <command> [flags]

Commands:
  serve         Run the OpenAI-compatible preference-selection proxy (default offline: simulated upstream,
                built-in reference reward model). "prefsel serve --help" lists every flag.
  serve-scorer  Serve the reward model over KServe v2 for proxies on other machines.
                "prefsel serve-scorer --help" lists every flag.

Example:
  prefsel serve --upstream-url http://localhost:8000/v1 --k 5 --preference "helpfulness=0.8,verbosity=0.6"`;

/** Exit codes: 0 clean, 1 runtime failure, 2 bad usage or configuration. */
const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A start-up failure whose message already says what to do: printed once, as one readable line, no stack. */
class StartupError extends Error {}

/** Prints a start-up failure once and exits: expected ones as a line, anything else with its stack in the log. */
function fail(err: unknown, logger?: Logger): never {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ConfigError) {
    process.stderr.write(`prefsel: ${message}\n`);
    process.exit(EXIT.usage);
  }
  process.stderr.write(`prefsel: cannot start: ${message}\n`);
  // An unexpected error is a bug: its stack is worth a log line. The expected ones are fully said above.
  if (!(err instanceof StartupError || err instanceof ModelLoadError)) logger?.fatal({ err }, 'start-up failed');
  process.exit(EXIT.failure);
}

/** Binds the port; resolves once listening. A taken port is a {@link StartupError} naming the setting to change. */
function listen(config: ServerConfig, fetch: StartupGate['fetch']): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: config.host, port: config.port }) as Server;
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'EADDRINUSE' ? ` Port ${config.port} is taken; choose another with --port or PREFSEL_PORT.` : '';
      reject(new StartupError(`cannot listen on ${config.host}:${config.port}: ${err.message}.${hint}`));
    });
    server.once('listening', () => resolve(server));
  });
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(command === undefined ? EXIT.usage : EXIT.ok);
  }
  if (command === 'serve-scorer') return serveScorerCommand(rest);
  if (command !== 'serve') {
    process.stderr.write(`prefsel: unknown command "${command}".\n\n${USAGE}\n`);
    process.exit(EXIT.usage);
  }

  // Before the configuration is read: a mistyped variable may be the reason a setting looks wrong.
  const warnings = unknownVariables(process.env);
  for (const warning of warnings) process.stderr.write(`prefsel: warning: ${warning}\n`);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig(rest, process.env);
  } catch (err) {
    fail(err);
  }
  if (loaded.help) {
    process.stdout.write(`${helpText()}\n`);
    process.exit(EXIT.ok);
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel, undefined, { secrets: configSecrets(config) });
  for (const warning of warnings) logger.warn(warning);
  logger.info({ config: describeConfig(config) }, 'effective configuration');

  // The port first, the model second: a taken port fails in milliseconds, and the port answers 503 while loading.
  const gate = createStartupGate();
  let server: Server;
  try {
    server = await listen(config, gate.fetch);
  } catch (err) {
    fail(err, logger);
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url }, `listening on ${url}; loading the reward model (503 until ready)`);

  let composed: Composed | undefined;
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(EXIT.failure);
    }
    stopping = true;
    logger.info(
      { signal, inFlight: composed?.tracker.active ?? 0, graceMs: config.shutdownGraceMs },
      'stopping: no new connections',
    );
    server.close();
    server.closeIdleConnections();
    // Still loading: nothing is in flight and nothing is built yet (exiting ends the load).
    if (!composed) {
      logger.info({ clean: true }, 'stopped');
      process.exit(EXIT.ok);
    }
    const running = composed;
    const drained = Promise.all([running.tracker.idle(), running.selector.onIdle()]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), config.shutdownGraceMs);
    });
    const clean = await Promise.race([drained, graceOver]);
    clearTimeout(timer);
    if (!clean) {
      logger.warn({ inFlight: running.tracker.active }, 'grace period over: closing remaining connections');
      server.closeAllConnections();
    }
    await running.close().catch((err: unknown) => logger.error({ err }, 'closing failed'));
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

  try {
    composed = await compose(config, { logger });
  } catch (err) {
    server.close();
    fail(err, logger);
  }
  gate.open(composed.app);
  logger.info(
    {
      url,
      upstream: composed.upstream.simulated ? 'SIMULATED' : composed.upstream.url,
      scorer: composed.scorer.info.model,
      executionProvider: composed.scorer.info.executionProvider,
      attributes: composed.scorer.attributes,
    },
    `ready on ${url} (OpenAI base URL: ${url}/v1)`,
  );
  // Logs are JSON for machines; a person who just ran `npm start` also gets one plain line saying where to go.
  process.stderr.write(`\nprefsel is ready: playground ${url}/ · OpenAI base URL ${url}/v1 · Ctrl+C stops\n\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => fail(err));
