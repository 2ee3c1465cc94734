/**
 * @module config-file
 * `prefsel serve --config prefsel.yaml`: the settings of the flag table by their flag names (`k: 5`, `max-k: 16`,
 * `api-key: [...]`), validated by the same rules as the flags (flags and `PREFSEL_*` variables override the file), and
 * two sections flags cannot express:
 * - `scorers:` named reward models, each `type: local` (a model directory run here), `kserve` (KServe v2 / Triton),
 *   `vllm` (`/classify`) or `tei` (`/predict`), the remote ones with several `endpoints`;
 * - `models:` the client model ids this proxy serves, each with its upstream (`upstream-url`, `upstream-model`, the key
 *   from the environment variable `api-key-env`) and the scorer that rates its candidates.
 * `${NAME}` anywhere in a string is replaced by the environment variable NAME (an unset one is an error), so secrets
 * such as scorer headers stay out of the file. An annotated example: `prefsel.example.yaml`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { oneOfRule } from '../middleware/validation.js';
import { DEVICES } from '../scorers/index.js';
import { CONFIG_FIELDS, FIELD_ENTRIES, type ConfigKey } from './config-fields.js';

const url = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'letters, digits, and _ . : - only');
const positive = z.int().min(1);

/** Settings every remote scorer shares. */
const remote = {
  endpoints: z.array(url).min(1),
  headers: z.record(z.string(), z.string()).optional(),
  'timeout-ms': positive.optional(),
  'health-interval-ms': positive.optional(),
  /** How long start-up waits for a first ready endpoint. */
  'startup-timeout-ms': z.int().min(0).optional(),
};

/** One entry of `scorers:`. */
export const scorerDeclSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('local'),
    /** Unset: the built-in reference reward model. */
    'model-dir': z.string().min(1).optional(),
    device: oneOfRule(DEVICES).optional(),
  }),
  z.strictObject({
    type: z.literal('kserve'),
    ...remote,
    model: z.string().min(1),
    version: z.string().min(1).optional(),
    'model-dir': z.string().min(1),
    input: z.enum(['tokens', 'text']).optional(),
    binary: z.union([z.literal('auto'), z.boolean()]).optional(),
    output: z.string().min(1).optional(),
    buckets: z.array(positive).min(1).optional(),
    'max-batch-size': positive.optional(),
    'max-length': positive.optional(),
  }),
  z
    .strictObject({
      type: z.literal('vllm'),
      ...remote,
      model: z.string().min(1),
      'model-dir': z.string().min(1).optional(),
      labels: z.array(z.string().min(1)).min(1).optional(),
      'max-length': positive.optional(),
    })
    .refine((s) => s['model-dir'] !== undefined || s.labels !== undefined, {
      message: 'a vllm scorer needs model-dir (its config.json names the outputs) or labels',
    }),
  z.strictObject({
    type: z.literal('tei'),
    ...remote,
    'model-dir': z.string().min(1).optional(),
    'max-batch-size': positive.optional(),
  }),
]);
/** A validated `scorers:` entry. */
export type ScorerDecl = z.infer<typeof scorerDeclSchema>;

/** One entry of `models:`. */
export const modelDeclSchema = z.strictObject({
  /** What clients put in `model`. */
  id: name,
  'upstream-url': url,
  /** The upstream's name for it. @default the id */
  'upstream-model': z.string().min(1).optional(),
  /** The environment variable holding the upstream's key (the key itself never goes in the file). */
  'api-key-env': z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
    .optional(),
  /** A name from `scorers:`; may be left out when there is exactly one scorer. */
  scorer: name.optional(),
});
/** A validated `models:` entry. */
export type ModelDecl = z.infer<typeof modelDeclSchema>;

/** The sections of a configuration file beside the settings. */
export interface FileSections {
  scorers: Record<string, ScorerDecl>;
  models: ModelDecl[];
}

/** A read configuration file: settings (typed, by `ServerConfig` key) and sections. */
export interface ConfigFile extends FileSections {
  path: string;
  settings: Partial<Record<ConfigKey, unknown>>;
}

/** A file that cannot be used; the message names the file, the key and what to write. */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

const sectionsSchema = z.strictObject({
  scorers: z.record(name, scorerDeclSchema).default({}),
  models: z.array(modelDeclSchema).default([]),
});

/**
 * Reads and checks a configuration file. Settings are returned unvalidated (the caller validates them together with
 * flags and variables, by the one schema); sections are validated here.
 * @throws ConfigFileError naming the problem.
 */
export function readConfigFile(path: string, env: NodeJS.ProcessEnv): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigFileError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConfigFileError(`${path}: expected a mapping of settings at the top level`);
  }
  const values = interpolate(doc, env, path, []) as Record<string, unknown>;
  const byFlag = new Map(FIELD_ENTRIES.map(([key, f]) => [f.flag, key]));
  const settings: Partial<Record<ConfigKey, unknown>> = {};
  const sections: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const key = byFlag.get(k);
    if (k === 'scorers' || k === 'models') sections[k] = v;
    else if (key === 'config') throw new ConfigFileError(`${path}: a configuration file cannot name another (config:)`);
    else if (key !== undefined) settings[key] = CONFIG_FIELDS[key].kind === 'list' && typeof v === 'string' ? [v] : v;
    else
      throw new ConfigFileError(`${path}: unknown key "${k}". ${suggest(k, [...byFlag.keys(), 'scorers', 'models'])}`);
  }
  const parsed = sectionsSchema.safeParse(sections);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigFileError(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return { path, settings, ...parsed.data };
}

/** Replaces `${NAME}` in every string with the environment variable NAME. */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string, at: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, variable: string) => {
      const found = env[variable];
      if (found === undefined) {
        throw new ConfigFileError(
          `${path}: ${at.join('.')}: \${${variable}} names an environment variable that is not set`,
        );
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, path, [...at, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path, [...at, k])]));
  }
  return value;
}

function suggest(key: string, known: readonly string[]): string {
  const close = known.find((k) => k.replace(/[-_]/g, '') === key.replace(/[-_]/g, '').toLowerCase());
  return close ? `Did you mean "${close}"?` : `Settings go by their flag names (${known.slice(0, 6).join(', ')}, …).`;
}
