/**
 * @module middleware
 * The engine's public API: `createSelector` and the pieces an embedding app may want (preference parsing, the
 * neighbourhood, the directive, the default generator). Re-exports only.
 */
export { createSelector, OPERATIONAL_BOUNDS, OPERATIONAL_DEFAULTS } from './create-selector.js';
export {
  BASE_DEFAULTS,
  DEFAULT_MAX_K,
  K_RANGE,
  NEIGHBOURHOODS,
  PLACEMENTS,
  resolveSelection,
  SELECTION_BOUNDS,
  selectionSchema,
  validateSelectionOptions,
} from './selection-options.js';
export type { ResolvedSelection, SelectionLimits } from './selection-options.js';
export { DEFAULT_ANGLE_ATTRIBUTES, makeDirection, parsePreference, preferenceSchema } from './preference.js';
export type { MakeDirectionOptions, ParsedPreference, ParsePreferenceOptions, PreferenceRules } from './preference.js';
export { buildNeighbourhood, gridNeighbourhood, RPS_GRID } from './neighbourhood.js';
export type { NeighbourhoodOptions } from './neighbourhood.js';
export { sampleSphericalCap } from './spherical-cap.js';
export type { SphericalCapOptions } from './spherical-cap.js';
export { applyDirective, defaultDirectiveTemplate, roundHalfEven } from './directive.js';
export { candidateParams } from './candidate-params.js';
export type { CandidateParamsOptions } from './candidate-params.js';
export { degenerateReason } from './degenerate.js';
export { rankCandidates, rankOrder, scoreCandidates, scoreResponses, sumUsage } from './rank.js';
export type { RankKey, RatedResponse } from './rank.js';
export { keepCount, PRUNE_BOUNDS, PRUNE_DEFAULTS, PRUNE_FAST, pruneRule, resolvePrune } from './prune-options.js';
export { PRUNE_FORECAST_DEFAULTS, PruneForecast } from './prune-forecast.js';
export type { PruneForecastOptions } from './prune-forecast.js';
export type { ResolvedPrune } from './prune-options.js';
export { generatePruned } from './prune-schedule.js';
export type { GeneratePrunedOptions, PrunedGeneration } from './prune-schedule.js';
export { approximateTokens, StreamedCandidate } from './stream-candidates.js';
export type { StreamState, TokenCounter } from './stream-candidates.js';
export { backoffMs, isRetryable, parseRetryAfter } from './upstream-runner.js';
export { createRandom } from './prng.js';
export type { Random } from './prng.js';
export { createOpenAICompatibleGenerator } from './generators/openai-compatible.js';
export type { OpenAICompatibleGeneratorOptions } from './generators/openai-compatible.js';
export type {
  CreateSelectorOptions,
  DirectiveTemplate,
  EarlyWinner,
  RetryPolicy,
  SelectCallOptions,
  Selector,
  SelectorDefaults,
  SelectorLimits,
  SelectRequest,
  UpstreamQueueState,
} from '../core/selector.js';
export { MIDDLEWARE_BOUNDS, MIDDLEWARE_DEFAULTS, preferenceSelection } from './hono.js';
export type { PreferenceSelectionOptions, PrefselVariables } from './hono.js';
export { preferenceResponses } from './responses.js';
export type { PreferenceResponsesOptions } from './responses.js';
export { errorBody, errorResponse, errorStatus } from './http/errors.js';
export { STRATEGIES } from '../core/types.js';
export { contentText } from '../core/openai.js';
export { REPORT_HEADERS, REQUEST_HEADERS } from './http/headers.js';
export type { ParsedChatRequest } from './http/parse-request.js';
export type { CandidateReportJson, DirectionReport, SelectionReport } from './http/report.js';
export {
  alignState,
  applyChoice,
  applyEdit,
  directionOf,
  informativePair,
  initialState,
  LEARNER_DEFAULTS,
  uncertaintyDeg,
} from './profiles/learner.js';
export type { ChoiceEvidence, EditEvidence, LearnerOptions } from './profiles/learner.js';
export { createMemoryProfileStore } from './profiles/memory-store.js';
export { createProfiles } from './profiles/service.js';
export type { FeedbackResult, ProfileLookup, Profiles, ProfilesOptions } from './profiles/service.js';
export {
  EDIT_CHARS,
  PROFILE_BOUNDS,
  PROFILE_DEFAULTS,
  profileSchemas,
  userIdSchema,
} from './profiles/feedback-schema.js';
export type { FeedbackBody } from './profiles/feedback-schema.js';
export { contextTenant, DEFAULT_TENANT, profileRoutes } from './profiles/routes.js';
export type { ProfileRoutesOptions } from './profiles/routes.js';
export { PROFILE_HEADERS } from './profiles/request.js';
export type { RequestProfileOptions } from './profiles/request.js';
export type { ProfileView } from './profiles/view.js';
export type * from '../core/profiles.js';
export { lazyProfileStore } from './profiles/lazy-store.js';
