/**
 * @module prefsel
 * The package entry, kept to what an application builds with: the factories (`createSelector`, the Hono middleware
 * `preferenceSelection` for chat completions and `preferenceResponses` for the Responses API, the default
 * OpenAI-compatible generator, the function scorer), the error family, and the types. Every name here is a semver
 * promise; the engine's pieces (schemas, bounds, defaults, the neighbourhood, the directive) are at
 * `prefsel/middleware`, the ONNX scorer at `prefsel/scorers` (it loads a native addon lazily) and the proxy server at
 * `prefsel/server`.
 */
export { createSelector } from './middleware/create-selector.js';
export { createOpenAICompatibleGenerator } from './middleware/generators/openai-compatible.js';
export type { OpenAICompatibleGeneratorOptions } from './middleware/generators/openai-compatible.js';
export { preferenceSelection } from './middleware/hono.js';
export type { PreferenceSelectionOptions, PrefselVariables } from './middleware/hono.js';
export { preferenceResponses } from './middleware/responses.js';
export type { PreferenceResponsesOptions } from './middleware/responses.js';
export { errorResponse } from './middleware/http/errors.js';
export type { CandidateReportJson, DirectionReport, SelectionReport } from './middleware/http/report.js';
export { createFunctionScorer } from './scorers/function.js';
export type { FunctionScorerOptions } from './scorers/function.js';
export * from './core/errors.js';
export type * from './core/selector.js';
export type * from './core/types.js';
export type * from './core/ports.js';
export type * from './core/openai.js';
export type * from './core/openai-responses.js';
