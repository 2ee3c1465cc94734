/**
 * @module stream-candidates
 * One candidate generated as a stream (`stream: true` upstream), for progressive pruning. It keeps the partial text
 * and its own count of completion tokens (the upstream's running usage when a chunk carries one, as vLLM's
 * `continuous_usage_stats` does, else the scorer's tokenizer over each piece), and it stops at *gates*: when its
 * count reaches the decision point the pruner set, it records the text at that point and waits until the pruner
 * releases it (read on) or cuts it (its upstream stream is aborted at once); the decision sees every candidate at the
 * same length. While it waits it keeps reading (`readAhead`, the default for a network upstream, which generates and
 * bills whether or not it is read), so every token received up to the abort is counted and a kept candidate loses no
 * time; an in-process upstream that writes only when read (`Generator.pacedByReader`) is not read while it waits.
 *
 * Failures: an upstream error before the first chunk is retried like any candidate call (429/5xx); once text has
 * arrived, an error or a stream that sends nothing for `stallMs` drops the candidate (never retried: the text would
 * restart). Every wait is bounded: the stall timer mid-stream, the per-candidate timeout and the request deadline
 * before it.
 */
import { UpstreamError } from '../core/errors.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  CompletionUsage,
  FinishReason,
} from '../core/openai.js';
import type { Generator } from '../core/ports.js';
import type { Direction } from '../core/types.js';
import type { UpstreamRunner } from './upstream-runner.js';

/** Where a streamed candidate is. */
export type StreamState = 'queued' | 'streaming' | 'waiting' | 'finished' | 'failed' | 'cut';

/** Counts tokens in a piece of text. */
export type TokenCounter = (text: string) => number;

const WORDISH = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
/** Fallback when the scorer has no tokenizer: one token per run of letters/digits and per other symbol. */
export const approximateTokens: TokenCounter = (text) => text.match(WORDISH)?.length ?? 0;

/** A piece of the candidate's text, or its end (`null`), or its failure, for a live subscriber. */
type Listener = (piece: string | null, error?: unknown) => void;

/** One streamed candidate; the pruner reads its fields and drives its gates. */
export class StreamedCandidate {
  state: StreamState = 'queued';
  text = '';
  /** Completion tokens so far (see the module doc for how they are counted). */
  tokens = 0;
  /** The upstream's latest usage report (running or final); undefined when it sent none. */
  usage: CompletionUsage | undefined;
  finishReason: FinishReason | null = null;
  /** The text and count when the current gate was reached. */
  atGate: { text: string; tokens: number } | undefined;
  error: unknown;
  /** ms from dispatch to settle. */
  latencyMs = 0;
  /** Aborts this candidate's upstream call wherever it is (queued, streaming, waiting). */
  readonly controller = new AbortController();
  private gate = Number.POSITIVE_INFINITY;
  /** Text length at each token count reached, so a gate the candidate has read past still snapshots the right text. */
  private readonly marks: Array<{ tokens: number; length: number }> = [];
  private release: ((go: boolean) => void) | undefined;
  private meta: Pick<ChatCompletion, 'id' | 'created' | 'model' | 'system_fingerprint'> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly index: number,
    readonly direction: Direction | null,
    private readonly onChange: () => void,
  ) {}

  /**
   * Stop at `tokens` next (Infinity: run to the end); releases the candidate if it is waiting, unless (reading ahead)
   * it has already reached the new gate, where it waits again with the text at that point.
   */
  setGate(tokens: number): void {
    this.gate = tokens;
    if (this.state === 'waiting' && this.release === undefined && this.tokens >= tokens) {
      this.atGate = this.snapshot(tokens);
      this.onChange();
      return;
    }
    if (this.state === 'waiting') {
      this.state = 'streaming';
      this.atGate = undefined;
      const release = this.release;
      this.release = undefined;
      release?.(true);
    }
  }

  /** Cuts the candidate: its stream is aborted and it reads nothing more. */
  cut(): void {
    if (this.state === 'failed' || this.state === 'cut') return;
    const generating = this.state !== 'finished';
    this.state = 'cut';
    const release = this.release;
    this.release = undefined;
    release?.(false);
    if (generating) this.controller.abort(new DOMException('Candidate pruned.', 'AbortError'));
    this.emit(null, new UpstreamError('The candidate was pruned.', null));
  }

  /** Whether it is still producing text (queued, streaming or waiting at a gate). */
  get generating(): boolean {
    return this.state === 'queued' || this.state === 'streaming' || this.state === 'waiting';
  }

  /** Whether the candidate still competes (not failed, not cut). */
  get live(): boolean {
    return this.state !== 'failed' && this.state !== 'cut';
  }

  /** The finished answer as a chat completion (for the report and the response's fingerprint). */
  completion(): ChatCompletion {
    return {
      id: this.meta?.id ?? `chatcmpl-stream-${this.index}`,
      object: 'chat.completion',
      created: this.meta?.created ?? Math.floor(Date.now() / 1000),
      model: this.meta?.model ?? '',
      choices: [{ index: 0, message: { role: 'assistant', content: this.text }, finish_reason: this.finishReason }],
      ...(this.usage ? { usage: this.usage } : {}),
      ...(this.meta?.system_fingerprint == null ? {} : { system_fingerprint: this.meta.system_fingerprint }),
    };
  }

  /** The text so far, then every later piece; ends when the candidate finishes, throws when it fails or is cut. */
  async *content(): AsyncGenerator<string> {
    const queue: Array<{ piece: string | null; error?: unknown }> = [];
    let wake: (() => void) | undefined;
    const listener: Listener = (piece, error) => {
      queue.push({ piece, error });
      wake?.();
    };
    this.listeners.add(listener);
    try {
      if (this.text !== '') yield this.text;
      if (this.state === 'finished') return;
      if (!this.live) throw (this.error ?? new UpstreamError('The candidate was pruned.', null)) as Error;
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const { piece, error } = queue.shift()!;
        if (error !== undefined) throw error;
        if (piece === null) return;
        yield piece;
      }
    } finally {
      this.listeners.delete(listener);
    }
  }

  /** Starts a new attempt (a retry before any text) from scratch. */
  beginAttempt(): void {
    this.state = 'streaming';
    this.text = '';
    this.tokens = 0;
    this.usage = undefined;
    this.finishReason = null;
    this.marks.length = 0;
  }

  /** Applies one chunk; returns true when the candidate has reached its gate. */
  apply(chunk: ChatCompletionChunk, count: TokenCounter): boolean {
    this.meta ??= {
      id: chunk.id,
      created: chunk.created,
      model: chunk.model,
      ...(chunk.system_fingerprint == null ? {} : { system_fingerprint: chunk.system_fingerprint }),
    };
    const choice = chunk.choices?.[0];
    const piece = choice?.delta?.content ?? '';
    if (piece !== '') {
      this.text += piece;
      // The upstream's own count (running usage, or the final usage chunk) wins over ours, and saves the work.
      if (!chunk.usage) this.tokens += count(piece);
      this.emit(piece);
    }
    if (choice?.finish_reason) this.finishReason = choice.finish_reason;
    if (chunk.usage) {
      this.usage = chunk.usage;
      this.tokens = chunk.usage.completion_tokens;
    }
    if (this.marks.at(-1)?.tokens !== this.tokens) this.marks.push({ tokens: this.tokens, length: this.text.length });
    // A finished answer never waits: it competes with its full text.
    return this.state === 'streaming' && this.finishReason === null && this.tokens >= this.gate;
  }

  /**
   * Reading ahead: records the gate snapshot and tells the pruner, but the stream goes on being read (and counted);
   * the candidate stays `waiting` for the pruner until {@link setGate} or {@link cut}.
   */
  markGate(): void {
    this.state = 'waiting';
    this.atGate = this.snapshot(this.gate);
    this.onChange();
  }

  /** The text and count where the count first reached `tokens`; undefined when it never did. */
  prefixAt(tokens: number): { text: string; tokens: number } | undefined {
    const mark = this.marks.find((m) => m.tokens >= tokens);
    return mark && { text: this.text.slice(0, mark.length), tokens: mark.tokens };
  }

  /** The text and count where the count first reached `tokens` (the latest when it never did). */
  private snapshot(tokens: number): { text: string; tokens: number } {
    return this.prefixAt(tokens) ?? { text: this.text, tokens: this.tokens };
  }

  /** Records the gate snapshot and waits for the pruner; resolves true to read on, false when cut. */
  waitAtGate(): Promise<boolean> {
    this.state = 'waiting';
    this.atGate = { text: this.text, tokens: this.tokens };
    const waiting = new Promise<boolean>((resolve) => (this.release = resolve));
    this.onChange();
    return waiting;
  }

  /** Marks the end of the stream. */
  finish(): void {
    if (this.state === 'cut') return;
    this.state = 'finished';
    this.atGate = undefined;
    this.emit(null);
    this.onChange();
  }

  /** Marks a failure (unless it was cut, which is not a failure). */
  fail(error: unknown): void {
    if (this.state === 'cut') return;
    this.state = 'failed';
    this.error = error;
    this.emit(null, error);
    this.onChange();
  }

  private emit(piece: string | null, error?: unknown): void {
    for (const listener of this.listeners) listener(piece, error);
  }
}

/** Options of {@link runStreamedCandidate}. */
export interface RunStreamOptions {
  params: ChatCompletionCreateParams;
  generator: Generator & { stream: NonNullable<Generator['stream']> };
  runner: UpstreamRunner;
  count: TokenCounter;
  /** Mid-stream: drop the candidate when nothing arrives for this long. */
  stallMs: number;
  /** Keep reading while waiting at a gate (see the module doc); default true. */
  readAhead?: boolean;
  /** The same object for every candidate of the request (the generator's `requestKey`). */
  requestKey?: object;
}

/**
 * Generates one candidate as a stream through the runner (queue, timeout, retries before the first chunk) and
 * settles it: finished, failed or cut. Never throws; the request's own abort shows as a failure here and is
 * rethrown by the pruner.
 */
export async function runStreamedCandidate(candidate: StreamedCandidate, options: RunStreamOptions): Promise<void> {
  const started = performance.now();
  try {
    await options.runner.run((signal) => streamOnce(candidate, { ...options, signal }), {
      signal: candidate.controller.signal,
    });
    candidate.latencyMs = performance.now() - started;
    candidate.finish();
  } catch (err) {
    candidate.latencyMs = performance.now() - started;
    candidate.fail(err);
  }
}

async function streamOnce(candidate: StreamedCandidate, options: RunStreamOptions & { signal: AbortSignal }) {
  const { params, generator, count, stallMs, signal } = options;
  candidate.beginAttempt();
  // Our own controller: a stall must close the upstream connection even though the runner's signal did not fire.
  const local = new AbortController();
  const onAbort = () => local.abort(signal.reason);
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  let stalled: UpstreamError | undefined;
  let paused = true; // the stall timer only runs mid-stream and while reading
  const timer = setTimeout(function onStall() {
    if (paused) return;
    stalled = new UpstreamError(
      `The candidate's stream stalled: nothing arrived for ${stallMs} ms after ${candidate.tokens} tokens.`,
      null,
    );
    local.abort(stalled);
  }, stallMs);
  const iterator = generator
    .stream(params, { signal: local.signal, requestKey: options.requestKey })
    [Symbol.asyncIterator]();
  let started = false;
  try {
    for (;;) {
      if (started) {
        paused = false;
        timer.refresh();
      }
      const next = await iterator.next();
      paused = true;
      if (stalled) throw stalled;
      if (next.done) return;
      started = true;
      if (candidate.state === 'cut') return;
      if (!candidate.apply(next.value, count)) continue;
      if (options.readAhead !== false) candidate.markGate();
      else if (!(await candidate.waitAtGate())) return;
    }
  } catch (err) {
    if (stalled) throw stalled;
    if (!started || signal.aborted || candidate.state === 'cut') throw err;
    // Text already arrived: never retried (it would restart), so say so in the error.
    const why = err instanceof Error ? err.message : String(err);
    throw new UpstreamError(`The candidate's stream broke after ${candidate.tokens} tokens: ${why}`, null, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    local.abort();
    // Not awaited: a generator stuck in a read returns only once the abort above has reached it.
    void iterator.return?.().catch(() => undefined);
  }
}
