/**
 * @module remote/endpoint-pool
 * Several endpoints of one remote scorer: health-checked, load-spread, failed over.
 *
 * - **Spread**: each call goes to the healthy endpoint with the fewest calls in flight (ties in turn), so a slow
 *   server gets less work and two equal servers get half each.
 * - **Failover**: an endpoint that fails a call (connection refused or reset, 5xx, 429, a malformed answer, no answer
 *   within `timeoutMs`) is taken out at once and the call is retried on another. Scoring is idempotent, so a retry
 *   cannot do harm; a call in flight on a server that dies is retried too, so nothing is lost beyond the pool. A
 *   refused connection (nothing listens: the server is gone) does not spend one of the call's `maxAttempts`.
 * - **Health**: every endpoint is probed every `healthIntervalMs` (its readiness endpoints); a failed probe takes it
 *   out, a passing probe or an answered call puts it back. With no endpoint in rotation, calls still try the ones
 *   out of it (a probe can time out on a live server under load; failing fast would lose every call until the next
 *   probe passes).
 * - **Errors**: a request the server refuses as malformed (4xx) is not retried (another server would refuse it too).
 *   The caller gets a {@link RemoteScorerError}: 502 (bad answer), 503 (no endpoint up: none known, or every one
 *   refused the connection), 504 (every attempt timed out). Messages name the scorer and the endpoint's position,
 *   never its address.
 */
import { RemoteScorerError, type RemoteScorerFailure } from '../../core/errors.js';

/** Thrown by a call to say that the server refused the request itself (a 4xx): retrying elsewhere cannot help. */
export class RequestRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestRejected';
  }
}

/**
 * Thrown by a call to say that nothing listens at the endpoint (connection refused): the server is gone, for certain
 * and at no cost, so the pool takes it out at once and tries another without spending the call's attempts.
 */
export class EndpointUnreachable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EndpointUnreachable';
  }
}

/** How one attempt on one endpoint ended, for metrics. */
export type AttemptOutcome = 'ok' | 'error' | 'timeout' | 'rejected';

/** One attempt, reported after it ends. */
export interface AttemptReport {
  scorer: string;
  /** Position of the endpoint in the configuration (addresses stay out of metrics and errors). */
  endpoint: number;
  outcome: AttemptOutcome;
  seconds: number;
}

/** An endpoint's live state. */
export interface EndpointState {
  endpoint: number;
  healthy: boolean;
  inFlight: number;
}

/** Where the pool reports what operators should see (one line per state change, not per call). */
export interface PoolLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Options of {@link createEndpointPool}. */
export interface EndpointPoolOptions {
  /** The scorer's name, used in errors, logs and metrics. */
  scorer: string;
  /** Base URLs, e.g. `http://triton-0:8000`. */
  urls: readonly string[];
  /**
   * Resolves when the endpoint is ready to score (health, model readiness, metadata); throws otherwise. `healthy`
   * says whether it is in rotation now, so costly checks (a test inference) can run only when it (re)joins.
   */
  probe: (url: string, signal: AbortSignal, state: { healthy: boolean }) => Promise<void>;
  /** Longest one attempt may take. @default 30000 */
  timeoutMs?: number;
  /** Longest one probe may take. @default 2000 */
  probeTimeoutMs?: number;
  /** Period of the health probes. @default 5000 */
  healthIntervalMs?: number;
  /** How long start-up waits for a first ready endpoint, probing once a second. @default 60000 */
  startupTimeoutMs?: number;
  /** Attempts per call, across endpoints; refused connections do not count. @default max(2, endpoints) */
  maxAttempts?: number;
  onAttempt?: (report: AttemptReport) => void;
  logger?: PoolLogger;
}

/** A started pool. */
export interface EndpointPool {
  /** Runs `attempt` against an endpoint, failing over as the module describes. */
  call<T>(attempt: (url: string, signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  states(): EndpointState[];
  /** True while at least one endpoint is healthy. */
  ready(): boolean;
  /** Stops the health probes. */
  close(): void;
}

interface Slot {
  readonly index: number;
  readonly url: string;
  healthy: boolean;
  /** Passed a probe once: its metadata is known, so it can take calls as a last resort while out of rotation. */
  known: boolean;
  inFlight: number;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/**
 * Probes every endpoint once and starts the periodic probes.
 * @throws RemoteScorerError (503) when no endpoint is ready, listing why each one is not (for the operator).
 */
export async function createEndpointPool(options: EndpointPoolOptions): Promise<EndpointPool> {
  const { scorer, probe, onAttempt, logger } = options;
  if (options.urls.length === 0) throw new RangeError(`scorer ${scorer}: at least one endpoint is needed`);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? Math.max(2, options.urls.length);
  const slots: Slot[] = options.urls.map((url, index) => ({ index, url, healthy: false, known: false, inFlight: 0 }));
  let turn = 0;
  let closed = false;

  const markDown = (slot: Slot, why: string) => {
    if (!slot.healthy) return;
    slot.healthy = false;
    logger?.warn(`scorer ${scorer}: endpoint ${slot.index} taken out of rotation: ${why}`);
  };
  const check = async (slot: Slot): Promise<string | undefined> => {
    try {
      await probe(slot.url, AbortSignal.timeout(probeTimeoutMs), { healthy: slot.healthy });
      if (!slot.healthy) logger?.info(`scorer ${scorer}: endpoint ${slot.index} is ready`);
      slot.healthy = true;
      slot.known = true;
      return undefined;
    } catch (err) {
      markDown(slot, `health probe failed: ${describe(err)}`);
      return describe(err);
    }
  };

  // Scorer servers may start after the proxy (a rollout, a model still loading): probe once a second until one is
  // ready or the start-up wait is over.
  const startupDeadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  let first = await Promise.all(slots.map(check));
  while (!slots.some((s) => s.healthy) && Date.now() < startupDeadline) {
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, startupDeadline - Date.now()))));
    first = await Promise.all(slots.map(check));
  }
  if (!slots.some((s) => s.healthy)) {
    const why = first.map((e, i) => `endpoint ${i} (${slots[i]!.url}): ${e}`).join('; ');
    throw new RemoteScorerError(scorer, 'unavailable', `Scorer ${scorer}: no endpoint is ready. ${why}`);
  }
  let probing = false;
  const timer = setInterval(() => {
    if (probing || closed) return;
    probing = true;
    void Promise.all(slots.map(check)).finally(() => (probing = false));
  }, options.healthIntervalMs ?? 5000);
  timer.unref();

  /**
   * The healthy endpoint with the fewest calls in flight, preferring ones this call has not tried, never one that
   * refused this call's connection. With none healthy, the ones out of rotation are tried as a last resort: a probe
   * that timed out under load (the last live endpoint takes all the load once its peer dies) is no proof of death,
   * and answering 503 at once would lose every request until the next probe passes.
   */
  const pick = (tried: ReadonlySet<number>, refused: ReadonlySet<number>): Slot | undefined => {
    const usable = slots.filter((s) => !refused.has(s.index));
    const up = usable.filter((s) => s.healthy);
    const healthy = up.length > 0 ? up : usable.filter((s) => s.known);
    const fresh = healthy.filter((s) => !tried.has(s.index));
    const pool = fresh.length > 0 ? fresh : healthy;
    if (pool.length === 0) return undefined;
    const least = Math.min(...pool.map((s) => s.inFlight));
    const candidates = pool.filter((s) => s.inFlight === least);
    return candidates[turn++ % candidates.length];
  };

  async function call<T>(attempt: (url: string, signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const tried = new Set<number>();
    const refused = new Set<number>();
    let last: { failure: RemoteScorerFailure; message: string; cause?: unknown } | undefined;
    // A refused connection does not count: it is certain, instant, and never repeated within a call (see `pick`).
    for (let spent = 0; spent < maxAttempts;) {
      signal?.throwIfAborted();
      const slot = pick(tried, refused);
      if (!slot) break;
      tried.add(slot.index);
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const started = performance.now();
      const report = (outcome: AttemptOutcome) =>
        onAttempt?.({ scorer, endpoint: slot.index, outcome, seconds: (performance.now() - started) / 1000 });
      slot.inFlight++;
      try {
        const result = await attempt(slot.url, combined);
        report('ok');
        if (!slot.healthy) {
          slot.healthy = true;
          logger?.info(`scorer ${scorer}: endpoint ${slot.index} answered a call; back in rotation`);
        }
        return result;
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (err instanceof RequestRejected) {
          report('rejected');
          throw new RemoteScorerError(scorer, 'bad_gateway', `Scorer ${scorer} refused the request: ${err.message}`, {
            cause: err,
          });
        }
        const timedOut = timeout.aborted;
        report(timedOut ? 'timeout' : 'error');
        const why = timedOut ? `no answer within ${timeoutMs} ms` : describe(err);
        markDown(slot, why);
        last = { failure: timedOut ? 'timeout' : 'bad_gateway', message: `endpoint ${slot.index}: ${why}`, cause: err };
        if (err instanceof EndpointUnreachable) refused.add(slot.index);
        else spent++;
      } finally {
        slot.inFlight--;
      }
    }
    // Nothing answered at all (no endpoint known, or every one refused the connection): no endpoint is up.
    if (!last || refused.size === tried.size) {
      throw new RemoteScorerError(
        scorer,
        'unavailable',
        `Scorer ${scorer} is unavailable: none of its ${slots.length} endpoint(s) is ready.`,
      );
    }
    throw new RemoteScorerError(
      scorer,
      last.failure,
      `Scorer ${scorer} failed after ${tried.size} attempt(s); last: ${last.message}.`,
      { cause: last.cause },
    );
  }

  return {
    call,
    states: () => slots.map((s) => ({ endpoint: s.index, healthy: s.healthy, inFlight: s.inFlight })),
    ready: () => slots.some((s) => s.healthy),
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}
