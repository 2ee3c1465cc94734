/**
 * @module routes/models
 * `GET /v1/models` and `GET /v1/models/:id`. With a model map the proxy serves exactly the mapped names, so it
 * lists those; otherwise it lists what the upstream reports. Each model is followed by its strategy-prefixed ids
 * (`rps:m`, `best_of_n:m`, `none:m`) so front-ends that only let users pick a model can pick a strategy too.
 */
import { Hono } from 'hono';
import { assertInBound, type Bound } from '../../core/bounds.js';
import { NotFoundError, UpstreamTimeoutError } from '../../core/errors.js';
import type { Model } from '../../core/openai.js';
import type { Generator } from '../../core/ports.js';
import { prefixedModelIds } from '../../middleware/http/model-prefix.js';

/** Defaults of the models routes (the server's settings start from these). */
export const MODELS_DEFAULTS = { timeoutMs: 10_000 } as const;
/** Ranges of the models routes' options. */
export const MODELS_BOUNDS = { timeoutMs: { min: 1, integer: true } } as const satisfies Record<
  keyof typeof MODELS_DEFAULTS,
  Bound
>;

/** Options of {@link modelRoutes}. */
export interface ModelRoutesOptions {
  generator: Generator;
  /** Client model → upstream model; empty means pass-through. */
  modelMap: Readonly<Record<string, string>>;
  /** Longest wait for the upstream's list, ms; then 504. Default {@link MODELS_DEFAULTS}. */
  timeoutMs?: number;
}

/** The models routes, to mount under `/v1`. */
export function modelRoutes(options: ModelRoutesOptions): Hono {
  const { generator, modelMap } = options;
  const timeoutMs = assertInBound('timeoutMs', options.timeoutMs ?? MODELS_DEFAULTS.timeoutMs, MODELS_BOUNDS.timeoutMs);
  const aliases = Object.keys(modelMap);

  async function served(signal: AbortSignal): Promise<Model[]> {
    if (aliases.length > 0) {
      const created = Math.floor(Date.now() / 1000);
      return aliases.map((id) => ({ id, object: 'model', created, owned_by: 'prefsel' }));
    }
    if (!generator.listModels) return [];
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await generator.listModels({ signal: AbortSignal.any([signal, timeout]) });
    } catch (err) {
      if (timeout.aborted && !signal.aborted) {
        throw new UpstreamTimeoutError(`The upstream did not list its models within ${timeoutMs} ms.`, { cause: err });
      }
      throw err;
    }
  }

  async function list(signal: AbortSignal): Promise<Model[]> {
    const models = await served(signal);
    const prefixed = models.flatMap((m) =>
      prefixedModelIds(m.id).map((id): Model => ({ ...m, id, owned_by: 'prefsel' })),
    );
    return [...models, ...prefixed];
  }

  const app = new Hono();
  app.get('/models', async (c) => c.json({ object: 'list', data: await list(c.req.raw.signal) }));
  app.get('/models/:id{.+}', async (c) => {
    const id = c.req.param('id');
    const model = (await list(c.req.raw.signal)).find((m) => m.id === id);
    if (!model)
      throw new NotFoundError(`The model \`${id}\` does not exist.`, { code: 'model_not_found', param: 'model' });
    return c.json(model);
  });
  return app;
}
