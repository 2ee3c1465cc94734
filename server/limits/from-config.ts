/**
 * @module limits/from-config
 * The limiter the server settings describe: budgets from the flags, shared through Redis when `--redis-url` is set
 * (every replica then draws from one budget), else kept in this process's memory.
 */
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { createLimiter, type Limiter, type LimiterOptions } from './limiter.js';
import { createRedisLimitStore } from './redis-store.js';
import { createMemoryLimitStore, type LimitStore } from './store.js';

/** Builds the limiter of a server configuration; `onEvent` feeds the metrics. */
export function limiterFromConfig(
  config: ServerConfig,
  logger: Logger,
  onEvent: NonNullable<LimiterOptions['onEvent']>,
): Limiter {
  return createLimiter({
    settings: {
      windowMs: config.limitWindowMs,
      keyRequests: config.keyRequests,
      keyTokens: config.keyTokens,
      userRequests: config.userRequests,
      userTokens: config.userTokens,
      reserveTokens: config.reserveTokens,
      failure: config.redisFailure,
      defaultK: config.k,
    },
    store: limitStore(config, logger),
    logger,
    onEvent,
  });
}

/** Redis when `--redis-url` is set (budgets shared by every replica), else this process's memory. */
function limitStore(config: ServerConfig, logger: Logger): LimitStore {
  if (config.redisUrl === undefined) return createMemoryLimitStore();
  let last = 0;
  return createRedisLimitStore({
    url: config.redisUrl,
    onError: (err) => {
      // ioredis reports every reconnection attempt; one line per 10 s is enough to see an outage.
      if (Date.now() - last < 10_000) return;
      last = Date.now();
      logger.warn({ err: err.message }, 'redis (limits) connection problem');
    },
  });
}
