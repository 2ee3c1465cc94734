/**
 * @module config-fields-scale
 * The settings of running several replicas, part of the one settings table (`config-fields.ts` spreads them in, in
 * `--help` order): the configuration file, the shared Redis and the request and token budgets.
 */
import { z } from 'zod';
import { numberRule, oneOfRule } from '../middleware/validation.js';
import type { ConfigField } from './config-fields.js';

const integer = (min: number) => numberRule({ min, integer: true });

/** Declared as in `CONFIG_FIELDS`: flag, variable, kind, rule, default, help. */
export const SCALE_FIELDS = {
  config: {
    flag: 'config',
    env: 'PREFSEL_CONFIG',
    kind: 'string',
    arg: 'FILE',
    help: 'YAML file with these settings (by flag name) plus models: and scorers: (see prefsel.example.yaml). Flags and variables override it.',
    schema: z.string().min(1),
  },
  redisUrl: {
    flag: 'redis-url',
    env: 'PREFSEL_REDIS_URL',
    kind: 'string',
    arg: 'URL',
    secret: true,
    help: 'Redis shared by every replica for the request and token limits (redis://host:6379/0). Unset: limits are per process.',
    schema: z.url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' }),
  },
  redisFailure: {
    flag: 'redis-failure',
    env: 'PREFSEL_REDIS_FAILURE',
    kind: 'string',
    arg: 'MODE',
    help: 'When Redis does not answer: open admits the request (and logs it), closed refuses it with 503.',
    schema: oneOfRule(['open', 'closed']),
    default: 'open',
  },
  limitWindowMs: {
    flag: 'limit-window-ms',
    env: 'PREFSEL_LIMIT_WINDOW_MS',
    kind: 'number',
    arg: 'MS',
    help: 'Sliding window of the request and token limits.',
    schema: integer(1000),
    default: 60_000,
  },
  keyRequests: {
    flag: 'key-requests',
    env: 'PREFSEL_KEY_REQUESTS',
    kind: 'number',
    arg: 'N',
    help: 'Chat requests one client key may make per window (all keys share one budget when auth is off). Unset: no limit.',
    schema: integer(1),
  },
  keyTokens: {
    flag: 'key-tokens',
    env: 'PREFSEL_KEY_TOKENS',
    kind: 'number',
    arg: 'N',
    help: 'Candidate tokens one client key may spend per window: a request costs all k answers, reserved before generation. Unset: no limit.',
    schema: integer(1),
  },
  userRequests: {
    flag: 'user-requests',
    env: 'PREFSEL_USER_REQUESTS',
    kind: 'number',
    arg: 'N',
    help: "Chat requests one end user (the body's `user` field) may make per window. Unset: no limit.",
    schema: integer(1),
  },
  userTokens: {
    flag: 'user-tokens',
    env: 'PREFSEL_USER_TOKENS',
    kind: 'number',
    arg: 'N',
    help: 'Candidate tokens one end user may spend per window. Unset: no limit.',
    schema: integer(1),
  },
  reserveTokens: {
    flag: 'reserve-tokens',
    env: 'PREFSEL_RESERVE_TOKENS',
    kind: 'number',
    arg: 'N',
    help: 'Tokens reserved per candidate when a request sets no max_tokens; settled to the real count when it ends.',
    schema: integer(1),
    default: 512,
  },
} as const satisfies Record<string, ConfigField>;
