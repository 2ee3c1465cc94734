/**
 * @module compose
 * The composition root: the only file that names concrete generators, scorers and the simulator. Configuration in,
 * a ready app out. No upstream configured means the built-in simulated upstream (announced loudly: its answers are
 * not a language model's); no reward model configured means the built-in reference model.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Generator } from '../core/ports.js';
import type { Selector } from '../core/selector.js';
import { createSelector } from '../middleware/create-selector.js';
import { createOpenAICompatibleGenerator } from '../middleware/generators/openai-compatible.js';
import { preferenceSchema } from '../middleware/preference.js';
import { lazyProfileStore } from '../middleware/profiles/lazy-store.js';
import { createProfiles } from '../middleware/profiles/service.js';
import { createSqlProfileStore, openPglite, openPostgres } from '../stores/index.js';
import {
  createOnnxScorer,
  ensureReferenceModel,
  readModelAttributes,
  type BatchInfo,
  type OnnxScorer,
} from '../scorers/index.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import { ConfigError, settingProblem, type ServerConfig } from './config.js';
import { createRequestTracker, type RequestTracker } from './in-flight.js';
import { createMetrics, type Metrics } from './metrics.js';
import { redactingGenerator } from './redact.js';
import { playgroundRoutes } from './playground/route.js';

/** Latency of the simulated upstream: enough to feel like a real model (and to show keep-alives), no more. */
const SIMULATED_LATENCY = { ttftMs: 250, tokensPerSecond: 120 } as const;

/** A composed server, not yet listening. */
export interface Composed {
  app: Hono;
  selector: Selector;
  scorer: OnnxScorer;
  tracker: RequestTracker;
  metrics: Metrics;
  /** The upstream actually used. */
  upstream: { url: string; simulated: boolean };
  /** Releases the scorer and stops the simulator; call after the HTTP server has drained. */
  close(): Promise<void>;
}

/** Options of {@link compose} beyond the configuration. */
export interface ComposeOptions {
  logger: Logger;
  /**
   * Wraps the upstream generator (after key redaction) before the selector gets it. For callers that observe
   * individual upstream calls, such as the end-to-end bench timing each call; must delegate every call.
   */
  wrapGenerator?: (generator: Generator) => Generator;
  /** Wraps the selector before the app, the metrics and the playground get it, e.g. to record each selection. */
  wrapSelector?: (selector: Selector) => Selector;
  /** Called after every scorer batch, in addition to (not instead of) the metrics that compose feeds. */
  onScorerBatch?: (info: BatchInfo) => void;
}

/**
 * Builds every piece from the configuration.
 * @throws ConfigError when a setting only turns out wrong against the reward model (an unknown default attribute;
 *   checked before the model loads); `ModelLoadError` when the reward model cannot be loaded.
 */
export async function compose(config: ServerConfig, options: ComposeOptions): Promise<Composed> {
  const { logger, wrapGenerator, wrapSelector, onScorerBatch } = options;
  // Settings that name attributes are checked against the model's labels (its small JSON files) before anything
  // slow starts: a typo in --preference costs milliseconds, not a model load.
  const modelDir = config.rewardModel ?? (await ensureReferenceModel());
  checkDefaultPreference(config, await readModelAttributes(modelDir));

  let sim: SimulatedUpstream | undefined;
  let upstreamUrl = config.upstreamUrl;
  if (upstreamUrl === undefined) {
    sim = await startSimulatedUpstream(SIMULATED_LATENCY);
    upstreamUrl = sim.url;
    const banner = [
      '*** SIMULATED UPSTREAM ***',
      `No --upstream-url / PREFSEL_UPSTREAM_URL given: answers come from prefsel's built-in simulator at ${sim.url},`,
      'not from a language model. Point prefsel at a real OpenAI-compatible server with --upstream-url.',
    ];
    process.stderr.write(`\n${banner.join('\n')}\n\n`);
    logger.warn({ upstream: sim.url, simulated: true }, banner.join(' '));
  }

  let scorer: OnnxScorer | undefined;
  let closeProfiles: (() => Promise<void>) | undefined;
  try {
    const base = createOpenAICompatibleGenerator({
      baseUrl: upstreamUrl,
      ...(config.upstreamApiKey ? { apiKey: config.upstreamApiKey } : {}),
      ...(sim ? { name: 'simulated' } : {}),
      forwardParams: config.forwardParams,
      continuousUsageStats: config.upstreamContinuousUsage,
    });
    const redacted = redactingGenerator(base, config.upstreamApiKey ? [config.upstreamApiKey] : []);
    const generator: Generator = wrapGenerator ? wrapGenerator(redacted) : redacted;

    let metrics: Metrics | undefined;
    scorer = await createOnnxScorer({
      modelDir,
      device: config.device,
      logger: { info: (msg) => logger.info(msg), warn: (msg) => logger.warn(msg) },
      batching: {
        onBatch: (batch) => {
          metrics?.observeScorerBatch(batch.size);
          onScorerBatch?.(batch);
        },
      },
    });

    const inner = createSelector({
      generator,
      scorer,
      defaults: {
        strategy: config.strategy,
        k: config.k,
        radius_deg: config.radiusDeg,
        seed: config.seed,
        prune: config.prune,
        ...(config.preference ? { preference: config.preference } : {}),
      },
      maxK: config.maxK,
      candidateTimeoutMs: config.candidateTimeoutMs,
      deadlineMs: config.deadlineMs,
      maxConcurrentUpstream: config.maxConcurrency,
      maxQueuedUpstream: config.maxQueue,
      streamStallMs: config.streamStallMs,
      maxInputTokens: config.maxInputTokens,
    });
    const selector = wrapSelector ? wrapSelector(inner) : inner;
    const tracker = createRequestTracker();
    const loaded = scorer;
    metrics = createMetrics({
      upstreamQueue: () => selector.upstreamQueue(),
      requestsInFlight: () => tracker.active,
      scorer: loaded,
    });
    const profiles = createProfiles({
      store: profileStore(config, logger),
      selector,
      reportTtlMs: config.profileReportTtlMs,
      maxReports: config.profileMaxReports,
      lookupTimeoutMs: config.profileLookupTimeoutMs,
    });
    closeProfiles = () => profiles.store.close();
    const app = createApp({
      selector,
      logger,
      metrics,
      tracker,
      profiles,
      playground: playgroundRoutes({ selector }),
      options: {
        apiKeys: config.apiKeys,
        bodyLimit: config.bodyLimit,
        maxRequests: config.maxRequests,
        keepAliveMs: config.keepAliveMs,
        streamIdleTimeoutMs: config.streamIdleTimeoutMs,
        modelsTimeoutMs: config.modelsTimeoutMs,
        modelMap: config.modelMap,
        forwardParams: config.forwardParams,
      },
    });
    return {
      app,
      selector,
      scorer: loaded,
      tracker,
      metrics,
      upstream: { url: upstreamUrl, simulated: sim !== undefined },
      async close() {
        await closeProfiles?.();
        await loaded.close();
        await sim?.close();
      },
    };
  } catch (err) {
    await closeProfiles?.();
    await scorer?.close();
    await sim?.close();
    throw err;
  }
}

/**
 * The profile store the settings name: PostgreSQL with --database-url, else the embedded PGlite database in
 * --data-dir. Opened on first use (see lazy-store); the log says which and where (never the URL's password).
 */
function profileStore(config: ServerConfig, logger: Logger) {
  if (config.databaseUrl) {
    const url = new URL(config.databaseUrl);
    logger.info({ profiles: 'postgres', host: url.host, database: url.pathname.slice(1) }, 'profiles: PostgreSQL');
    const connectionString = config.databaseUrl;
    return lazyProfileStore('postgres', async () => createSqlProfileStore(await openPostgres({ connectionString })));
  }
  const dataDir = config.dataDir;
  logger.info({ profiles: 'pglite', dataDir }, 'profiles: embedded PGlite database (opened on first use)');
  return lazyProfileStore('pglite', async () => {
    await mkdir(dataDir, { recursive: true });
    return createSqlProfileStore(await openPglite(dataDir));
  });
}

/**
 * The default preference against the reward model's attributes, by the engine's preference rules: an unknown
 * attribute gets the words a request naming it gets, under the setting's name.
 * @throws ConfigError naming --preference / PREFSEL_PREFERENCE.
 */
export function checkDefaultPreference(config: Pick<ServerConfig, 'preference'>, attributes: readonly string[]): void {
  if (config.preference === undefined) return;
  const checked = preferenceSchema({ attributes }).safeParse(config.preference);
  if (checked.success) return;
  const issue = checked.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new ConfigError(`Invalid configuration:\n  ${settingProblem('preference', `${where}${issue.message}`)}`);
}
