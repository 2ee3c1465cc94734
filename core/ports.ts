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
  /**
   * The same object for every call of one request (the k candidates of one `select()`), never shared with another
   * request. Within a request the messages do not change, so a generator may keep work on them under this key (the
   * default generator serialises the shared conversation once); without it, each call stands alone.
   */
  requestKey?: object;
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
  /**
   * True when the upstream writes only as fast as its stream is read (an in-process model). Absent or false for a
   * network upstream, which keeps generating, and billing, whether or not its stream is read: pruning then keeps
   * reading a candidate that waits at a decision point, so every token received up to the abort is counted.
   */
  readonly pacedByReader?: boolean;
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

/**
 * A conversation a scorer has measured before any candidate exists (see {@link Scorer.prepare}). Opaque beyond
 * `tokens`: pass it back to `score()` for the same conversation, and `release()` it when the request ends.
 */
export interface PreparedPrompt {
  /** The conversation's length in the scorer's own input tokens, before any truncation. */
  readonly tokens: number;
  /** Frees what the scorer keeps for this conversation. Idempotent; `score()` still works after it. */
  release(): void;
}

/** Options of {@link Scorer.score}. */
export interface ScoreOptions extends CallOptions {
  /** What `prepare()` returned for the conversation the inputs carry; a scorer may use it to skip that work. */
  prompt?: PreparedPrompt;
}

/** Rates candidates on named attributes. */
export interface Scorer {
  /** Attribute names, in the order of each score row. */
  readonly attributes: readonly string[];
  /** Describes the model and where it runs. */
  readonly info: ScorerInfo;
  /**
   * Optional. Measures (and may start encoding) the conversation before any candidate exists, so that the engine
   * can refuse one over its input-token budget before calling the upstream. A scorer without it is only held to
   * the engine's character bound. Throws `InvalidRequestError` (param `messages`) for a conversation the model's
   * format cannot express.
   */
  prepare?(messages: readonly ChatCompletionMessageParam[], options?: CallOptions): Promise<PreparedPrompt>;
  /** One row of attribute scores per input, in input order. Implementations batch internally. */
  score(inputs: readonly ScoreInput[], options?: ScoreOptions): Promise<number[][]>;
  /**
   * Tokens in a piece of response text, by the scorer's tokenizer (no special tokens). Pruning counts streamed
   * candidates with it when the upstream reports no running usage; meant for short pieces (one stream chunk).
   */
  countTokens?(text: string): number;
  /** Releases native resources. */
  close?(): Promise<void>;
}
