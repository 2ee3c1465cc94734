/**
 * @module startup
 * What the port answers while the reward model loads. `prefsel serve` binds its port before the slow start-up (as
 * vLLM and Triton do), so a port already in use stops it at once instead of after the model load, and an orchestrator
 * sees a live process that is not yet ready: `/healthz` 200 (`starting`), `/readyz` 503, every other route 503 with
 * `Retry-After` in the OpenAI error shape. Once the app is built the gate hands every request to it.
 */
import { Hono } from 'hono';

/** Seconds a client is asked to wait before retrying during start-up. */
const RETRY_AFTER_S = 1;

/** A request handler that answers "starting" until {@link StartupGate.open} is called. */
export interface StartupGate {
  /** The handler to give the HTTP server from the start. */
  readonly fetch: (request: Request, ...rest: unknown[]) => Response | Promise<Response>;
  /** From now on every request goes to `app`. */
  open(app: { fetch: (request: Request, ...rest: never[]) => Response | Promise<Response> }): void;
}

function notReady(message: string) {
  return { message, type: 'server_error', param: null, code: 'not_ready' };
}

/** The start-up routes: live but not ready. */
function startingApp(): Hono {
  const app = new Hono();
  const headers = { 'retry-after': String(RETRY_AFTER_S) };
  app.get('/healthz', (c) => c.json({ status: 'starting' }));
  app.get('/readyz', (c) =>
    c.json({ status: 'starting', error: notReady('prefsel is loading the reward model.') }, 503, headers),
  );
  app.all('*', (c) =>
    c.json({ error: notReady('prefsel is starting (loading the reward model); retry shortly.') }, 503, headers),
  );
  return app;
}

/** Creates the gate, closed. */
export function createStartupGate(): StartupGate {
  let current: { fetch: (request: Request, ...rest: never[]) => Response | Promise<Response> } = startingApp();
  return {
    fetch: (request, ...rest) => current.fetch(request, ...(rest as never[])),
    open(app) {
      current = app;
    },
  };
}
