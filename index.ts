/**
 * @module prefsel
 * The package entry: the selection engine (`createSelector`), the Hono middleware (`preferenceSelection` for chat
 * completions, `preferenceResponses` for the Responses API), the default OpenAI-compatible generator, the function
 * scorer, and the shared types and errors. The ONNX scorer lives at `prefsel/scorers` (it loads a native addon
 * lazily) and the proxy server at `prefsel/server`.
 */
export * from './middleware/index.js';
export { createFunctionScorer } from './scorers/function.js';
export type { FunctionScorerOptions } from './scorers/function.js';
export * from './core/errors.js';
export { STRATEGIES } from './core/types.js';
export type * from './core/types.js';
export type * from './core/ports.js';
export type * from './core/openai.js';
export type * from './core/openai-responses.js';
export { contentText } from './core/openai.js';
