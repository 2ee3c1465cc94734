/**
 * @module config
 * Server configuration from command-line flags and `PREFSEL_*` environment variables (flags win), validated by the
 * schema {@link configSchema} derived from the settings table (`config-fields.ts`). A bad setting stops start-up with
 * a {@link ConfigError} that names the flag, the variable, the value and what to write instead; an unknown
 * `PREFSEL_*` variable gets a warning naming the closest real one ({@link unknownVariables}).
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { inBound } from '../core/bounds.js';
import { K_RANGE, selectionFields } from '../middleware/selection-options.js';
import { CONFIG_FIELDS, FIELD_ENTRIES, type ConfigField, type ConfigKey } from './config-fields.js';

export { LOG_LEVELS } from './config-fields.js';
export { DEVICES } from '../scorers/index.js';

type Fields = typeof CONFIG_FIELDS;
/** Every server setting, validated; settings without a default may be undefined. */
export type ServerConfig = {
  -readonly [K in ConfigKey]: Fields[K] extends { default: unknown }
    ? z.output<Fields[K]['schema']>
    : z.output<Fields[K]['schema']> | undefined;
};

/**
 * The validated configuration, on typed values (numbers as numbers): what the flags and variables give after their
 * text is read, and what a configuration file gives directly. Cross-setting rules come last. The object is built
 * from the table at run time, which TypeScript cannot follow, so its type is stated as {@link ServerConfig} (derived
 * from the same table).
 */
export const configSchema = z
  .object(
    Object.fromEntries(
      FIELD_ENTRIES.map(([key, f]) => [
        key,
        f.default === undefined ? f.schema.optional() : f.schema.default(f.default),
      ]),
    ),
  )
  .superRefine((config, ctx) => {
    const { k, maxK } = config as { k: unknown; maxK: unknown };
    // k's range depends on max-k: checked here by the engine's own rule for that max-k, so the message is the one a
    // request with that k gets. Skipped when either setting already failed its own rule (one problem, one line).
    if (!inBound(K_RANGE, maxK) || typeof k !== 'number') return;
    const checked = selectionFields({ maxK }).k.safeParse(k);
    if (!checked.success) ctx.addIssue({ code: 'custom', path: ['k'], message: checked.error.issues[0]!.message });
  }) as unknown as z.ZodType<ServerConfig, Record<string, unknown>>;

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
interface Given {
  source: 'flag' | 'env';
  text: string;
}

const HELP_HINT = 'Run "prefsel serve --help" for every setting.';

function rawValue(field: ConfigField, text: string | string[]): unknown {
  const t = Array.isArray(text) ? text : text.trim();
  if (field.kind === 'list') {
    return (Array.isArray(t) ? t : t.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  }
  if (typeof t !== 'string') return t;
  if (field.kind === 'number') return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
  return t;
}

/**
 * One line naming a setting, what was given and what is wrong: `--k (or PREFSEL_K) = "80": must be an integer in
 * [1, 16]; got 80. Default number of candidates, at most --max-k. Default 5.`
 */
export function settingProblem(key: ConfigKey, message: string, given?: Given): string {
  const field: ConfigField = CONFIG_FIELDS[key];
  const shown = given === undefined ? '' : field.secret ? ' (value hidden)' : ` = "${given.text}"`;
  const from = given?.source === 'env' ? `${field.env} (or --${field.flag})` : `--${field.flag} (or ${field.env})`;
  return `${from}${shown}: ${message.replace(/^Invalid (input|option): /, '')}. ${helpLine(field)}`;
}

/**
 * Reads flags (`argv`, after the `serve` command) and environment variables.
 * @throws ConfigError naming each bad setting.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      FIELD_ENTRIES.map(([, f]) => [f.flag, { type: 'string' as const, multiple: f.kind === 'list' }]),
    );
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    throw new ConfigError(`${err instanceof Error ? err.message : String(err)}\n${HELP_HINT}`);
  }
  if (values.help === true) return { help: true };

  const raw: Record<string, unknown> = {};
  const given: Partial<Record<ConfigKey, Given>> = {};
  for (const [key, field] of FIELD_ENTRIES) {
    const flag = values[field.flag];
    const envText = env[field.env];
    if (flag !== undefined && typeof flag !== 'boolean') {
      raw[key] = rawValue(field, flag);
      given[key] = { source: 'flag', text: Array.isArray(flag) ? flag.join(' ') : flag };
    } else if (envText !== undefined && envText.trim() !== '') {
      raw[key] = rawValue(field, envText);
      given[key] = { source: 'env', text: envText };
    }
  }

  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return { help: false, config: parsed.data };
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path[0] as ConfigKey;
    if (!(key in CONFIG_FIELDS)) return `  ${issue.message}`;
    return `  ${settingProblem(key, issue.message, given[key])}`;
  });
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\n${HELP_HINT}`);
}

/**
 * A warning for each `PREFSEL_*` variable that is no setting, with the closest real name: a mistyped
 * `PREFSEL_PORTT` would otherwise be silently ignored.
 */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = FIELD_ENTRIES.map(([, f]) => f.env);
  return Object.keys(env)
    .filter((name) => name.startsWith('PREFSEL_') && !known.includes(name))
    .sort()
    .map((name) => {
      const [closest] = known
        .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
        .sort((a, b) => a.distance - b.distance);
      // Close enough to be a typo: up to 40% of the name after the prefix (PORTT → PORT, API_KEY → API_KEYS).
      const longest = Math.max(name.length, closest?.candidate.length ?? 0) - 'PREFSEL_'.length;
      const near = closest !== undefined && closest.distance <= Math.max(1, Math.ceil(0.4 * longest));
      return near
        ? `${name} is ignored: no such setting. Did you mean ${closest.candidate}?`
        : `${name} is ignored: no such setting. ${HELP_HINT}`;
    });
}

/** Levenshtein distance, for "did you mean". */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}

/** Secrets shown as `***` (with a count for lists), so the printout proves they are set without leaking them. */
export function describeConfig(config: ServerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of FIELD_ENTRIES) {
    const value = config[key];
    // Unset settings print as null so the printout lists every setting, not only the ones given.
    if (value === undefined) out[key] = null;
    else if (!field.secret) out[key] = value;
    else out[key] = Array.isArray(value) ? value.map(() => '***') : '***';
  }
  return out;
}

/** `prefsel serve --help`, generated from the settings table. */
export function helpText(): string {
  const rows = FIELD_ENTRIES.map(([, f]) => {
    const flag = `  --${f.flag} ${f.arg}`;
    return `${flag.padEnd(32)} ${f.env}\n${' '.repeat(33)}${helpLine(f)}`;
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

/** How a setting's default reads in `--help` and the README ("4mb", "8080"); undefined when it has none. */
export function defaultText(field: ConfigField): string | undefined {
  if (field.default === undefined) return undefined;
  return field.defaultText ?? (typeof field.default === 'string' ? field.default : JSON.stringify(field.default));
}

/** `--help`'s line for a setting: its help, then "Default X." from the declared default. */
export function helpLine(field: ConfigField): string {
  const shown = defaultText(field);
  return shown === undefined ? field.help : `${field.help} Default ${shown}.`;
}

/** The settings as a markdown table (server/README.md holds it between `settings` markers; a test keeps it current). */
export function settingsTable(): string {
  const rows = FIELD_ENTRIES.map(([, f]) => {
    const cells = [`\`--${f.flag} ${f.arg}\``, `\`${f.env}\``, defaultText(f) ?? '–', f.help.replace(/\|/g, '\\|')];
    return `| ${cells.join(' | ')} |`;
  });
  return ['| flag | variable | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
