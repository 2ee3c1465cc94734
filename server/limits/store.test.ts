/**
 * Both limit stores by one behaviour table: in memory always, on a real `redis-server` when installed (required with
 * CI=true). Then what only the shared store can show: three "replicas" (separate connections) racing against one
 * limit admit exactly the limit, and an unreachable Redis fails fast instead of hanging.
 */
import { createRedisLimitStore } from './redis-store.js';
import { createMemoryLimitStore, type LimitStore } from './store.js';
import { redisMissing, startRedis, type TestRedis } from '../../test/redis-server.js';

const missing = redisMissing();
if (missing) console.warn(`[skip] Redis-backed limit tests: ${missing}`);

let redis: TestRedis | undefined;
beforeAll(async () => {
  if (!missing) redis = await startRedis();
});
afterAll(async () => redis?.stop());

let prefix = 0;
const stores: Array<[string, () => LimitStore]> = [
  ['memory', () => createMemoryLimitStore()],
  ...(missing
    ? []
    : [
        ['redis', () => createRedisLimitStore({ url: redis!.url, prefix: `t${prefix++}:`, timeoutMs: 5000 })] as [
          string,
          () => LimitStore,
        ],
      ]),
];

describe.each(stores)('%s limit store', (_name, make) => {
  let store: LimitStore;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => store.close());

  it('admits up to the limit, then refuses with the time until the oldest charge leaves the window', async () => {
    const charge = [{ bucket: 'key:a:requests', limit: 3, cost: 1 }];
    for (let i = 0; i < 3; i++) expect(await store.admit(`r${i}`, charge, 60_000)).toEqual({ admitted: true });
    const refused = await store.admit('r3', charge, 60_000);
    expect(refused).toMatchObject({ admitted: false, bucket: 0, used: 3 });
    expect(refused.admitted === false && refused.retryAfterMs).toBeGreaterThan(55_000);
  });

  it('charges all buckets of a request or none', async () => {
    await store.admit('x', [{ bucket: 'user:u:tokens', limit: 100, cost: 90 }], 60_000);
    const both = [
      { bucket: 'key:k:tokens', limit: 1000, cost: 20 },
      { bucket: 'user:u:tokens', limit: 100, cost: 20 },
    ];
    expect(await store.admit('y', both, 60_000)).toMatchObject({ admitted: false, bucket: 1, used: 90 });
    // The key bucket was not charged by the refused request: 1000 still fit.
    expect(await store.admit('z', [{ bucket: 'key:k:tokens', limit: 1000, cost: 1000 }], 60_000)).toEqual({
      admitted: true,
    });
  });

  it('settles a reservation to the real amount, freeing the difference', async () => {
    const tokens = [{ bucket: 'key:s:tokens', limit: 100, cost: 80 }];
    expect(await store.admit('a', tokens, 60_000)).toEqual({ admitted: true });
    expect(await store.admit('b', [{ ...tokens[0]!, cost: 30 }], 60_000)).toMatchObject({ admitted: false, used: 80 });
    await store.settle('a', [{ bucket: 'key:s:tokens', amount: 25 }]);
    expect(await store.admit('b', [{ ...tokens[0]!, cost: 30 }], 60_000)).toEqual({ admitted: true });
    expect(await store.admit('c', [{ ...tokens[0]!, cost: 46 }], 60_000)).toMatchObject({ admitted: false, used: 55 });
  });

  it('slides: charges leave the window and make room again', async () => {
    const charge = [{ bucket: 'key:w:requests', limit: 1, cost: 1 }];
    expect(await store.admit('1', charge, 300)).toEqual({ admitted: true });
    expect((await store.admit('2', charge, 300)).admitted).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await store.admit('3', charge, 300)).toEqual({ admitted: true });
  });
});

describe.skipIf(missing !== undefined)('shared limits on Redis', () => {
  it('three replicas racing 300 requests against a limit of 100 admit exactly 100', async () => {
    const replicas = [0, 1, 2].map(() => createRedisLimitStore({ url: redis!.url, prefix: 'race:', timeoutMs: 2000 }));
    try {
      const charge = [{ bucket: 'key:shared:requests', limit: 100, cost: 1 }];
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => replicas[i % 3]!.admit(`req-${i}`, charge, 60_000)),
      );
      expect(results.filter((r) => r.admitted).length).toBe(100);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('fails fast (no hang, no crash) when Redis is unreachable', async () => {
    const store = createRedisLimitStore({ url: 'redis://127.0.0.1:9', timeoutMs: 200, onError: () => {} });
    try {
      const started = Date.now();
      await expect(store.admit('a', [{ bucket: 'k', limit: 1, cost: 1 }], 60_000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await store.close();
    }
  });
});
