/**
 * @module remote/types
 * What every remote scorer shares: the options that describe its endpoints and the extra facts it reports.
 */
import type { Scorer } from '../../core/ports.js';
import type { AttemptReport, EndpointPoolOptions, EndpointState, PoolLogger } from './endpoint-pool.js';

/** The protocols prefsel scores over. */
export type RemoteTransport = 'kserve-v2' | 'vllm' | 'tei';

/** Options every remote scorer takes. */
export interface RemoteScorerOptions {
  /** The scorer's name in errors, logs and metrics (never its addresses). */
  readonly name: string;
  /** Base URLs of equivalent servers, e.g. `http://triton-0:8000`; calls are spread and failed over across them. */
  readonly endpoints: readonly string[];
  /** Extra request headers, e.g. `Authorization` or a Triton restricted-API key. Never logged. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Longest one attempt may take. @default 30000 */
  readonly timeoutMs?: number;
  /** Period of the health probes. @default 5000 */
  readonly healthIntervalMs?: number;
  /** Longest one health probe may take. @default 2000 */
  readonly probeTimeoutMs?: number;
  /** How long start-up waits for a first ready endpoint. @default 60000 */
  readonly startupTimeoutMs?: number;
  /** Called after every attempt, for per-endpoint metrics. */
  readonly onAttempt?: (report: AttemptReport) => void;
  readonly logger?: PoolLogger;
}

/** A {@link Scorer} whose model runs on other servers. */
export interface RemoteScorer extends Scorer {
  readonly name: string;
  readonly transport: RemoteTransport;
  /** Alias → attribute name (from `prefsel.json` when a model directory is given). */
  readonly aliases: Readonly<Record<string, string>>;
  /** Each endpoint's health and load. */
  endpoints(): EndpointState[];
  /** True while at least one endpoint is healthy. */
  ready(): boolean;
  /** Stops the health probes. */
  close(): Promise<void>;
}

/** Joins a base URL and a path without doubling or losing the slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The pool settings among a remote scorer's options, without the unset ones. */
export function poolSettings(
  options: RemoteScorerOptions,
): Pick<
  EndpointPoolOptions,
  'timeoutMs' | 'healthIntervalMs' | 'probeTimeoutMs' | 'startupTimeoutMs' | 'onAttempt' | 'logger'
> {
  const out: ReturnType<typeof poolSettings> = {};
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  if (options.healthIntervalMs !== undefined) out.healthIntervalMs = options.healthIntervalMs;
  if (options.probeTimeoutMs !== undefined) out.probeTimeoutMs = options.probeTimeoutMs;
  if (options.startupTimeoutMs !== undefined) out.startupTimeoutMs = options.startupTimeoutMs;
  if (options.onAttempt) out.onAttempt = options.onAttempt;
  if (options.logger) out.logger = options.logger;
  return out;
}
