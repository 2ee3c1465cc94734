/**
 * @module limits/limiter
 * Request and candidate-token budgets per client key and per end user (the body's `user`), enforced once a request is
 * valid and before any upstream call: an RPS request costs k answers, so k × `max_tokens` (or `--reserve-tokens`
 * each) is reserved up front and settled to the real completion tokens when the selection is done. A request with no
 * selection to settle from (a failure after generation started, a pass-through stream) keeps its reservation: the
 * tokens were probably spent.
 *
 * Identities are hashed (SHA-256) before they reach a store: Redis never holds a client key or a user id. Without
 * auth, every client shares the `anonymous` key budget.
 *
 * When the store cannot answer (Redis down or slow): `failure: 'open'` admits the request and logs a warning (at most
 * one per 10 s), `'closed'` refuses it with 503. Either way the process keeps serving.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import type { Logger } from 'pino';
import { DependencyUnavailableError, RateLimitError } from '../../core/errors.js';
import type { ParsedChatRequest } from '../../middleware/http/parse-request.js';
import type { BucketCharge, LimitStore } from './store.js';

/** The budgets; an unset one is not enforced. */
export interface LimitSettings {
  windowMs: number;
  keyRequests?: number | undefined;
  keyTokens?: number | undefined;
  userRequests?: number | undefined;
  userTokens?: number | undefined;
  /** Tokens reserved per candidate when a request sets no max_tokens. */
  reserveTokens: number;
  /** What a store failure means. */
  failure: 'open' | 'closed';
  /** k when a request does not say. */
  defaultK: number;
}

/** Events for metrics. */
export type LimitEvent =
  | { kind: 'rejected'; dimension: 'key' | 'user'; budget: 'requests' | 'tokens' }
  | { kind: 'store_error'; failure: 'open' | 'closed' };

/** Admission and settlement, for the chat route. */
export interface Limiter {
  /** True when any budget is set. */
  readonly enabled: boolean;
  /** Charges the request or throws RateLimitError (429) / DependencyUnavailableError (503, fail-closed). */
  admit(request: Pick<ParsedChatRequest, 'params' | 'selection'>, c: Context): Promise<void>;
  /** Settles the request's token reservation to what its candidates really used. Never throws. */
  settle(c: Context): Promise<void>;
  close(): Promise<void>;
}

interface Charged {
  id: string;
  tokenBuckets: string[];
}

declare module 'hono' {
  interface ContextVariableMap {
    prefselCharge: Charged;
  }
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** Options of {@link createLimiter}. */
export interface LimiterOptions {
  settings: LimitSettings;
  store: LimitStore;
  logger: Logger;
  onEvent?: (event: LimitEvent) => void;
}

/** Creates the limiter. */
export function createLimiter(options: LimiterOptions): Limiter {
  const { settings, store, logger, onEvent } = options;
  const enabled = [settings.keyRequests, settings.keyTokens, settings.userRequests, settings.userTokens].some(
    (v) => v !== undefined,
  );
  let lastWarning = 0;
  const windowSeconds = Math.round(settings.windowMs / 1000);

  return {
    enabled,
    async admit(request, c) {
      if (!enabled) return;
      const bearer = /^Bearer\s+(.+)$/i.exec((c.req.header('authorization') ?? '').trim())?.[1];
      const key = bearer ? digest(bearer.trim()) : 'anonymous';
      const user =
        typeof request.params.user === 'string' && request.params.user !== '' ? digest(request.params.user) : undefined;
      const candidates =
        request.selection.strategy === 'none' ? (request.params.n ?? 1) : (request.selection.k ?? settings.defaultK);
      const perCandidate = request.params.max_completion_tokens ?? request.params.max_tokens ?? settings.reserveTokens;
      const tokens = candidates * perCandidate;

      const charges: Array<BucketCharge & { dimension: 'key' | 'user'; budget: 'requests' | 'tokens' }> = [];
      const add = (dimension: 'key' | 'user', id: string, budget: 'requests' | 'tokens', limit: number | undefined) => {
        if (limit !== undefined)
          charges.push({
            bucket: `${dimension}:${id}:${budget}`,
            limit,
            cost: budget === 'requests' ? 1 : tokens,
            dimension,
            budget,
          });
      };
      add('key', key, 'requests', settings.keyRequests);
      add('key', key, 'tokens', settings.keyTokens);
      if (user) {
        add('user', user, 'requests', settings.userRequests);
        add('user', user, 'tokens', settings.userTokens);
      }
      if (charges.length === 0) return;

      const id = randomUUID();
      let admission;
      try {
        admission = await store.admit(id, charges, settings.windowMs);
      } catch (err) {
        onEvent?.({ kind: 'store_error', failure: settings.failure });
        if (Date.now() - lastWarning > 10_000) {
          lastWarning = Date.now();
          logger.warn(
            { err: (err as Error).message, failure: settings.failure },
            settings.failure === 'open'
              ? 'limit store unreachable: admitting requests without limits (redis-failure=open)'
              : 'limit store unreachable: refusing requests with 503 (redis-failure=closed)',
          );
        }
        if (settings.failure === 'open') return;
        throw new DependencyUnavailableError('Usage limits cannot be checked right now; retry shortly.');
      }
      if (!admission.admitted) {
        const hit = charges[admission.bucket]!;
        onEvent?.({ kind: 'rejected', dimension: hit.dimension, budget: hit.budget });
        const who = hit.dimension === 'key' ? 'this API key' : 'this user';
        const requested =
          hit.budget === 'tokens' ? `, requested ${hit.cost} (${candidates} candidates × ${perCandidate})` : '';
        throw new RateLimitError(
          `Rate limit reached for ${who} on ${hit.budget} per ${windowSeconds} s: limit ${hit.limit}, used ${admission.used}${requested}. ` +
            'Retry after the time in Retry-After.',
          hit.budget,
          Math.max(1, Math.ceil(admission.retryAfterMs / 1000)),
        );
      }
      const tokenBuckets = charges.filter((ch) => ch.budget === 'tokens').map((ch) => ch.bucket);
      if (tokenBuckets.length > 0) c.set('prefselCharge', { id, tokenBuckets });
    },
    async settle(c) {
      const charged = c.get('prefselCharge');
      const selection = c.get('prefselSelection');
      if (!charged || !selection) return;
      const amount = selection.usage.completion_tokens;
      try {
        await store.settle(
          charged.id,
          charged.tokenBuckets.map((bucket) => ({ bucket, amount })),
        );
      } catch (err) {
        // The reservation stands: the budget errs on the safe side.
        logger.debug({ err: (err as Error).message }, 'could not settle a token reservation');
      }
    },
    close: () => store.close(),
  };
}
