/**
 * @module compose
 * The composition root (with `compose-scorers.ts`, which builds the scorers): the only files that name concrete
 * generators, scorers and the simulator. Configuration in, a ready app out. A configuration file's `models:` give
 * one route per client model id, each with its upstream and scorer. No upstream configured means the built-in
 * simulated upstream (announced loudly: its answers are not a language model's); no reward model configured means the
 * built-in reference model.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Generator, Scorer } from '../core/ports.js';
import type { Selector } from '../core/selector.js';
import { createSelector } from '../middleware/create-selector.js';
import { createOpenAICompatibleGenerator } from '../middleware/generators/openai-compatible.js';
import { preferenceSchema } from '../middleware/preference.js';
import { lazyProfileStore } from '../middleware/profiles/lazy-store.js';
import { createProfiles } from '../middleware/profiles/service.js';
import { createSqlProfileStore, openPglite, openPostgres } from '../stores/index.js';
import type { BatchInfo } from '../scorers/index.js';
import { startSimulatedUpstreamThread, type SimulatedUpstreamThread } from '../upstream-sim/index.js';
import type { Hono } from 'hono';
import { createApp } from './app.js';
import { buildScorers, scorerDecls } from './compose-scorers.js';
import { ConfigError, settingProblem, type ServerConfig } from './config.js';
import { createRequestTracker, type RequestTracker } from './in-flight.js';
import { createMetrics, type Metrics } from './metrics.js';
import { limiterFromConfig } from './limits/from-config.js';
import { redactingGenerator } from './redact.js';
import { playgroundRoutes } from './playground/route.js';
import { routedSelector } from './routing.js';

/** Latency of the simulated upstream: enough to feel like a real model (and to show keep-alives), no more. */
const SIMULATED_LATENCY = { ttftMs: 250, tokensPerSecond: 120 } as const;

/** A composed server, not yet listening. */
export interface Composed {
  app: Hono;
  selector: Selector;
  /** The first scorer (the only one unless the configuration declares several). */
  scorer: Scorer;
  /** Every scorer by configured name. */
  scorers: ReadonlyMap<string, Scorer>;
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
  /** Where `api-key-env` variables are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds every piece from the configuration.
 * @throws ConfigError when a setting only turns out wrong against a reward model (an unknown default attribute;
 *   checked before a local model loads) or the models and scorers do not fit together; `ModelLoadError` when a reward
 *   model cannot be loaded; `RemoteScorerError` when a remote scorer has no ready endpoint.
 */
export async function compose(config: ServerConfig, options: ComposeOptions): Promise<Composed> {
  const { logger, wrapGenerator, wrapSelector, onScorerBatch } = options;
  const env = options.env ?? process.env;
  const plans = planRoutes(config, env);
  const decls = scorerDecls(config);
  for (const plan of plans) {
    if (!(plan.scorer in decls)) {
      throw new ConfigError(
        `Invalid configuration:\n  model ${plan.id}: scorer ${plan.scorer} is not declared (scorers: ${Object.keys(decls).join(', ')}).`,
      );
    }
  }

  let metrics: Metrics | undefined;
  // Settings that name attributes are checked against each model's labels before anything slow starts: a typo in
  // --preference costs milliseconds, not a model load.
  const scorers = await buildScorers(decls, {
    logger,
    checkAttributes: (_name, attributes) => checkDefaultPreference(config, attributes),
    onBatch: (_name, batch) => {
      metrics?.observeScorerBatch(batch.size);
      onScorerBatch?.(batch);
    },
    onAttempt: (report) => metrics?.observeScorerAttempt(report),
  });

  let sim: SimulatedUpstreamThread | undefined;
  const limiter = limiterFromConfig(config, logger, (event) => metrics?.observeLimit(event));
  let closeProfiles: (() => Promise<void>) | undefined;
  try {
    const needsSim = plans.some((p) => p.upstreamUrl === undefined);
    if (needsSim) {
      // On a thread of its own, as a remote model would be elsewhere: its per-call work (parsing, hashing and
      // counting every candidate's conversation) must not queue in front of the proxy's requests.
      sim = await startSimulatedUpstreamThread(SIMULATED_LATENCY, (reason) =>
        logger.error({ upstream: 'simulated' }, `${reason}; the simulated upstream no longer answers`),
      );
      const banner = [
        '*** SIMULATED UPSTREAM ***',
        `No --upstream-url / PREFSEL_UPSTREAM_URL given: answers come from prefsel's built-in simulator at ${sim.url},`,
        'not from a language model. Point prefsel at a real OpenAI-compatible server with --upstream-url.',
      ];
      process.stderr.write(`\n${banner.join('\n')}\n\n`);
      logger.warn({ upstream: sim.url, simulated: true }, banner.join(' '));
    }
    const selectorFor = (plan: RoutePlan): Selector => {
      const base = createOpenAICompatibleGenerator({
        baseUrl: plan.upstreamUrl ?? sim!.url,
        ...(plan.apiKey ? { apiKey: plan.apiKey } : {}),
        ...(plan.upstreamUrl === undefined ? { name: 'simulated' } : {}),
        forwardParams: config.forwardParams,
        continuousUsageStats: config.upstreamContinuousUsage,
      });
      const redacted = redactingGenerator(base, plan.apiKey ? [plan.apiKey] : []);
      return createSelector({
        generator: wrapGenerator ? wrapGenerator(redacted) : redacted,
        scorer: scorers.byName.get(plan.scorer)!,
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
    };
    const routed = config.models.length > 0;
    const inner = routed
      ? routedSelector(plans.map((p) => ({ id: p.id, upstreamModel: p.upstreamModel, selector: selectorFor(p) })))
      : selectorFor(plans[0]!);
    const selector = wrapSelector ? wrapSelector(inner) : inner;
    const tracker = createRequestTracker();
    const remoteEndpoints = () => scorers.remote.flatMap((r) => r.endpoints().map((e) => ({ ...e, scorer: r.name })));
    metrics = createMetrics({
      upstreamQueue: () => selector.upstreamQueue(),
      requestsInFlight: () => tracker.active,
      scorer: selector.scorer,
      scorerEndpoints: remoteEndpoints,
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
      limiter,
      profiles,
      playground: playgroundRoutes({ selector }),
      remoteScorers: () => scorers.remote.map((r) => ({ name: r.name, ready: r.ready() })),
      options: {
        apiKeys: config.apiKeys,
        bodyLimit: config.bodyLimit,
        maxRequests: config.maxRequests,
        keepAliveMs: config.keepAliveMs,
        streamIdleTimeoutMs: config.streamIdleTimeoutMs,
        modelsTimeoutMs: config.modelsTimeoutMs,
        // Declared models are the model map (each id to itself; the route swaps in the upstream's name).
        modelMap: routed ? Object.fromEntries(plans.map((p) => [p.id, p.id])) : config.modelMap,
        forwardParams: config.forwardParams,
      },
    });
    const upstreams = [...new Set(plans.map((p) => p.upstreamUrl ?? sim!.url))];
    return {
      app,
      selector,
      scorer: selector.scorer,
      scorers: scorers.byName,
      tracker,
      metrics,
      upstream: { url: upstreams.join(', '), simulated: sim !== undefined },
      async close() {
        await closeProfiles?.();
        await scorers.close();
        await limiter.close();
        await sim?.close();
      },
    };
  } catch (err) {
    await closeProfiles?.();
    await scorers.close();
    await limiter.close();
    await sim?.close();
    throw err;
  }
}

/** One model the proxy serves, resolved from the configuration. */
interface RoutePlan {
  id: string;
  /** Unset: the simulated upstream. */
  upstreamUrl?: string;
  apiKey?: string;
  upstreamModel: string;
  scorer: string;
}

/**
 * The served models: the file's `models:`, or one pass-through route from the flags.
 * @throws ConfigError for conflicting settings, an unset key variable, or a model without a scorer.
 */
function planRoutes(config: ServerConfig, env: NodeJS.ProcessEnv): RoutePlan[] {
  const scorerNames = Object.keys(scorerDecls(config));
  if (config.models.length === 0) {
    return [
      {
        id: '*',
        ...(config.upstreamUrl ? { upstreamUrl: config.upstreamUrl } : {}),
        ...(config.upstreamApiKey ? { apiKey: config.upstreamApiKey } : {}),
        upstreamModel: '*',
        scorer: scorerNames[0]!,
      },
    ];
  }
  const problems: string[] = [];
  if (config.upstreamUrl !== undefined || Object.keys(config.modelMap).length > 0 || config.upstreamApiKey) {
    problems.push('models: declares the upstreams; drop --upstream-url, --upstream-api-key and --model-map');
  }
  const plans = config.models.map((m): RoutePlan => {
    const keyVar = m['api-key-env'];
    const apiKey = keyVar === undefined ? undefined : env[keyVar];
    if (keyVar !== undefined && !apiKey) problems.push(`model ${m.id}: api-key-env ${keyVar} is not set`);
    let scorer = m.scorer;
    if (scorer === undefined) {
      if (scorerNames.length === 1) scorer = scorerNames[0]!;
      else problems.push(`model ${m.id}: name its scorer (one of ${scorerNames.join(', ')})`);
    }
    return {
      id: m.id,
      upstreamUrl: m['upstream-url'],
      ...(apiKey ? { apiKey } : {}),
      upstreamModel: m['upstream-model'] ?? m.id,
      scorer: scorer ?? '',
    };
  });
  const ids = plans.map((p) => p.id);
  for (const id of new Set(ids))
    if (ids.indexOf(id) !== ids.lastIndexOf(id)) problems.push(`model ${id} is declared twice`);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return plans;
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
