/**
 * @module config-fields
 * Every server setting, declared once: its flag, its environment variable, how its text is read, its rule (a zod
 * schema; the engine's own where the engine has the rule), its default (the engine's constant where the engine has
 * one) and one line of help. The configuration schema, the flag parser, `--help` (with "Default X." generated from
 * the default) and the effective-config printout are all derived from this table. Adding a setting is one entry.
 */
import { z } from 'zod';
import type { Bound } from '../core/bounds.js';
import { OPERATIONAL_BOUNDS, OPERATIONAL_DEFAULTS } from '../middleware/create-selector.js';
import { INPUT_CHARS_PER_TOKEN } from '../middleware/input-budget.js';
import { MIDDLEWARE_BOUNDS, MIDDLEWARE_DEFAULTS } from '../middleware/hono.js';
import { PROFILE_BOUNDS, PROFILE_DEFAULTS } from '../middleware/profiles/feedback-schema.js';
import { PRUNE_FORECAST_DEFAULTS } from '../middleware/prune-forecast.js';
import { PRUNE_FAST } from '../middleware/prune-options.js';
import { BASE_DEFAULTS, K_RANGE, selectionFields } from '../middleware/selection-options.js';
import { numberRule, oneOfRule } from '../middleware/validation.js';
import { DEFAULT_DEVICE, DEVICES } from '../scorers/index.js';
import { SCALE_FIELDS } from './config-fields-scale.js';
import { byteSize, forwardParams, modelMap, onOff, preference, prune } from './config-values.js';
import { MODELS_BOUNDS, MODELS_DEFAULTS } from './routes/models.js';

/** How a raw text value (flag or variable) is read before validation; a config file gives typed values directly. */
export type FieldKind = 'string' | 'number' | 'list';

/** One setting. */
export interface ConfigField {
  /** Long flag without dashes. */
  readonly flag: string;
  /** Environment variable. */
  readonly env: string;
  readonly kind: FieldKind;
  /** Placeholder in `--help`. */
  readonly arg: string;
  /** Shown in `--help` and in error messages; "Default X." is appended from `default`. */
  readonly help: string;
  /** The rule, on a typed value. */
  readonly schema: z.ZodType;
  /** Used when the setting is not given; unset means "not set" (the help says what that means). */
  readonly default?: unknown;
  /** How `--help` shows the default, when printing the value is not clear (4194304 → 4mb). */
  readonly defaultText?: string;
  /** Printed masked, never logged. */
  readonly secret?: boolean;
}

/** pino levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const integer = (bound: Omit<Bound, 'integer'>) => numberRule({ ...bound, integer: true });
const engine = selectionFields();

/** Every setting, in `--help` order; the key is the `ServerConfig` field. */
export const CONFIG_FIELDS = {
  port: {
    flag: 'port',
    env: 'PREFSEL_PORT',
    kind: 'number',
    arg: 'N',
    help: 'TCP port to listen on (0 = any free port).',
    schema: integer({ min: 0, max: 65535 }),
    default: 8080,
  },
  host: {
    flag: 'host',
    env: 'PREFSEL_HOST',
    kind: 'string',
    arg: 'ADDR',
    help: 'Interface to bind; use 0.0.0.0 to accept remote clients.',
    schema: z.string().min(1),
    default: '127.0.0.1',
  },
  upstreamUrl: {
    flag: 'upstream-url',
    env: 'PREFSEL_UPSTREAM_URL',
    kind: 'string',
    arg: 'URL',
    help: 'Base URL of the OpenAI-compatible upstream (e.g. http://localhost:8000/v1). Unset: a built-in SIMULATED upstream.',
    schema: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://localhost:8000/v1' }),
  },
  upstreamApiKey: {
    flag: 'upstream-api-key',
    env: 'PREFSEL_UPSTREAM_API_KEY',
    kind: 'string',
    arg: 'KEY',
    secret: true,
    help: 'Bearer key sent to the upstream. Never logged or echoed.',
    schema: z.string().min(1),
  },
  modelMap: {
    flag: 'model-map',
    env: 'PREFSEL_MODEL_MAP',
    kind: 'list',
    arg: 'A=B',
    help: 'Client model A is served by upstream model B (repeatable; env: comma-separated). When set, other models are 404.',
    schema: modelMap,
    default: {},
    defaultText: 'none (any model passes through)',
  },
  forwardParams: {
    flag: 'forward-params',
    env: 'PREFSEL_FORWARD_PARAMS',
    kind: 'list',
    arg: 'NAMES',
    help: 'Extra top-level body fields clients may send and the upstream receives, e.g. top_k,repetition_penalty,chat_template_kwargs (vLLM extra_body).',
    schema: forwardParams,
    default: [],
    defaultText: 'none: unknown fields are a 400',
  },
  rewardModel: {
    flag: 'reward-model',
    env: 'PREFSEL_REWARD_MODEL',
    kind: 'string',
    arg: 'DIR',
    help: 'Reward-model directory (ONNX export). Unset: the built-in reference reward model.',
    schema: z.string().min(1),
  },
  device: {
    flag: 'device',
    env: 'PREFSEL_DEVICE',
    kind: 'string',
    arg: 'D',
    help: `Where the reward model runs: ${DEVICES.join(', ')}.`,
    schema: oneOfRule(DEVICES),
    default: DEFAULT_DEVICE,
  },
  strategy: {
    flag: 'strategy',
    env: 'PREFSEL_STRATEGY',
    kind: 'string',
    arg: 'S',
    help: 'Default strategy: rps, best_of_n or none.',
    schema: engine.strategy,
    default: BASE_DEFAULTS.strategy,
  },
  k: {
    flag: 'k',
    env: 'PREFSEL_K',
    kind: 'number',
    arg: 'N',
    help: 'Default number of candidates, at most --max-k.',
    // The range is the engine's k rule for the configured max-k, applied across settings in `configSchema`.
    schema: integer({ min: K_RANGE.min }),
    default: BASE_DEFAULTS.k,
  },
  radiusDeg: {
    flag: 'radius-deg',
    env: 'PREFSEL_RADIUS_DEG',
    kind: 'number',
    arg: 'DEG',
    help: 'Default neighbourhood radius in degrees, in (0, 90].',
    schema: engine.radius_deg,
    default: BASE_DEFAULTS.radius_deg,
  },
  seed: {
    flag: 'seed',
    env: 'PREFSEL_SEED',
    kind: 'number',
    arg: 'N',
    help: 'Default neighbourhood seed.',
    schema: engine.seed,
    default: BASE_DEFAULTS.seed,
  },
  preference: {
    flag: 'preference',
    env: 'PREFSEL_PREFERENCE',
    kind: 'string',
    arg: 'P',
    help: 'Default preference, as in X-Preference: "helpfulness=0.8,verbosity=0.6" or "angle=30". Unset: angle=0.',
    schema: preference,
  },
  prune: {
    flag: 'prune',
    env: 'PREFSEL_PRUNE',
    kind: 'string',
    arg: 'P',
    help: `Default progressive pruning (streamed candidates, losers cut at 192/320 tokens): on, off, or JSON such as ${JSON.stringify(PRUNE_FAST)} (the fast settings: cheaper, early streaming, partial answers ranked by forecasts learned from the first ${PRUNE_FORECAST_DEFAULTS.minRuns} requests per model, which run uncut). Requests override it with selection.prune.`,
    schema: prune,
    default: BASE_DEFAULTS.prune,
    defaultText: 'off',
  },
  streamStallMs: {
    flag: 'stream-stall-ms',
    env: 'PREFSEL_STREAM_STALL_MS',
    kind: 'number',
    arg: 'MS',
    help: 'With pruning: a candidate stream that sends nothing for this long, once started, is dropped.',
    schema: numberRule(OPERATIONAL_BOUNDS.streamStallMs),
    default: OPERATIONAL_DEFAULTS.streamStallMs,
  },
  upstreamContinuousUsage: {
    flag: 'upstream-continuous-usage',
    env: 'PREFSEL_UPSTREAM_CONTINUOUS_USAGE',
    kind: 'string',
    arg: 'on/off',
    help: "Ask streamed candidates for vLLM's continuous_usage_stats, so cut streams are billed by the upstream's own count (vLLM only; OpenAI rejects it).",
    schema: onOff,
    default: false,
    defaultText: 'off',
  },
  maxK: {
    flag: 'max-k',
    env: 'PREFSEL_MAX_K',
    kind: 'number',
    arg: 'N',
    help: `Largest k a request may ask for (at most ${OPERATIONAL_BOUNDS.maxK.max}).`,
    schema: numberRule(OPERATIONAL_BOUNDS.maxK),
    default: OPERATIONAL_DEFAULTS.maxK,
  },
  apiKeys: {
    flag: 'api-key',
    env: 'PREFSEL_API_KEYS',
    kind: 'list',
    arg: 'KEY',
    secret: true,
    help: 'Client key accepted as "Authorization: Bearer KEY" (repeatable; env: comma-separated).',
    schema: z.array(z.string().min(1)),
    default: [],
    defaultText: 'none (no auth)',
  },
  bodyLimit: {
    flag: 'body-limit',
    env: 'PREFSEL_BODY_LIMIT',
    kind: 'string',
    arg: 'SIZE',
    help: 'Largest request body, bytes or with kb/mb.',
    schema: byteSize,
    default: 4 * 1024 ** 2,
    defaultText: '4mb',
  },
  maxConcurrency: {
    flag: 'max-concurrency',
    env: 'PREFSEL_MAX_CONCURRENCY',
    kind: 'number',
    arg: 'N',
    help: 'Upstream calls in flight at once.',
    schema: numberRule(OPERATIONAL_BOUNDS.maxConcurrentUpstream),
    default: OPERATIONAL_DEFAULTS.maxConcurrentUpstream,
  },
  maxQueue: {
    flag: 'max-queue',
    env: 'PREFSEL_MAX_QUEUE',
    kind: 'number',
    arg: 'N',
    help: 'Upstream calls allowed to wait; beyond it requests get 429.',
    schema: numberRule(OPERATIONAL_BOUNDS.maxQueuedUpstream),
    default: OPERATIONAL_DEFAULTS.maxQueuedUpstream,
  },
  maxRequests: {
    flag: 'max-requests',
    env: 'PREFSEL_MAX_REQUESTS',
    kind: 'number',
    arg: 'N',
    help: 'Chat requests handled at once; beyond it requests get 429 with Retry-After.',
    schema: integer({ min: 1 }),
    default: 256,
  },
  maxInputTokens: {
    flag: 'max-input-tokens',
    env: 'PREFSEL_MAX_INPUT_TOKENS',
    kind: 'number',
    arg: 'N',
    help: `Longest conversation accepted for scoring, in the reward model's tokens (${INPUT_CHARS_PER_TOKEN} characters per token are checked first, before any tokenizer runs); longer is a 400 context_length_exceeded before any upstream call.`,
    schema: numberRule(OPERATIONAL_BOUNDS.maxInputTokens),
    default: OPERATIONAL_DEFAULTS.maxInputTokens,
  },
  deadlineMs: {
    flag: 'deadline-ms',
    env: 'PREFSEL_DEADLINE_MS',
    kind: 'number',
    arg: 'MS',
    help: 'Deadline of one request (generation + scoring); then 504.',
    schema: numberRule(OPERATIONAL_BOUNDS.deadlineMs),
    default: OPERATIONAL_DEFAULTS.deadlineMs,
  },
  candidateTimeoutMs: {
    flag: 'candidate-timeout-ms',
    env: 'PREFSEL_CANDIDATE_TIMEOUT_MS',
    kind: 'number',
    arg: 'MS',
    help: 'Timeout of one upstream call.',
    schema: numberRule(OPERATIONAL_BOUNDS.candidateTimeoutMs),
    default: OPERATIONAL_DEFAULTS.candidateTimeoutMs,
  },
  keepAliveMs: {
    flag: 'keep-alive-ms',
    env: 'PREFSEL_KEEP_ALIVE_MS',
    kind: 'number',
    arg: 'MS',
    help: 'Streams hold their 200 this long for a real error status, then send keep-alive comments at this period.',
    schema: numberRule(MIDDLEWARE_BOUNDS.keepAliveMs),
    default: MIDDLEWARE_DEFAULTS.keepAliveMs,
  },
  streamIdleTimeoutMs: {
    flag: 'stream-idle-timeout-ms',
    env: 'PREFSEL_STREAM_IDLE_TIMEOUT_MS',
    kind: 'number',
    arg: 'MS',
    help: 'Pass-through streams: longest wait for the first chunk and between chunks; then the stream ends with an error.',
    schema: numberRule(MIDDLEWARE_BOUNDS.streamIdleTimeoutMs),
    default: MIDDLEWARE_DEFAULTS.streamIdleTimeoutMs,
  },
  modelsTimeoutMs: {
    flag: 'models-timeout-ms',
    env: 'PREFSEL_MODELS_TIMEOUT_MS',
    kind: 'number',
    arg: 'MS',
    help: "GET /v1/models: longest wait for the upstream's list; then 504.",
    schema: numberRule(MODELS_BOUNDS.timeoutMs),
    default: MODELS_DEFAULTS.timeoutMs,
  },
  dataDir: {
    flag: 'data-dir',
    env: 'PREFSEL_DATA_DIR',
    kind: 'string',
    arg: 'DIR',
    help: 'Directory of the embedded profile database (PGlite): per-user preference profiles survive restarts. Opened on first use; one process per directory.',
    schema: z.string().min(1),
    default: '.prefsel/data',
  },
  databaseUrl: {
    flag: 'database-url',
    env: 'PREFSEL_DATABASE_URL',
    kind: 'string',
    arg: 'URL',
    secret: true,
    help: 'PostgreSQL for profiles instead of the embedded database (postgres://user:pass@host/db), shared by several replicas.',
    schema: z.url({ protocol: /^postgres(ql)?$/, error: 'expected a URL such as postgres://user:pass@host:5432/db' }),
  },
  profileReportTtlMs: {
    flag: 'profile-report-ttl-ms',
    env: 'PREFSEL_PROFILE_REPORT_TTL_MS',
    kind: 'number',
    arg: 'MS',
    help: "How long a response's scored candidates are kept for a choice (POST /v1/preferences/{user}/feedback).",
    schema: numberRule(PROFILE_BOUNDS.reportTtlMs),
    default: PROFILE_DEFAULTS.reportTtlMs,
  },
  profileMaxReports: {
    flag: 'profile-max-reports',
    env: 'PREFSEL_PROFILE_MAX_REPORTS',
    kind: 'number',
    arg: 'N',
    help: 'Most responses whose candidates are kept for choices; the oldest go first.',
    schema: numberRule(PROFILE_BOUNDS.maxReports),
    default: PROFILE_DEFAULTS.maxReports,
  },
  profileLookupTimeoutMs: {
    flag: 'profile-lookup-timeout-ms',
    env: 'PREFSEL_PROFILE_LOOKUP_TIMEOUT_MS',
    kind: 'number',
    arg: 'MS',
    help: "Longest wait for a user's profile on the request path; then the default preference is used (and logged).",
    schema: numberRule(PROFILE_BOUNDS.lookupTimeoutMs),
    default: PROFILE_DEFAULTS.lookupTimeoutMs,
  },
  shutdownGraceMs: {
    flag: 'shutdown-grace-ms',
    env: 'PREFSEL_SHUTDOWN_GRACE_MS',
    kind: 'number',
    arg: 'MS',
    help: 'On SIGTERM/SIGINT, how long in-flight requests may finish.',
    schema: integer({ min: 0 }),
    default: 30_000,
  },
  ...SCALE_FIELDS,
  logLevel: {
    flag: 'log-level',
    env: 'PREFSEL_LOG_LEVEL',
    kind: 'string',
    arg: 'L',
    help: `${LOG_LEVELS.join(', ')}.`,
    schema: oneOfRule(LOG_LEVELS),
    default: 'info',
  },
} as const satisfies Record<string, ConfigField>;

/** Keys of {@link CONFIG_FIELDS}. */
export type ConfigKey = keyof typeof CONFIG_FIELDS;

/** The fields as `[key, field]` pairs, in `--help` order. */
export const FIELD_ENTRIES = Object.entries(CONFIG_FIELDS) as Array<[ConfigKey, ConfigField]>;
