/**
 * @module app
 * `createApp(deps)`: the proxy's Hono app, built from its dependencies with no import-time side effects (tests
 * build as many as they like). One error funnel: `onError` and `notFound` emit only the OpenAI error shape, a 500
 * never echoes an internal message, and the request id travels back as `x-request-id` (openai-node's
 * `err.requestID`).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import {
  ClientClosedError,
  NotFoundError,
  OverloadedError,
  PayloadTooLargeError,
  PrefselError,
} from '../core/errors.js';
import type { Selector } from '../core/selector.js';
import type { Selection } from '../core/types.js';
import { errorBody, errorHeaders, errorStatus } from '../middleware/http/errors.js';
import { preferenceSelection } from '../middleware/hono.js';
import { preferenceResponses } from '../middleware/responses.js';
import { profileRoutes } from '../middleware/profiles/routes.js';
import type { Profiles } from '../middleware/profiles/service.js';
import { clientKeyAuth, clientKeyCheck } from './auth.js';
import { bodyLimit } from './body-limit.js';
import { watchBody, type RequestTracker } from './in-flight.js';
import type { Metrics } from './metrics.js';
import { modelRoutes } from './routes/models.js';
import { systemRoutes } from './routes/system.js';

/** What the server puts on the context. */
export interface ServerVariables {
  /** Logger bound to this request's id. */
  log: Logger;
}

declare module 'hono' {
  interface ContextVariableMap extends ServerVariables {}
}

/** HTTP-level settings of the app. */
export interface AppOptions {
  /** Accepted client keys; empty disables auth. */
  apiKeys: readonly string[];
  /** Largest request body, bytes. */
  bodyLimit: number;
  /** Chat and Responses requests handled at once before 429. */
  maxRequests: number;
  keepAliveMs: number;
  /** Client model → upstream model; empty means any model passes through. */
  modelMap: Readonly<Record<string, string>>;
  /** Longest wait for the upstream in `/readyz`; default 3000. */
  readyTimeoutMs?: number;
  /** Longest wait for a chunk of a pass-through stream (`--stream-idle-timeout-ms`); default 60000. */
  streamIdleTimeoutMs?: number;
  /** Longest wait for the upstream's model list in `GET /v1/models` (`--models-timeout-ms`); default 10000. */
  modelsTimeoutMs?: number;
  /** Extra top-level fields clients may send and the generator forwards (`--forward-params`); default none. */
  forwardParams?: readonly string[];
}

/** Everything the app needs; built by `compose.ts` (or by a test). */
export interface AppDeps {
  selector: Selector;
  logger: Logger;
  metrics: Metrics;
  tracker: RequestTracker;
  options: AppOptions;
  /** Routes serving `GET /` (the playground, built by the composition root); a JSON pointer to the API when absent. */
  playground?: Hono;
  /** Per-user preference profiles (`/v1/preferences/…`, and the `user` field on the selecting endpoints). */
  profiles?: Profiles;
}

/** Routes with their own metrics label; anything else is `other`, which keeps label cardinality bounded. */
const ROUTES = new Set([
  '/v1/chat/completions',
  '/chat/completions',
  '/v1/responses',
  '/responses',
  '/v1/models',
  '/healthz',
  '/readyz',
  '/metrics',
  '/',
]);

/** Builds the app. */
export function createApp(deps: AppDeps): Hono {
  const { selector, logger, metrics, tracker, options } = deps;
  const app = new Hono();

  app.use('*', requestId());
  app.use('*', async function observe(c, next) {
    const started = performance.now();
    c.set('log', logger.child({ reqId: c.get('requestId') }));
    await next();
    const route = routeLabel(c.req.path);
    const seconds = (performance.now() - started) / 1000;
    metrics.observeRequest({ route, method: c.req.method, status: c.res.status }, seconds);
    const selection = c.get('prefselSelection');
    c.get('log').info(
      {
        method: c.req.method,
        path: route === 'other' ? undefined : c.req.path,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
        ...(selection
          ? { strategy: selection.strategy, candidates: selection.candidates.length, chosen: selection.chosen.index }
          : {}),
      },
      'request',
    );
  });

  const keyed = options.apiKeys.length > 0;
  const auth: MiddlewareHandler = keyed ? clientKeyAuth(options.apiKeys) : (_c, next) => next();
  const checkKey = clientKeyCheck(options.apiKeys);
  const limitBody = bodyLimit({
    maxSize: options.bodyLimit,
    onError: () => {
      throw new PayloadTooLargeError(options.bodyLimit);
    },
  });
  const admit: MiddlewareHandler = async function admit(c, next) {
    if (tracker.active >= options.maxRequests) throw new OverloadedError('The prefsel proxy', 1);
    const done = tracker.enter();
    try {
      await next();
    } catch (err) {
      done();
      throw err;
    }
    // A stream is in flight until its last byte (or the client leaving), not until the handler returns. A JSON body is
    // already complete, so it is left alone (and keeps its Content-Length). The content type is checked first because
    // reading `c.res.body` makes @hono/node-server build a full Response and write it through a stream reader instead
    // of writing the string it holds in one go.
    const body = c.res.headers.get('content-type')?.startsWith('text/event-stream') ? c.res.body : null;
    if (body) c.res = new Response(watchBody(body, done), c.res);
    else done();
  };
  const hasMap = Object.keys(options.modelMap).length > 0;
  const endpointOptions = {
    selector,
    keepAliveMs: options.keepAliveMs,
    ...(options.streamIdleTimeoutMs ? { streamIdleTimeoutMs: options.streamIdleTimeoutMs } : {}),
    forwardParams: options.forwardParams ?? [],
    resolveModel: (model: string) => (hasMap ? options.modelMap[model] : model),
    onSelection: (selection: Selection) => metrics.observeSelection(selection),
    onStreamError: (err: unknown, c: Context) => logError(c.get('log'), err),
    ...(deps.profiles
      ? {
          profiles: deps.profiles,
          onProfileError: (err: unknown, c: Context) =>
            c.get('log').warn({ err }, 'profile store unavailable: request served with the default preference'),
        }
      : {}),
  };
  const chat = preferenceSelection(endpointOptions);
  const responses = preferenceResponses(endpointOptions);

  // Both endpoints run the same engine behind the same guards: key, body limit, in-flight limit.
  for (const path of ['/v1/chat/completions', '/chat/completions']) app.post(path, auth, limitBody, admit, chat);
  for (const path of ['/v1/responses', '/responses']) app.post(path, auth, limitBody, admit, responses);
  app.use('/v1/*', auth);
  if (deps.profiles) {
    app.use('/v1/preferences/*', limitBody);
    app.route('/v1', profileRoutes({ profiles: deps.profiles }));
  }
  app.route(
    '/v1',
    modelRoutes({
      generator: selector.generator,
      modelMap: options.modelMap,
      ...(options.modelsTimeoutMs ? { timeoutMs: options.modelsTimeoutMs } : {}),
    }),
  );
  // With keys set, metrics need one (they describe traffic); the probes stay open, /readyz minimal without a key.
  app.use('/metrics', auth);
  app.route(
    '/',
    systemRoutes({
      generator: selector.generator,
      scorer: selector.scorer,
      metrics,
      readyTimeoutMs: options.readyTimeoutMs ?? 3000,
      mayInspect: (c) => !keyed || checkKey(c.req.header('authorization')) === 'valid',
    }),
  );
  if (deps.playground) app.route('/', deps.playground);
  else {
    app.get('/', (c) =>
      c.json({
        name: 'prefsel',
        description: 'OpenAI-compatible proxy with Robust Preference Selection.',
        endpoints: [
          'POST /v1/chat/completions',
          'POST /v1/responses',
          'GET /v1/models',
          'GET|PUT|DELETE /v1/preferences/{user}',
          'POST /v1/preferences/{user}/feedback',
          'GET /healthz',
          'GET /readyz',
          'GET /metrics',
        ],
      }),
    );
  }

  app.notFound((c) => {
    const post = c.req.path.endsWith('/chat/completions') || c.req.path.endsWith('/responses');
    const hint = post ? ' (use POST)' : '';
    const err = new NotFoundError(`Unknown route: ${c.req.method} ${c.req.path}${hint}.`, { code: 'unknown_route' });
    return c.json(err.toJSON(), 404);
  });
  app.onError((err, c) => {
    logError(c.get('log') ?? logger, err);
    const status = errorStatus(err);
    // An oversized body was not read; closing the connection stops a client from reusing a socket still full of it.
    const close: Record<string, string> = status === 413 ? { connection: 'close' } : {};
    return c.json(errorBody(err), status as 400, { ...errorHeaders(err), ...close });
  });
  return app;
}

/** Bounded metric label for a path. */
function routeLabel(path: string): string {
  if (ROUTES.has(path)) return path;
  if (path.startsWith('/v1/models/')) return '/v1/models/:id';
  if (path.startsWith('/v1/preferences/'))
    return path.endsWith('/feedback') ? '/v1/preferences/:user/feedback' : '/v1/preferences/:user';
  if (path.startsWith('/playground/')) return '/playground/*';
  return 'other';
}

/** Client mistakes are debug noise, a client leaving is info, our own and upstream failures are errors. */
function logError(log: Logger, err: unknown): void {
  if (err instanceof ClientClosedError) log.info('client closed the request; its upstream calls were cancelled');
  else if (err instanceof PrefselError && err.status < 500)
    log.debug({ code: err.code, status: err.status }, err.message);
  else log.error({ err }, 'request failed');
}
