/**
 * @module routes/system
 * Operational endpoints: `/healthz` (the process answers), `/readyz` (the reward model is loaded and the upstream
 * answers), `/metrics` (Prometheus). `/healthz` and `/readyz` answer anyone, since orchestrators probe them without
 * credentials; `/readyz` then says only whether it is ready, and shows its checks (model name, execution provider,
 * the upstream's error) to clients with a key. `/metrics` is guarded by the app when keys are set. No route shows a
 * filesystem path: the reward model is named by its directory's name.
 */
import { Hono, type Context } from 'hono';
import type { Generator, Scorer } from '../../core/ports.js';
import { publicModelName, type Metrics } from '../metrics.js';

/** Options of {@link systemRoutes}. */
export interface SystemRoutesOptions {
  generator: Generator;
  scorer: Scorer;
  metrics: Metrics;
  /** Longest wait for the upstream's model list in `/readyz`. */
  readyTimeoutMs: number;
  /** Whether the request may see `/readyz`'s checks (it carries a valid client key, or no keys are set). */
  mayInspect: (c: Context) => boolean;
}

/** Result of one upstream probe. */
type Probe = { reachable: true; models: number } | { reachable: false; error: string } | { reachable: 'unknown' };

async function probe(generator: Generator, timeoutMs: number): Promise<Probe> {
  if (!generator.listModels) return { reachable: 'unknown' };
  try {
    const models = await generator.listModels({ signal: AbortSignal.timeout(timeoutMs) });
    return { reachable: true, models: models.length };
  } catch (err) {
    // The message is ours or the upstream's status line; generator errors are already redacted of secrets.
    return { reachable: false, error: err instanceof Error ? err.message : 'unreachable' };
  }
}

/** The system routes, to mount at the root. */
export function systemRoutes(options: SystemRoutesOptions): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const upstream = await probe(options.generator, options.readyTimeoutMs);
    const scorer = {
      loaded: true,
      model: publicModelName(options.scorer.info.model),
      execution_provider: options.scorer.info.executionProvider,
      attributes: options.scorer.attributes,
    };
    const checks = { scorer, upstream: { name: options.generator.name, ...upstream } };
    const detail = options.mayInspect(c) ? { checks } : {};
    if (upstream.reachable === false) {
      const error = { message: 'The upstream is not reachable.', type: 'server_error', param: null, code: 'not_ready' };
      return c.json({ status: 'not_ready', ...detail, error }, 503);
    }
    return c.json({ status: 'ready', ...detail });
  });
  app.get('/metrics', async (c) => {
    const body = await options.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': options.metrics.registry.contentType });
  });
  return app;
}
