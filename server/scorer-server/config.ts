/**
 * @module scorer-server/config
 * The settings of `prefsel serve-scorer`: the proxy's own declarations where the setting is the same (reward model,
 * device, host, log level, grace period: one flag, one variable, one rule each), plus the few that only a scorer
 * server has. Parsed by the same machinery as `prefsel serve`.
 */
import { z } from 'zod';
import { numberRule } from '../../middleware/validation.js';
import { CONFIG_FIELDS, type ConfigField } from '../config-fields.js';
import { helpLine, issuesError, readSettingValues } from '../config.js';

/** Every `prefsel serve-scorer` setting, in `--help` order. */
export const SCORER_SERVER_FIELDS = {
  rewardModel: CONFIG_FIELDS.rewardModel,
  device: CONFIG_FIELDS.device,
  modelName: {
    flag: 'model-name',
    env: 'PREFSEL_MODEL_NAME',
    kind: 'string',
    arg: 'NAME',
    help: 'The v2 model name of the graph (clients send token ids); NAME_text takes formatted text instead.',
    schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, and _ . - only'),
    default: 'reference',
  },
  host: CONFIG_FIELDS.host,
  port: { ...CONFIG_FIELDS.port, default: 8000 },
  bodyLimit: { ...CONFIG_FIELDS.bodyLimit, default: 16 * 1024 ** 2, defaultText: '16mb' },
  maxBatchSize: {
    flag: 'max-batch-size',
    env: 'PREFSEL_MAX_BATCH_SIZE',
    kind: 'number',
    arg: 'N',
    help: 'Most rows one inference request may carry (a Triton model’s max_batch_size).',
    schema: numberRule({ min: 1, max: 4096, integer: true }),
    default: 256,
  },
  shutdownGraceMs: CONFIG_FIELDS.shutdownGraceMs,
  logLevel: CONFIG_FIELDS.logLevel,
} as const satisfies Record<string, ConfigField>;

type Fields = typeof SCORER_SERVER_FIELDS;
/** The validated settings. */
export type ScorerServerConfig = {
  -readonly [K in keyof Fields]: Fields[K] extends { default: unknown }
    ? z.output<Fields[K]['schema']>
    : z.output<Fields[K]['schema']> | undefined;
};

const schema = z.object(
  Object.fromEntries(
    Object.entries(SCORER_SERVER_FIELDS).map(([key, f]: [string, ConfigField]) => [
      key,
      f.default === undefined ? f.schema.optional() : f.schema.default(f.default),
    ]),
  ),
);

const HINT = 'Run "prefsel serve-scorer --help" for every setting.';

/**
 * Reads flags and `PREFSEL_*` variables.
 * @throws ConfigError naming each bad setting.
 */
export function loadScorerServerConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { help: true } | { help: false; config: ScorerServerConfig } {
  const read = readSettingValues(argv, env, SCORER_SERVER_FIELDS, HINT);
  if (read.help) return { help: true };
  const parsed = schema.safeParse(read.raw);
  if (!parsed.success) throw issuesError(parsed.error.issues, SCORER_SERVER_FIELDS, read.given, HINT);
  return { help: false, config: parsed.data as ScorerServerConfig };
}

/** `prefsel serve-scorer --help`. */
export function scorerServerHelp(): string {
  const rows = Object.values(SCORER_SERVER_FIELDS).map((f: ConfigField) => {
    const flag = `  --${f.flag} ${f.arg}`;
    return `${flag.padEnd(32)} ${f.env}\n${' '.repeat(33)}${helpLine(f)}`;
  });
  return [
    'Usage: prefsel serve-scorer [flags]',
    '',
    'Serves the reward model over the Open Inference Protocol (KServe v2, as Triton speaks it), so proxies on',
    'CPU machines can score on this one: GET /v2, /v2/health/live, /v2/health/ready, /v2/models/NAME[/ready],',
    'POST /v2/models/NAME/infer (JSON or binary tensors). Point a proxy at it with a scorer of type kserve.',
    '',
    'Flags:',
    ...rows,
    `  ${'-h, --help'.padEnd(30)} Show this help.`,
  ].join('\n');
}
