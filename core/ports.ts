/**
 * @module ports
 * The two interfaces the engine needs from the outside world. `middleware/` depends only on these; concrete
 * generators and scorers implement them, and only the server's composition root names a concrete one.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
  Model,
} from './openai.js';

/** Per-call options shared by every async port. */
export interface CallOptions {
  /** Cancels the call; implementations must stop network and compute work promptly. */
  signal?: AbortSignal;
}

/** Produces one candidate completion for one request body. */
export interface Generator {
  /** A short name for logs and reports (`openai-compatible`, `simulated`). */
  readonly name: string;
  /**
   * One non-streaming chat completion. The body is final: directive already applied, client parameters kept.
   * Throws `UpstreamError` (status and message of the upstream) or an `AbortError`.
   */
  complete(params: ChatCompletionCreateParams, options?: CallOptions): Promise<ChatCompletion>;
  /**
   * Streams one completion chunk by chunk (pass-through with strategy `none`, and candidates when pruning). Must stop
   * the upstream's work when the signal aborts or the consumer stops iterating.
   */
  stream?(params: ChatCompletionCreateParams, options?: CallOptions): AsyncIterable<ChatCompletionChunk>;
  /** The upstream's models, for `GET /v1/models`. */
  listModels?(options?: CallOptions): Promise<Model[]>;
}

/** What the scorer rates: a conversation and one candidate response to it. */
export interface ScoreInput {
  /** The conversation as the client sent it (no directive). */
  messages: readonly ChatCompletionMessageParam[];
  /** The candidate's text. */
  response: string;
}

/** Facts about a scorer, reported on health endpoints and metrics. */
export interface ScorerInfo {
  /** Model name or path. */
  model: string;
  /** The execution provider actually in use (`cpu`, `cuda`, `js`). */
  executionProvider: string;
}

/** Rates candidates on named attributes. */
export interface Scorer {
  /** Attribute names, in the order of each score row. */
  readonly attributes: readonly string[];
  /** Describes the model and where it runs. */
  readonly info: ScorerInfo;
  /** One row of attribute scores per input, in input order. Implementations batch internally. */
  score(inputs: readonly ScoreInput[], options?: CallOptions): Promise<number[][]>;
  /**
   * Tokens in a piece of response text, by the scorer's tokenizer (no special tokens). Pruning counts streamed
   * candidates with it when the upstream reports no running usage; meant for short pieces (one stream chunk).
   */
  countTokens?(text: string): number;
  /** Releases native resources. */
  close?(): Promise<void>;
}
