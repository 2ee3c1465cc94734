/**
 * @module soak-client
 * The client side of the soak bench: a mix of request kinds (selection and pass-through, JSON and streaming), some
 * abandoned early on purpose, and one verdict per request. A verdict says what the client actually got: a complete
 * answer, an error status, a stream that ended with an error event, a hang (no answer within the client's own
 * timeout), or the one outcome that must never happen: a stream that ends without `[DONE]` and without an error,
 * which a client would take for a complete answer.
 */

/** One kind of request the soak sends. */
export interface RequestKind {
  name: string;
  /** Relative frequency. */
  weight: number;
  stream: boolean;
  /** `none:` pass-through when false. */
  selecting: boolean;
}

/** The mix: selection dominates (it is what prefsel adds), pass-through streams exercise the idle timeout. */
export const REQUEST_KINDS: readonly RequestKind[] = [
  { name: 'json rps', weight: 4, stream: false, selecting: true },
  { name: 'stream rps', weight: 2, stream: true, selecting: true },
  { name: 'json none', weight: 2, stream: false, selecting: false },
  { name: 'stream none', weight: 2, stream: true, selecting: false },
];

/** What one request came to. */
export interface Verdict {
  kind: string;
  /** `ok`, `stream error event`, `<status> <code>`, `client disconnect`, `hang`, `connection error`, `truncated as complete`, `bad 200`. */
  outcome: string;
  /** Send to last byte (or to the abort); ms. */
  ms: number;
}

/** Options of {@link sendOne}. */
export interface SendOptions {
  url: string;
  kind: RequestKind;
  k: number;
  prompt: string;
  seed: number;
  /** Abandon the request after this long (an early client disconnect); undefined: wait for the answer. */
  disconnectAfterMs?: number;
  /** A request still unanswered after this long is a hang. */
  clientTimeoutMs: number;
}

/** Sends one request and judges what came back. Never throws. */
export async function sendOne(options: SendOptions): Promise<Verdict> {
  const { kind } = options;
  const started = performance.now();
  const verdict = (outcome: string): Verdict => ({ kind: kind.name, outcome, ms: performance.now() - started });
  const controller = new AbortController();
  let cause: 'disconnect' | 'hang' | undefined;
  const timers = [
    setTimeout(() => {
      cause = 'hang';
      controller.abort();
    }, options.clientTimeoutMs),
  ];
  if (options.disconnectAfterMs !== undefined) {
    timers.push(
      setTimeout(() => {
        cause ??= 'disconnect';
        controller.abort();
      }, options.disconnectAfterMs),
    );
  }
  try {
    const res = await fetch(options.url, {
      method: 'POST',
      signal: controller.signal,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: kind.selecting ? 'prefsel-sim' : 'none:prefsel-sim',
        messages: [{ role: 'user', content: options.prompt }],
        seed: options.seed,
        max_tokens: 48,
        stream: kind.stream,
        ...(kind.selecting ? { selection: { k: options.k } } : {}),
      }),
    });
    const text = await res.text();
    if (res.status !== 200) return verdict(`${res.status} ${/"code":"([^"]+)"/.exec(text)?.[1] ?? ''}`.trim());
    if (!kind.stream) return verdict(text.includes('"choices"') ? 'ok' : 'bad 200');
    return verdict(judgeStream(text));
  } catch {
    return verdict(cause === 'disconnect' ? 'client disconnect' : cause === 'hang' ? 'hang' : 'connection error');
  } finally {
    for (const timer of timers) clearTimeout(timer);
  }
}

/** A complete SSE body ends with `[DONE]`; a failed one with an error event; anything else looks complete and is not. */
export function judgeStream(text: string): string {
  const events = text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6));
  const last = events.at(-1);
  if (last === '[DONE]') return events.some((e) => e.startsWith('{"error"')) ? 'error then [DONE]' : 'ok';
  if (last?.startsWith('{"error"')) return 'stream error event';
  return 'truncated as complete';
}

/** Picks a kind by weight from a uniform draw in [0, 1). */
export function pickKind(u: number): RequestKind {
  const total = REQUEST_KINDS.reduce((sum, k) => sum + k.weight, 0);
  let left = u * total;
  for (const kind of REQUEST_KINDS) {
    left -= kind.weight;
    if (left < 0) return kind;
  }
  return REQUEST_KINDS.at(-1)!;
}
