/**
 * @module limits/redis-store
 * The shared {@link LimitStore}: every replica charges the same Redis buckets through one Lua script, so admission
 * across all buckets of a request is atomic and three replicas with a limit of 100 admit 100, not 300. Time is the
 * Redis server's (`TIME`), so replicas' clocks do not matter.
 *
 * Layout per bucket `B` (all keys expire after two windows of disuse): `B:z` a sorted set of charge ids by time,
 * `B:a` a hash of their amounts, `B:t` their running total. Expired charges are removed before each check.
 *
 * Failure: every command has a timeout and nothing queues while disconnected, so a Redis outage costs one bounded
 * wait per request and throws; the limiter decides (fail open or closed). Connection errors are logged, never thrown.
 */
import { Redis } from 'ioredis';
import type { Admission, BucketCharge, LimitStore } from './store.js';

/** Charges ARGV[3] to every bucket if all have room; returns {1} or {0, bucket index, retry after ms, used}. */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local id = ARGV[3]
for i = 0, n - 1 do
  local z, a, s = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now - window)
  if #old > 0 then
    local gone = 0
    for j = 1, #old, 500 do
      local part = {}
      for k = j, math.min(j + 499, #old) do part[#part + 1] = old[k] end
      for _, v in ipairs(redis.call('HMGET', a, unpack(part))) do gone = gone + (tonumber(v) or 0) end
      redis.call('HDEL', a, unpack(part))
      redis.call('ZREM', z, unpack(part))
    end
    redis.call('DECRBY', s, gone)
  end
end
for i = 0, n - 1 do
  local limit = tonumber(ARGV[4 + 2 * i])
  local cost = tonumber(ARGV[5 + 2 * i])
  local used = tonumber(redis.call('GET', KEYS[3 * i + 3]) or '0')
  if used + cost > limit then
    local oldest = redis.call('ZRANGE', KEYS[3 * i + 1], 0, 0, 'WITHSCORES')
    local wait = window
    if oldest[2] then wait = tonumber(oldest[2]) + window - now end
    return {0, i, wait, used}
  end
end
for i = 0, n - 1 do
  local cost = tonumber(ARGV[5 + 2 * i])
  redis.call('ZADD', KEYS[3 * i + 1], now, id)
  redis.call('HSET', KEYS[3 * i + 2], id, cost)
  redis.call('INCRBY', KEYS[3 * i + 3], cost)
  for k = 1, 3 do redis.call('PEXPIRE', KEYS[3 * i + k], window * 2) end
end
return {1}
`;

/** Sets charge ARGV[1]'s amount in each bucket to ARGV[1 + i] where it is still in the window. */
const SETTLE = `
local id = ARGV[1]
for i = 0, (#KEYS / 2) - 1 do
  local a, s = KEYS[2 * i + 1], KEYS[2 * i + 2]
  local old = redis.call('HGET', a, id)
  if old then
    local amount = tonumber(ARGV[2 + i])
    redis.call('HSET', a, id, amount)
    redis.call('INCRBY', s, amount - tonumber(old))
  end
end
return 1
`;

/** Options of {@link createRedisLimitStore}. */
export interface RedisLimitStoreOptions {
  url: string;
  /** Longest wait for one command (and for the connection). @default 1000 */
  timeoutMs?: number;
  /** Key prefix, so several prefsel deployments can share a Redis. @default 'prefsel:limit:' */
  prefix?: string;
  /** Connection problems, for the log (throttling is the caller's). */
  onError?: (err: Error) => void;
}

type Scripted = Redis & {
  prefselAdmit(...args: Array<string | number>): Promise<number[]>;
  prefselSettle(...args: Array<string | number>): Promise<number>;
};

/** Connects lazily (the first command) and keeps reconnecting in the background while Redis is away. */
export function createRedisLimitStore(options: RedisLimitStoreOptions): LimitStore {
  const timeoutMs = options.timeoutMs ?? 1000;
  const prefix = options.prefix ?? 'prefsel:limit:';
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(timeoutMs, 1000),
    retryStrategy: (times) => Math.min(times * 200, 2000),
  }) as Scripted;
  redis.on('error', (err: Error) => options.onError?.(err));
  redis.defineCommand('prefselAdmit', { lua: ADMIT });
  redis.defineCommand('prefselSettle', { lua: SETTLE });
  let connecting: Promise<void> | undefined;
  const ready = async () => {
    if (redis.status === 'ready') return;
    if (redis.status === 'wait') connecting ??= redis.connect().finally(() => (connecting = undefined));
    if (connecting) await connecting;
  };
  return {
    async admit(id, charges: readonly BucketCharge[], windowMs): Promise<Admission> {
      await ready();
      const keys = charges.flatMap((c) => [
        `${prefix}${c.bucket}:z`,
        `${prefix}${c.bucket}:a`,
        `${prefix}${c.bucket}:t`,
      ]);
      const args = [windowMs, charges.length, id, ...charges.flatMap((c) => [c.limit, c.cost])];
      const [ok, bucket, wait, used] = await redis.prefselAdmit(keys.length, ...keys, ...args);
      if (ok === 1) return { admitted: true };
      return { admitted: false, bucket: bucket!, retryAfterMs: Math.max(0, wait!), used: used! };
    },
    async settle(id, settled) {
      if (settled.length === 0) return;
      await ready();
      const keys = settled.flatMap((s) => [`${prefix}${s.bucket}:a`, `${prefix}${s.bucket}:t`]);
      await redis.prefselSettle(keys.length, ...keys, id, ...settled.map((s) => Math.round(s.amount)));
    },
    async close() {
      redis.disconnect();
    },
  };
}
