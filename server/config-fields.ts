/**
 * @module config-fields
 * The table of every server setting: its flag, its environment variable, its default and one line of help. The
 * parser, the `--help` text and the effective-config printout are all derived from it, so they cannot drift.
 */

/** How a raw text value is read before validation. */
export type FieldKind = 'string' | 'integer' | 'number' | 'list' | 'boolean';

/** One setting. */
export interface ConfigField {
  /** Key in `ServerConfig`. */
  readonly key: string;
  /** Long flag without dashes. */
  readonly flag: string;
  readonly env: string;
  readonly kind: FieldKind;
  /** Shown in `--help`. */
  readonly help: string;
  /** Printed masked, never logged. */
  readonly secret?: boolean;
  /** Placeholder in `--help`. */
  readonly arg?: string;
}

/** Every setting, in `--help` order. */
export const CONFIG_FIELDS = [
  {
    key: 'port',
    flag: 'port',
    env: 'PREFSEL_PORT',
    kind: 'integer',
    arg: 'N',
    help: 'TCP port to listen on (0 = any free port). Default 8080.',
  },
  {
    key: 'host',
    flag: 'host',
    env: 'PREFSEL_HOST',
    kind: 'string',
    arg: 'ADDR',
    help: 'Interface to bind. Default 127.0.0.1; use 0.0.0.0 to accept remote clients.',
  },
  {
    key: 'upstreamUrl',
    flag: 'upstream-url',
    env: 'PREFSEL_UPSTREAM_URL',
    kind: 'string',
    arg: 'URL',
    help: 'Base URL of the OpenAI-compatible upstream (e.g. http://localhost:8000/v1). Unset: a built-in SIMULATED upstream.',
  },
  {
    key: 'upstreamApiKey',
    flag: 'upstream-api-key',
    env: 'PREFSEL_UPSTREAM_API_KEY',
    kind: 'string',
    arg: 'KEY',
    secret: true,
    help: 'Bearer key sent to the upstream. Never logged or echoed.',
  },
  {
    key: 'modelMap',
    flag: 'model-map',
    env: 'PREFSEL_MODEL_MAP',
    kind: 'list',
    arg: 'A=B',
    help: 'Client model A is served by upstream model B (repeatable; env: comma-separated). When set, other models are 404.',
  },
  {
    key: 'forwardParams',
    flag: 'forward-params',
    env: 'PREFSEL_FORWARD_PARAMS',
    kind: 'list',
    arg: 'NAMES',
    help: 'Extra top-level body fields clients may send and the upstream receives, e.g. top_k,repetition_penalty,chat_template_kwargs (vLLM extra_body). Default none: unknown fields are a 400.',
  },
  {
    key: 'rewardModel',
    flag: 'reward-model',
    env: 'PREFSEL_REWARD_MODEL',
    kind: 'string',
    arg: 'DIR',
    help: 'Reward-model directory (ONNX export). Unset: the built-in reference reward model.',
  },
  {
    key: 'device',
    flag: 'device',
    env: 'PREFSEL_DEVICE',
    kind: 'string',
    arg: 'D',
    help: 'Where the reward model runs: auto, cpu or cuda. Default auto.',
  },
  {
    key: 'strategy',
    flag: 'strategy',
    env: 'PREFSEL_STRATEGY',
    kind: 'string',
    arg: 'S',
    help: 'Default strategy: rps, best_of_n or none. Default rps.',
  },
  {
    key: 'k',
    flag: 'k',
    env: 'PREFSEL_K',
    kind: 'integer',
    arg: 'N',
    help: 'Default number of candidates. Default 5.',
  },
  {
    key: 'radiusDeg',
    flag: 'radius-deg',
    env: 'PREFSEL_RADIUS_DEG',
    kind: 'number',
    arg: 'DEG',
    help: 'Default neighbourhood radius in degrees. Default 30.',
  },
  {
    key: 'seed',
    flag: 'seed',
    env: 'PREFSEL_SEED',
    kind: 'integer',
    arg: 'N',
    help: 'Default neighbourhood seed. Default 42.',
  },
  {
    key: 'preference',
    flag: 'preference',
    env: 'PREFSEL_PREFERENCE',
    kind: 'string',
    arg: 'P',
    help: 'Default preference, as in X-Preference: "helpfulness=0.8,verbosity=0.6" or "angle=30".',
  },
  {
    key: 'maxK',
    flag: 'max-k',
    env: 'PREFSEL_MAX_K',
    kind: 'integer',
    arg: 'N',
    help: 'Largest k a request may ask for. Default 16.',
  },
  {
    key: 'apiKeys',
    flag: 'api-key',
    env: 'PREFSEL_API_KEYS',
    kind: 'list',
    arg: 'KEY',
    secret: true,
    help: 'Client key accepted as "Authorization: Bearer KEY" (repeatable; env: comma-separated). Unset: no auth.',
  },
  {
    key: 'bodyLimit',
    flag: 'body-limit',
    env: 'PREFSEL_BODY_LIMIT',
    kind: 'string',
    arg: 'SIZE',
    help: 'Largest request body, bytes or with kb/mb. Default 4mb.',
  },
  {
    key: 'maxConcurrency',
    flag: 'max-concurrency',
    env: 'PREFSEL_MAX_CONCURRENCY',
    kind: 'integer',
    arg: 'N',
    help: 'Upstream calls in flight at once. Default 64.',
  },
  {
    key: 'maxQueue',
    flag: 'max-queue',
    env: 'PREFSEL_MAX_QUEUE',
    kind: 'integer',
    arg: 'N',
    help: 'Upstream calls allowed to wait; beyond it requests get 429. Default 1024.',
  },
  {
    key: 'maxRequests',
    flag: 'max-requests',
    env: 'PREFSEL_MAX_REQUESTS',
    kind: 'integer',
    arg: 'N',
    help: 'Chat requests handled at once; beyond it requests get 429 with Retry-After. Default 256.',
  },
  {
    key: 'maxInputTokens',
    flag: 'max-input-tokens',
    env: 'PREFSEL_MAX_INPUT_TOKENS',
    kind: 'integer',
    arg: 'N',
    help: "Longest conversation accepted for scoring, in the reward model's tokens (and 8 characters per token before any tokenizer runs); longer is a 400 context_length_exceeded before any upstream call. Default 131072.",
  },
  {
    key: 'deadlineMs',
    flag: 'deadline-ms',
    env: 'PREFSEL_DEADLINE_MS',
    kind: 'integer',
    arg: 'MS',
    help: 'Deadline of one request (generation + scoring); then 504. Default 300000.',
  },
  {
    key: 'candidateTimeoutMs',
    flag: 'candidate-timeout-ms',
    env: 'PREFSEL_CANDIDATE_TIMEOUT_MS',
    kind: 'integer',
    arg: 'MS',
    help: 'Timeout of one upstream call. Default 120000.',
  },
  {
    key: 'keepAliveMs',
    flag: 'keep-alive-ms',
    env: 'PREFSEL_KEEP_ALIVE_MS',
    kind: 'integer',
    arg: 'MS',
    help: 'Streams hold their 200 this long for a real error status, then send keep-alive comments at this period. Default 1500.',
  },
  {
    key: 'shutdownGraceMs',
    flag: 'shutdown-grace-ms',
    env: 'PREFSEL_SHUTDOWN_GRACE_MS',
    kind: 'integer',
    arg: 'MS',
    help: 'On SIGTERM/SIGINT, how long in-flight requests may finish. Default 30000.',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'PREFSEL_LOG_LEVEL',
    kind: 'string',
    arg: 'L',
    help: 'fatal, error, warn, info, debug, trace or silent. Default info.',
  },
] as const satisfies readonly ConfigField[];

/** Keys of {@link CONFIG_FIELDS}. */
export type ConfigKey = (typeof CONFIG_FIELDS)[number]['key'];
