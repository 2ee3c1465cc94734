/**
 * @module upstream-sim
 * A simulated OpenAI-compatible upstream that follows preference directives: for tests, the offline demo and the
 * benchmarks. Start it with {@link startSimulatedUpstream}.
 */
export { startSimulatedUpstream } from './server.js';
export { startSimulatedUpstreamThread } from './thread.js';
export type { SimulatedUpstreamThread } from './thread.js';
export type { RecordedRequest, SimulatedUpstream, SimulatedUpstreamOptions, SimulatedUpstreamStats } from './server.js';
export { parseFaultHeader } from './faults.js';
export type { SimFault } from './faults.js';
export { CHAOS_KINDS } from './chaos.js';
export type { ChaosKind, ChaosOptions } from './chaos.js';
export { BREAKS } from './broken.js';
export type { Break } from './broken.js';
export { competenceAt, generateReply, OPENING_SHARE, prefixTruth } from './text-model.js';
export type { Coverage, Reply, ReplyOptions, TrueAttributes } from './text-model.js';
export { completionChunks } from './respond.js';
export type { ChunkOptions, StreamPiece } from './respond.js';
export { countTokens } from './tokens.js';
export { replyToRequest, usageFor } from './completion.js';
export type { ReplyModel } from './completion.js';
export { contentWords, readDirectiveWeights, userQuestion } from './directive-reader.js';
