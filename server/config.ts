/**
 * @module config
 * Server configuration from command-line flags and `PREFSEL_*` environment variables (flags win), validated with
 * zod. A bad setting stops start-up with a {@link ConfigError} that names the flag, the variable, the value and
 * what to write instead.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { PreferenceInput } from '../core/types.js';
import { STRATEGIES } from '../core/types.js';
import { forwardParamProblem } from '../core/upstream-params.js';
import { OPERATIONAL_DEFAULTS } from '../middleware/create-selector.js';
import { parsePreferenceHeader } from '../middleware/http/headers.js';
import { CONFIG_FIELDS, type ConfigField, type ConfigKey } from './config-fields.js';

/** Devices the reward model may be asked to run on. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;
/** pino levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i;
const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

const byteSize = z.string().transform((text, ctx) => {
  const m = SIZE.exec(text.trim());
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]!) : Number.NaN;
  if (!Number.isFinite(bytes) || bytes < 1) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 1048576, 512kb or 4mb' });
    return z.NEVER;
  }
  return bytes;
});

const modelMap = z.array(z.string()).transform((pairs, ctx) => {
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const [from, to, ...rest] = pair.split('=').map((s) => s.trim());
    if (!from || !to || rest.length > 0) {
      ctx.addIssue({ code: 'custom', message: `"${pair}" is not CLIENT_MODEL=UPSTREAM_MODEL` });
      return z.NEVER;
    }
    map[from] = to;
  }
  return map;
});

const preference = z.string().transform((text, ctx): PreferenceInput => {
  try {
    const parsed = parsePreferenceHeader(text);
    const weights = z.record(z.string(), z.number()).safeParse(parsed);
    if (!weights.success) throw new Error('weights must be numbers');
    return weights.data;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected "helpfulness=0.8,verbosity=0.6" or "angle=30"' });
    return z.NEVER;
  }
});

/**
 * Operator-named extra body fields, comma-separated in the flag as in the variable; core/upstream-params owns the
 * rule for which names can never be forwarded.
 */
const forwardParams = z
  .array(z.string())
  .transform((items) =>
    items
      .flatMap((item) => item.split(','))
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  )
  .superRefine((names, ctx) => {
    for (const name of names) {
      const problem = forwardParamProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  });

const ms = z.int().min(1);

/** The validated configuration. */
export const configSchema = z
  .object({
    port: z.int().min(0).max(65535).default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    upstreamUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://localhost:8000/v1' })
      .optional(),
    upstreamApiKey: z.string().min(1).optional(),
    modelMap: modelMap.default({}),
    forwardParams: forwardParams.default([]),
    rewardModel: z.string().min(1).optional(),
    device: z.enum(DEVICES).default('auto'),
    strategy: z.enum(STRATEGIES).default('rps'),
    k: z.int().min(1).default(5),
    radiusDeg: z.number().min(0).max(90).default(30),
    seed: z.int().default(42),
    preference: preference.optional(),
    maxK: z.int().min(1).max(256).default(16),
    apiKeys: z.array(z.string().min(1)).default([]),
    bodyLimit: byteSize.default(4 * 1024 ** 2),
    maxConcurrency: z.int().min(1).default(64),
    maxQueue: z.int().min(0).default(1024),
    maxRequests: z.int().min(1).default(256),
    maxInputTokens: z.int().min(1).default(OPERATIONAL_DEFAULTS.maxInputTokens),
    deadlineMs: ms.default(300_000),
    candidateTimeoutMs: ms.default(120_000),
    keepAliveMs: ms.default(1500),
    shutdownGraceMs: z.int().min(0).default(30_000),
    logLevel: z.enum(LOG_LEVELS).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.k > c.maxK) ctx.addIssue({ code: 'custom', path: ['k'], message: `must not exceed max-k (${c.maxK})` });
  });

/** Every server setting, validated. */
export type ServerConfig = z.output<typeof configSchema>;

/** Start-up must stop: the message says which setting is wrong and how to fix it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Result of {@link loadConfig}: either the config or a request for help text. */
export type LoadedConfig = { help: true } | { help: false; config: ServerConfig };

/** Where each raw value came from, for error messages. */
type Source = 'flag' | 'env';

function rawValue(field: ConfigField, text: string | string[]): unknown {
  const t = Array.isArray(text) ? text : text.trim();
  if (field.kind === 'list') {
    return (Array.isArray(t) ? t : t.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  }
  if (typeof t !== 'string') return t;
  if (field.kind === 'integer' || field.kind === 'number')
    return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
  if (field.kind === 'boolean') return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : t;
  return t;
}

/**
 * Reads flags (`argv`, after the `serve` command) and environment variables.
 * @throws ConfigError naming each bad setting.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      CONFIG_FIELDS.map((f) => [f.flag, { type: 'string' as const, multiple: f.kind === 'list' }]),
    );
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    throw new ConfigError(
      `${err instanceof Error ? err.message : String(err)}\nRun "prefsel serve --help" for every setting.`,
    );
  }
  if (values.help === true) return { help: true };

  const raw: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, { source: Source; text: string }>> = {};
  for (const field of CONFIG_FIELDS) {
    const flag = values[field.flag];
    const envText = env[field.env];
    if (flag !== undefined && typeof flag !== 'boolean') {
      raw[field.key] = rawValue(field, flag);
      sources[field.key] = { source: 'flag', text: Array.isArray(flag) ? flag.join(' ') : flag };
    } else if (envText !== undefined && envText.trim() !== '') {
      raw[field.key] = rawValue(field, envText);
      sources[field.key] = { source: 'env', text: envText };
    }
  }

  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return { help: false, config: parsed.data };
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as ConfigKey;
    const field = (CONFIG_FIELDS as readonly ConfigField[]).find((f) => f.key === key);
    if (!field) return `  ${issue.message}`;
    const given = sources[key];
    const shown = given === undefined ? '' : field.secret ? ' (value hidden)' : ` = "${given.text}"`;
    const from = given?.source === 'env' ? `${field.env} (or --${field.flag})` : `--${field.flag} (or ${field.env})`;
    return `  ${from}${shown}: ${issue.message.replace(/^Invalid (input|option): /, '')}. ${field.help}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nRun "prefsel serve --help" for every setting.`);
}

/** Secrets shown as `***` (with a count for lists), so the printout proves they are set without leaking them. */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of CONFIG_FIELDS as readonly ConfigField[]) {
    const value = config[field.key as ConfigKey];
    // Unset settings print as null so the printout lists every setting, not only the ones given.
    if (value === undefined) out[field.key] = null;
    else if (!field.secret) out[field.key] = value;
    else out[field.key] = Array.isArray(value) ? value.map(() => '***') : '***';
  }
  return out;
}

/** `prefsel serve --help`, generated from the field table. */
export function helpText(): string {
  const rows = (CONFIG_FIELDS as readonly ConfigField[]).map((f) => {
    const flag = `  --${f.flag}${f.arg ? ` ${f.arg}` : ''}`;
    return `${flag.padEnd(32)} ${f.env}\n${' '.repeat(33)}${f.help}`;
  });
  return [
    'Usage: prefsel serve [flags]',
    '',
    'An OpenAI-compatible proxy that answers each chat request with the candidate that best matches the',
    "caller's preference (Robust Preference Selection). Flags override PREFSEL_* environment variables.",
    'With no --upstream-url it serves a SIMULATED upstream and the built-in reference reward model.',
    '',
    'Flags:',
    ...rows,
    `  ${'-h, --help'.padEnd(30)} Show this help.`,
  ].join('\n');
}
