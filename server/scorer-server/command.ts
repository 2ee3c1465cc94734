/**
 * @module scorer-server/command
 * `prefsel serve-scorer [flags]`: load the reward model, serve it over KServe v2, and on SIGTERM/SIGINT turn
 * readiness to 503 (balancers stop sending), stop accepting connections, let open inferences finish within the grace
 * period, release the model and exit 0 (1 if connections had to be cut). A second signal exits at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServableScorer } from '../compose-scorers.js';
import { ConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { loadScorerServerConfig, scorerServerHelp, type ScorerServerConfig } from './config.js';
import { listenScorerServer } from './listen.js';

/** Exit codes: 0 clean, 1 runtime failure, 2 bad usage or configuration. */
const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** prefsel's version, from the nearest package.json named prefsel (source checkout and installed package alike). */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (!existsSync(path)) continue;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'prefsel') return pkg.version ?? '0.0.0';
  }
  return '0.0.0';
}

/** Runs the command; resolves when listening (the process then lives until a signal). */
export async function serveScorerCommand(argv: readonly string[]): Promise<void> {
  let config: ScorerServerConfig;
  try {
    const loaded = loadScorerServerConfig(argv, process.env);
    if (loaded.help) {
      process.stdout.write(`${scorerServerHelp()}\n`);
      process.exit(EXIT.ok);
    }
    config = loaded.config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`prefsel: ${err.message}\n`);
    process.exit(EXIT.usage);
  }
  const logger = createLogger(config.logLevel);
  logger.info({ config }, 'effective configuration');
  let scorer;
  try {
    scorer = await buildServableScorer({ modelDir: config.rewardModel, device: config.device, logger });
  } catch (err) {
    process.stderr.write(`prefsel: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.failure);
  }
  let listening;
  try {
    listening = await listenScorerServer({
      scorer,
      name: config.modelName,
      logger,
      version: packageVersion(),
      port: config.port,
      host: config.host,
      bodyLimit: config.bodyLimit,
      maxBatchSize: config.maxBatchSize,
    });
  } catch (err) {
    process.stderr.write(`prefsel: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await scorer.close();
    process.exit(EXIT.failure);
  }
  const { url } = listening;
  logger.info(
    { url, model: config.modelName, executionProvider: scorer.info.executionProvider, labels: scorer.spec.labels },
    `serving ${config.modelName} over KServe v2 at ${url}/v2/models/${config.modelName}`,
  );
  // One plain line for machines that parse stderr (the bench) and people alike.
  process.stderr.write(`READY ${JSON.stringify({ port: listening.port, url, model: config.modelName })}\n`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) process.exit(EXIT.failure);
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping: readiness now 503');
    listening.drain();
    let timer: NodeJS.Timeout | undefined;
    const closed = listening.close().then(() => true);
    const graceOver = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), config.shutdownGraceMs);
    });
    const clean = await Promise.race([closed, graceOver]);
    clearTimeout(timer);
    if (!clean) listening.server.closeAllConnections();
    await scorer.close().catch((err: unknown) => logger.error({ err }, 'closing failed'));
    logger.info({ clean }, 'stopped');
    process.exit(clean ? EXIT.ok : EXIT.failure);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}
