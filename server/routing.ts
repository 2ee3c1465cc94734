/**
 * @module routing
 * Several client models in one proxy (a configuration file's `models:`): each model id has its own upstream, upstream
 * model name and scorer, hence its own {@link Selector}. {@link routedSelector} presents them as one, choosing by the
 * request's `model`, so the HTTP layer, the playground and the metrics stay unchanged. The app resolves the client's
 * model to itself (the ids are the model map), and the route swaps in the upstream's name.
 */
import { NotFoundError } from '../core/errors.js';
import type { ChatCompletionCreateParams, Model } from '../core/openai.js';
import type { CallOptions, Generator } from '../core/ports.js';
import type { Selector } from '../core/selector.js';

/** One served model. */
export interface Route {
  /** The client's model id. */
  id: string;
  /** The upstream's name for it. */
  upstreamModel: string;
  selector: Selector;
}

/**
 * One selector over several routes. Its attributes are every route's (a request's preference is checked against its
 * own route's scorer by that route's selector); defaults and limits are the first route's (they come from the same
 * settings).
 * @throws RangeError for no routes or a repeated id.
 */
export function routedSelector(routes: readonly Route[]): Selector {
  const first = routes[0];
  if (!first) throw new RangeError('routedSelector: at least one route');
  const byId = new Map<string, Route>();
  for (const r of routes) {
    if (byId.has(r.id)) throw new RangeError(`routedSelector: model id ${r.id} is declared twice`);
    byId.set(r.id, r);
  }
  const route = (model: string): Route => {
    const found = byId.get(model);
    if (!found) {
      throw new NotFoundError(`The model \`${model}\` does not exist or is not served by this proxy.`, {
        code: 'model_not_found',
        param: 'model',
      });
    }
    return found;
  };
  const upstream = (r: Route, params: ChatCompletionCreateParams) => ({ ...params, model: r.upstreamModel });
  const selectors = [...new Set(routes.map((r) => r.selector))];

  const generator: Generator = {
    name: 'routed',
    complete: (params, options) => {
      const r = route(params.model);
      return r.selector.generator.complete(upstream(r, params), options);
    },
    stream(params, options) {
      const r = route(params.model);
      const target = r.selector.generator;
      if (!target.stream) throw new NotFoundError(`The model \`${params.model}\` cannot stream through this proxy.`);
      return target.stream(upstream(r, params), options);
    },
    /** Every upstream must answer (readiness probes all of them); the list is the declared ids. */
    async listModels(options?: CallOptions): Promise<Model[]> {
      const generators = [...new Set(routes.map((r) => r.selector.generator))];
      await Promise.all(generators.map((g) => g.listModels?.(options)));
      const created = Math.floor(Date.now() / 1000);
      return routes.map((r) => ({ id: r.id, object: 'model', created, owned_by: 'prefsel' }));
    },
  };

  return {
    attributes: [...new Set(routes.flatMap((r) => r.selector.attributes))],
    angleAttributes: first.selector.angleAttributes,
    defaults: first.selector.defaults,
    limits: first.selector.limits,
    generator,
    scorer: first.selector.scorer,
    select(request, options) {
      const r = route(request.params.model);
      return r.selector.select({ ...request, params: upstream(r, request.params) }, options);
    },
    upstreamQueue() {
      const states = selectors.map((s) => s.upstreamQueue());
      return { size: states.reduce((n, q) => n + q.size, 0), pending: states.reduce((n, q) => n + q.pending, 0) };
    },
    async onIdle() {
      await Promise.all(selectors.map((s) => s.onIdle()));
    },
  };
}
