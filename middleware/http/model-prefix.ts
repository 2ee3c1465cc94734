/**
 * @module http/model-prefix
 * Strategy-prefixed model ids (`rps:llama-3`, `none:llama-3`): clients that can only choose a model (Open WebUI,
 * most chat front-ends) choose a strategy with it. `GET /v1/models` lists these ids so they are discoverable.
 */
import { STRATEGIES, type StrategyName } from '../../core/types.js';

const PREFIX = new RegExp(`^(${STRATEGIES.join('|')}):(.+)$`);

/** `rps:llama-3` → `{ strategy: 'rps', model: 'llama-3' }`; an id without a strategy prefix comes back unchanged. */
export function splitModelPrefix(id: string): { strategy?: StrategyName; model: string } {
  const m = PREFIX.exec(id);
  return m ? { strategy: m[1] as StrategyName, model: m[2]! } : { model: id };
}

/** Every strategy-prefixed id of a model, in `STRATEGIES` order. */
export function prefixedModelIds(model: string): string[] {
  return STRATEGIES.map((strategy) => `${strategy}:${model}`);
}
