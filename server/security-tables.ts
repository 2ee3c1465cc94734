/**
 * @module security-tables
 * The root README's "Security and limits" lists and table, generated from the declarations that enforce them: the
 * upstream allow-list (`core/upstream-params.ts`), the request schema's bounds, the JSON depth limit, the engine's
 * operational defaults and the server settings. A README that restated the numbers would drift from the code;
 * `security-tables.test.ts` keeps the README's copy equal to what this module prints, and fails when a new setting
 * is neither a limit here nor named in {@link NOT_LIMITS}.
 */
import { CHAT_COMPLETION_PARAMS, EXTENSION_PARAMS, RESERVED_PARAMS } from '../core/upstream-params.js';
import { OPERATIONAL_DEFAULTS } from '../middleware/create-selector.js';
import { MAX_JSON_DEPTH } from '../middleware/http/json-depth.js';
import { FIELD_LIMITS } from '../middleware/http/request-schema.js';
import { K_RANGE, SELECTION_BOUNDS } from '../middleware/selection-options.js';
import { CONFIG_FIELDS, FIELD_ENTRIES, type ConfigKey } from './config-fields.js';
import { defaultText } from './config.js';

/** One row: what is bounded, its default, what sets it, what a client gets past it. */
interface LimitRow {
  what: string;
  /** The setting that holds it; its default and flag come from the declaration. */
  setting?: ConfigKey;
  /** For a limit no setting changes: the value, from the engine's constant. */
  fixed?: string;
  answer: string;
}

const code = (name: string) => `\`${name}\``;
const radius = SELECTION_BOUNDS.radius_deg;
const retry = OPERATIONAL_DEFAULTS.retry;

/** Every input limit and every wait, in the order a request meets them. */
export const LIMIT_ROWS: readonly LimitRow[] = [
  { what: 'Request body', setting: 'bodyLimit', answer: '413, connection closed' },
  { what: 'JSON nesting depth (outside strings)', fixed: String(MAX_JSON_DEPTH), answer: '400 `nesting_too_deep`' },
  { what: '`model` length', fixed: `${FIELD_LIMITS.modelChars} chars`, answer: '400 naming `model`' },
  { what: '`user` length', fixed: `${FIELD_LIMITS.userChars} chars`, answer: '400 naming `user`' },
  { what: '`stop` sequences', fixed: String(FIELD_LIMITS.stops), answer: '400 naming `stop`' },
  { what: '`tools`', fixed: String(FIELD_LIMITS.tools), answer: '400 naming `tools`' },
  { what: '`logit_bias` entries', fixed: String(FIELD_LIMITS.logitBias), answer: '400 naming `logit_bias`' },
  {
    what: "Conversation, in the reward model's tokens (characters checked first)",
    setting: 'maxInputTokens',
    answer: '400 `context_length_exceeded` naming `messages`',
  },
  { what: 'Default candidates `selection.k`', setting: 'k', answer: '–' },
  {
    what: `Largest \`selection.k\` (never above ${K_RANGE.max})`,
    setting: 'maxK',
    answer: '400 naming `selection.k`',
  },
  {
    what: '`selection.radius_deg`',
    fixed: `${radius.minExclusive ? '(' : '['}${radius.min}, ${radius.max}]`,
    answer: '400 naming `selection.radius_deg`',
  },
  {
    what: 'Numbers in `X-Selection-*` / `X-Preference` headers',
    fixed: 'plain decimals only',
    answer: '400 naming the field',
  },
  { what: 'Chat and Responses requests at once', setting: 'maxRequests', answer: '429 + `Retry-After`' },
  { what: 'Upstream calls in flight', setting: 'maxConcurrency', answer: 'further calls wait' },
  { what: 'Upstream calls waiting', setting: 'maxQueue', answer: '429 + `Retry-After`' },
  {
    what: 'Retries of an upstream 429/5xx',
    fixed: `${retry.maxRetries} (backoff ${retry.baseDelayMs}…${retry.maxDelayMs} ms, or the upstream's \`Retry-After\`)`,
    answer: "the upstream's error",
  },
  { what: 'One upstream call (ms)', setting: 'candidateTimeoutMs', answer: 'candidate failed; all failed: 502' },
  {
    what: 'One selecting request, scoring included (ms)',
    setting: 'deadlineMs',
    answer: '504 `deadline_exceeded`, calls cancelled',
  },
  {
    what: 'Streams: 200 held back, then keep-alive period (ms)',
    setting: 'keepAliveMs',
    answer: 'real status before, error event after',
  },
  {
    what: 'Pass-through stream: wait for a chunk (ms)',
    setting: 'streamIdleTimeoutMs',
    answer: '504, or an error event without `[DONE]`',
  },
  { what: "`GET /v1/models`: the upstream's list (ms)", setting: 'modelsTimeoutMs', answer: '504 `upstream_timeout`' },
  {
    what: 'Pruning: a candidate stream that sends nothing (ms)',
    setting: 'streamStallMs',
    answer: 'candidate dropped as failed, the round goes on',
  },
  {
    what: "A user's profile lookup on the request path (ms)",
    setting: 'profileLookupTimeoutMs',
    answer: 'served under the default preference, logged',
  },
  {
    what: 'Scored candidates kept for a choice (ms)',
    setting: 'profileReportTtlMs',
    answer: 'feedback on it: 410 `response_expired`',
  },
  { what: 'Responses whose candidates are kept', setting: 'profileMaxReports', answer: 'the oldest go first' },
  { what: 'Drain on SIGTERM/SIGINT (ms)', setting: 'shutdownGraceMs', answer: 'connections cut, exit code 1' },
];

/** Settings that bound nothing a client sends or waits for (addresses, keys, model choice, defaults of the method). */
export const NOT_LIMITS: readonly ConfigKey[] = [
  'port',
  'host',
  'upstreamUrl',
  'upstreamApiKey',
  'modelMap',
  'forwardParams',
  'rewardModel',
  'device',
  'strategy',
  'radiusDeg',
  'seed',
  'preference',
  'prune',
  'upstreamContinuousUsage',
  'apiKeys',
  'dataDir',
  'databaseUrl',
  'logLevel',
];

/** The settings neither in {@link LIMIT_ROWS} nor in {@link NOT_LIMITS}: a new setting must be put in one. */
export function unclassifiedSettings(): ConfigKey[] {
  const seen = new Set<ConfigKey>([...NOT_LIMITS, ...LIMIT_ROWS.flatMap((r) => (r.setting ? [r.setting] : []))]);
  return FIELD_ENTRIES.map(([key]) => key).filter((key) => !seen.has(key));
}

/** What reaches the upstream, as markdown bullets. */
export function forwardingList(): string {
  return [
    `- Built into the upstream body: ${CHAT_COMPLETION_PARAMS.map(code).join(', ')}, plus the names the ` +
      'operator lists in `--forward-params`. `model` is the model-map target; `messages` carry the directive; a ' +
      'selecting strategy sets `n`, `stream` and `stream_options` itself (one choice per candidate call).',
    `- Never forwarded, whatever the configuration: ${RESERVED_PARAMS.map(code).join(', ')}, and prefsel's own ` +
      `${EXTENSION_PARAMS.map(code).join(', ')}.`,
  ].join('\n');
}

/** Every limit and timeout as a markdown table. */
export function limitsTable(): string {
  const rows = LIMIT_ROWS.map((row) => {
    const field = row.setting ? CONFIG_FIELDS[row.setting] : undefined;
    const value = field ? (defaultText(field) ?? '–') : (row.fixed ?? '–');
    const setBy = field ? `\`--${field.flag}\` / \`${field.env}\`` : 'fixed';
    return `| ${[row.what, value, setBy, row.answer].join(' | ')} |`;
  });
  return ['| limit | default | set by | past it |', '|---|---|---|---|', ...rows].join('\n');
}

/** The generated block of the README's "Security and limits" section. */
export function securityBlock(): string {
  return `${forwardingList()}\n\n${limitsTable()}`;
}
