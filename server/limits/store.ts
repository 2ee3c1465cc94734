/**
 * @module limits/store
 * Sliding-window budgets: each bucket (a client key's requests, an end user's candidate tokens…) holds the charges
 * of the last `windowMs`, each charge with its amount; a request is admitted only if every bucket it touches has room
 * for its cost, and then charged to all of them at once, or to none. A charge can be settled later to its real amount
 * (tokens reserved before generation, counted after). Two implementations: in memory (one process) and Redis (every
 * replica shares the buckets), with the same semantics.
 */

/** One bucket a request is charged to. */
export interface BucketCharge {
  /** The bucket's key, e.g. `key:3f2a…:tokens`. */
  readonly bucket: string;
  readonly limit: number;
  readonly cost: number;
}

/** The store's answer to {@link LimitStore.admit}. */
export type Admission =
  | { readonly admitted: true }
  | {
      readonly admitted: false;
      /** Index into the charges of the first bucket without room. */
      readonly bucket: number;
      /** Until the oldest charge of that bucket leaves the window. */
      readonly retryAfterMs: number;
      /** What the bucket holds now. */
      readonly used: number;
    };

/** Where budgets live. */
export interface LimitStore {
  /** Charges `id` to every bucket if all have room, else to none. Atomic across replicas for the Redis store. */
  admit(id: string, charges: readonly BucketCharge[], windowMs: number): Promise<Admission>;
  /** Sets the amount of charge `id` in `bucket` (settling a reservation); a charge already out of the window is left. */
  settle(id: string, buckets: ReadonlyArray<{ bucket: string; amount: number }>): Promise<void>;
  close(): Promise<void>;
}

interface Bucket {
  /** Charge id → time and amount, in insertion (time) order. */
  charges: Map<string, { at: number; amount: number }>;
  total: number;
}

/** The in-memory store: exact for one process; each replica has its own. */
export function createMemoryLimitStore(now: () => number = Date.now): LimitStore {
  const buckets = new Map<string, Bucket>();
  const expire = (b: Bucket, cutoff: number) => {
    for (const [id, c] of b.charges) {
      if (c.at > cutoff) break;
      b.total -= c.amount;
      b.charges.delete(id);
    }
  };
  return {
    async admit(id, charges, windowMs) {
      const t = now();
      const cutoff = t - windowMs;
      for (const [i, c] of charges.entries()) {
        const b = buckets.get(c.bucket);
        if (b) expire(b, cutoff);
        const used = b?.total ?? 0;
        if (used + c.cost > c.limit) {
          const oldest = b?.charges.values().next().value;
          return { admitted: false, bucket: i, retryAfterMs: oldest ? oldest.at + windowMs - t : windowMs, used };
        }
      }
      for (const c of charges) {
        let b = buckets.get(c.bucket);
        if (!b) buckets.set(c.bucket, (b = { charges: new Map(), total: 0 }));
        b.charges.set(id, { at: t, amount: c.cost });
        b.total += c.cost;
      }
      return { admitted: true };
    },
    async settle(id, settled) {
      for (const { bucket, amount } of settled) {
        const c = buckets.get(bucket)?.charges.get(id);
        if (!c) continue;
        buckets.get(bucket)!.total += amount - c.amount;
        c.amount = amount;
      }
    },
    async close() {
      buckets.clear();
    },
  };
}
