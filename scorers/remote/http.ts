/**
 * @module remote/http
 * One HTTP exchange with a scoring server, with failures sorted the way the endpoint pool needs them: a 4xx the
 * server gives our request is a {@link RequestRejected} (retrying elsewhere cannot help); a refused connection is an
 * {@link EndpointUnreachable} (nothing listens there); anything else (reset, 5xx, 408, 429) is a plain `Error`, a
 * fault of that endpoint. Messages carry the server's own error text,
 * never the URL, so they can reach a client.
 */
import { EndpointUnreachable, RequestRejected } from './endpoint-pool.js';

/** A finished exchange with a 2xx status. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal: AbortSignal;
}

/** Errors of a reused socket the server had already closed. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** Largest answer read (a scoring answer is k rows of a few floats; anything near this is a wrong server). */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * Sends one request and reads the whole answer.
 * @throws RequestRejected for a 4xx other than 408 and 429; EndpointUnreachable for a refused connection; `Error` for
 *   everything else that is not a 2xx.
 */
export async function exchange(url: string, options: ExchangeOptions): Promise<HttpAnswer> {
  const send = () =>
    fetch(url, {
      method: options.method ?? 'GET',
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body === undefined ? {} : { body: options.body as BodyInit }),
      signal: options.signal,
    });
  let res: Response;
  try {
    res = await send().catch((err: unknown) => {
      // A kept-alive socket the server closed while we were busy fails with a reset before any answer; every call
      // here is idempotent, so one immediate retry on a fresh socket is safe (a dead server then refuses at once).
      if (options.signal.aborted || !STALE_SOCKET.has(networkCode(err))) throw err;
      return send();
    });
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason;
    const code = networkCode(err);
    // Nothing listens there (a dead or stopped server): certain, and learnt at no cost, unlike a timeout or a reset.
    if (code === 'ECONNREFUSED') throw new EndpointUnreachable(`connection failed (${code})`, { cause: err });
    throw new Error(`connection failed (${code})`, { cause: err });
  }
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_ANSWER_BYTES) {
    await res.body?.cancel();
    throw new Error(`answer of ${length} bytes exceeds ${MAX_ANSWER_BYTES}`);
  }
  let body: Uint8Array;
  try {
    body = new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason;
    throw new Error(`the answer broke off (${networkCode(err)})`, { cause: err });
  }
  if (res.ok) return { status: res.status, headers: res.headers, body };
  const text = `HTTP ${res.status}: ${errorText(body)}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
    throw new RequestRejected(text);
  throw new Error(text);
}

/** Parses a JSON answer. @throws Error (an endpoint fault) when it is not JSON. */
export function jsonOf(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(answer.body));
  } catch {
    throw new Error(`expected a JSON answer, got ${answer.body.byteLength} bytes of something else`);
  }
}

/** A network error's code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`…) without the address it names. */
function networkCode(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return err instanceof Error ? err.name : 'unknown';
}

/** The error text of the servers we speak to: `{error}` (v2, TEI), `{error:{message}}`, `{message}`, `{detail}`. */
function errorText(body: Uint8Array): string {
  const raw = new TextDecoder().decode(body.subarray(0, 4096));
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const e = v.error;
    const text =
      typeof e === 'string'
        ? e
        : typeof (e as { message?: unknown })?.message === 'string'
          ? (e as { message: string }).message
          : typeof v.message === 'string'
            ? v.message
            : typeof v.detail === 'string'
              ? v.detail
              : JSON.stringify(v.detail ?? v);
    return text.slice(0, 300);
  } catch {
    return raw.trim().slice(0, 300) || '(empty body)';
  }
}
