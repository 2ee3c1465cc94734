/**
 * @module compose-scorers
 * Part of the composition root (with `compose.ts`): builds the named scorers a configuration declares, local (ONNX
 * Runtime in this process) or remote (KServe v2 / Triton, vLLM, TEI, with several endpoints each). Without a
 * `scorers:` section there is one local scorer, `default`, from `--reward-model` and `--device`.
 */
import type { Logger } from 'pino';
import type { Scorer } from '../core/ports.js';
import {
  createKServeScorer,
  createOnnxScorer,
  createTeiScorer,
  createVllmScorer,
  ensureReferenceModel,
  readModelAttributes,
  type AttemptReport,
  type BatchInfo,
  type Device,
  type OnnxScorer,
  type RemoteScorer,
  type RemoteScorerOptions,
} from '../scorers/index.js';
import type { ScorerDecl } from './config-file.js';
import { ConfigError, type ServerConfig } from './config.js';

/** The name of the scorer built from the flags when the configuration declares none. */
export const DEFAULT_SCORER = 'default';

/** The built scorers. */
export interface ScorerSet {
  /** By configured name, in declaration order. */
  readonly byName: ReadonlyMap<string, Scorer>;
  /** The remote ones, for readiness and per-endpoint metrics. */
  readonly remote: readonly RemoteScorer[];
  /** Releases every scorer. */
  close(): Promise<void>;
}

/** Hooks the metrics need. */
export interface ScorerHooks {
  logger: Logger;
  /** After every local batch. */
  onBatch?: (scorer: string, batch: BatchInfo) => void;
  /** After every remote attempt. */
  onAttempt?: (report: AttemptReport) => void;
  /**
   * Called with each scorer's attribute names as soon as they are known (for local models: from their small JSON
   * files, before the slow load), so settings that name attributes fail fast.
   */
  checkAttributes?: (scorer: string, attributes: readonly string[]) => void;
}

/** The declarations, with the flags' single local scorer standing in for a missing `scorers:` section. */
export function scorerDecls(config: ServerConfig): Record<string, ScorerDecl> {
  if (Object.keys(config.scorers).length > 0) {
    if (config.rewardModel !== undefined) {
      throw new ConfigError(
        'Invalid configuration:\n  --reward-model and a scorers: section both name reward models; keep one (a local scorer is `type: local` with `model-dir`).',
      );
    }
    return config.scorers;
  }
  return {
    [DEFAULT_SCORER]: {
      type: 'local',
      ...(config.rewardModel ? { 'model-dir': config.rewardModel } : {}),
      device: config.device,
    },
  };
}

/**
 * Builds every declared scorer; on any failure the ones already built are released.
 * @throws ModelLoadError, RemoteScorerError (no endpoint ready) or ConfigError (from `checkAttributes`).
 */
export async function buildScorers(decls: Record<string, ScorerDecl>, hooks: ScorerHooks): Promise<ScorerSet> {
  const { logger } = hooks;
  const log = (name: string) => ({
    info: (msg: string) => logger.info({ scorer: name }, msg),
    warn: (msg: string) => logger.warn({ scorer: name }, msg),
  });
  const built = new Map<string, Scorer>();
  const remote: RemoteScorer[] = [];
  const close = async () => {
    await Promise.allSettled([...built.values()].map((s) => s.close?.()));
  };
  try {
    // Local attribute checks first: milliseconds each, before any model loads or endpoint is probed.
    const localDirs = new Map<string, string>();
    for (const [name, decl] of Object.entries(decls)) {
      if (decl.type !== 'local') continue;
      const dir = decl['model-dir'] ?? (await ensureReferenceModel());
      localDirs.set(name, dir);
      hooks.checkAttributes?.(name, await readModelAttributes(dir));
    }
    for (const [name, decl] of Object.entries(decls)) {
      if (decl.type === 'local') {
        const scorer = await createOnnxScorer({
          modelDir: localDirs.get(name)!,
          ...(decl.device ? { device: decl.device } : {}),
          logger: log(name),
          batching: { onBatch: (batch) => hooks.onBatch?.(name, batch) },
        });
        built.set(name, scorer);
        continue;
      }
      const common: RemoteScorerOptions = {
        name,
        endpoints: decl.endpoints,
        ...(decl.headers ? { headers: decl.headers } : {}),
        ...(decl['timeout-ms'] ? { timeoutMs: decl['timeout-ms'] } : {}),
        ...(decl['health-interval-ms'] ? { healthIntervalMs: decl['health-interval-ms'] } : {}),
        ...(decl['startup-timeout-ms'] !== undefined ? { startupTimeoutMs: decl['startup-timeout-ms'] } : {}),
        ...(hooks.onAttempt ? { onAttempt: hooks.onAttempt } : {}),
        logger: log(name),
      };
      const scorer = await createRemote(decl, common);
      built.set(name, scorer);
      remote.push(scorer);
      hooks.checkAttributes?.(name, scorer.attributes);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { byName: built, remote, close };
}

function createRemote(
  decl: Exclude<ScorerDecl, { type: 'local' }>,
  common: RemoteScorerOptions,
): Promise<RemoteScorer> {
  switch (decl.type) {
    case 'kserve':
      return createKServeScorer({
        ...common,
        model: decl.model,
        modelDir: decl['model-dir'],
        ...(decl.version ? { version: decl.version } : {}),
        ...(decl.input ? { input: decl.input } : {}),
        ...(decl.binary !== undefined ? { binary: decl.binary } : {}),
        ...(decl.output ? { output: decl.output } : {}),
        ...(decl.buckets ? { buckets: decl.buckets } : {}),
        ...(decl['max-batch-size'] ? { maxBatchSize: decl['max-batch-size'] } : {}),
        ...(decl['max-length'] ? { maxLength: decl['max-length'] } : {}),
      });
    case 'vllm':
      return createVllmScorer({
        ...common,
        model: decl.model,
        ...(decl['model-dir'] ? { modelDir: decl['model-dir'] } : {}),
        ...(decl.labels ? { labels: decl.labels } : {}),
        ...(decl['max-length'] ? { maxLength: decl['max-length'] } : {}),
      });
    case 'tei':
      return createTeiScorer({
        ...common,
        ...(decl['model-dir'] ? { modelDir: decl['model-dir'] } : {}),
        ...(decl['max-batch-size'] ? { maxBatchSize: decl['max-batch-size'] } : {}),
      });
  }
}

/** The embedded scorer alone, as `prefsel serve-scorer` hosts it (the built-in reference model without a directory). */
export async function buildServableScorer(options: {
  modelDir: string | undefined;
  device: Device;
  logger: Logger;
}): Promise<OnnxScorer> {
  return createOnnxScorer({
    modelDir: options.modelDir ?? (await ensureReferenceModel()),
    device: options.device,
    logger: { info: (msg) => options.logger.info(msg), warn: (msg) => options.logger.warn(msg) },
  });
}
