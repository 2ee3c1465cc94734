/**
 * @module errors
 * One error family for the whole project. Every error knows its HTTP status, its OpenAI `type`, a stable `code`
 * and (for bad input) the offending field in `param`, so the server has exactly one serializer and the official
 * OpenAI SDKs parse our bodies into `APIError.status/.code/.param/.type`.
 */

/** The OpenAI error body: `{ error: { message, type, param, code } }`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Options shared by every {@link PrefselError}. */
export interface PrefselErrorOptions {
  /** The request field at fault, as a dotted path (`messages.0.content`, `preference.weights.speed`). */
  param?: string | null;
  /** The underlying error, kept for logs; never sent to clients. */
  cause?: unknown;
  /** Extra response headers (for example `Retry-After`). */
  headers?: Record<string, string>;
}

/** Base class: never thrown directly. */
export abstract class PrefselError extends Error {
  abstract readonly status: number;
  abstract readonly type: string;
  readonly code: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(message: string, code: string, options: PrefselErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  /** The OpenAI-shaped body. Only `message`, which we write ourselves, reaches the client. */
  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** A ready `Response`; Hono's default error handler uses it when present. */
  getResponse(): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { 'content-type': 'application/json', ...this.headers },
    });
  }
}

/** 400: the request is malformed; `param` names the field. */
export class InvalidRequestError extends PrefselError {
  readonly status = 400;
  readonly type = 'invalid_request_error';
  constructor(message: string, options: PrefselErrorOptions & { code?: string } = {}) {
    super(message, options.code ?? 'invalid_request', options);
  }
}

/** 401: missing or wrong client API key. */
export class AuthenticationError extends PrefselError {
  readonly status = 401;
  readonly type = 'authentication_error';
  constructor(message = 'Invalid or missing API key. Send it as "Authorization: Bearer <key>".') {
    super(message, 'invalid_api_key');
  }
}

/** 404: unknown route or model. */
export class NotFoundError extends PrefselError {
  readonly status = 404;
  readonly type = 'invalid_request_error';
  constructor(message: string, options: PrefselErrorOptions & { code?: string } = {}) {
    super(message, options.code ?? 'not_found', options);
  }
}

/** 409: the request conflicts with an earlier one (a feedback id reused for a different feedback). */
export class ConflictError extends PrefselError {
  readonly status = 409;
  readonly type = 'invalid_request_error';
  constructor(message: string, options: PrefselErrorOptions & { code?: string } = {}) {
    super(message, options.code ?? 'conflict', options);
  }
}

/** 410: the thing referred to existed but is no longer kept (an expired response). */
export class GoneError extends PrefselError {
  readonly status = 410;
  readonly type = 'invalid_request_error';
  constructor(message: string, options: PrefselErrorOptions & { code?: string } = {}) {
    super(message, options.code ?? 'gone', options);
  }
}

/** 503: a storage backend (the profile store) did not answer in time or failed. Carries `Retry-After`. */
export class StoreUnavailableError extends PrefselError {
  readonly status = 503;
  readonly type = 'server_error';
  constructor(message: string, options: PrefselErrorOptions = {}) {
    super(message, 'store_unavailable', { ...options, headers: { 'retry-after': '1', ...options.headers } });
  }
}

/** 413: the request body exceeds the configured limit. */
export class PayloadTooLargeError extends PrefselError {
  readonly status = 413;
  readonly type = 'invalid_request_error';
  constructor(limitBytes: number) {
    super(`Request body exceeds the limit of ${limitBytes} bytes.`, 'payload_too_large');
  }
}

/** 429: a bounded queue is full. Carries `Retry-After`. */
export class OverloadedError extends PrefselError {
  readonly status = 429;
  readonly type = 'rate_limit_error';
  readonly retryAfterSeconds: number;
  constructor(what: string, retryAfterSeconds = 1) {
    super(`${what} is overloaded; retry after ${retryAfterSeconds}s.`, 'overloaded', {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * 502 (or the upstream's own 4xx/429 passed through): the upstream model failed. The message always says that
 * the upstream, not prefsel, failed, and carries the upstream's status and message.
 */
export class UpstreamError extends PrefselError {
  readonly status: number;
  readonly type: string;
  /** The HTTP status the upstream answered with, or null for a network failure. */
  readonly upstreamStatus: number | null;
  constructor(message: string, upstreamStatus: number | null, options: PrefselErrorOptions = {}) {
    super(message, upstreamStatus === null ? 'upstream_unreachable' : 'upstream_error', options);
    this.upstreamStatus = upstreamStatus;
    // A client error the upstream reported (bad model, 429) is the client's to see; everything else is a bad gateway.
    const passThrough = upstreamStatus !== null && upstreamStatus >= 400 && upstreamStatus < 500;
    this.status = passThrough ? upstreamStatus : 502;
    this.type = upstreamStatus === 429 ? 'rate_limit_error' : passThrough ? 'invalid_request_error' : 'upstream_error';
  }
}

/** 504: the upstream went silent: no answer, or no stream chunk, within the time allowed. */
export class UpstreamTimeoutError extends PrefselError {
  readonly status = 504;
  readonly type = 'timeout_error';
  constructor(message: string, options: PrefselErrorOptions = {}) {
    super(message, 'upstream_timeout', options);
  }
}

/** 504: the request's overall deadline passed. */
export class DeadlineExceededError extends PrefselError {
  readonly status = 504;
  readonly type = 'timeout_error';
  constructor(deadlineMs: number) {
    super(`The request did not finish within its deadline of ${deadlineMs} ms.`, 'deadline_exceeded');
  }
}

/** 500/503: the reward model failed or is not loaded. */
export class ScorerError extends PrefselError {
  readonly status: number;
  readonly type = 'server_error';
  constructor(message: string, options: PrefselErrorOptions & { unavailable?: boolean } = {}) {
    super(message, options.unavailable ? 'scorer_unavailable' : 'scorer_error', options);
    this.status = options.unavailable ? 503 : 500;
  }
}

/** A model directory or configuration that cannot be loaded; thrown at start-up, names the file and what was expected. */
export class ModelLoadError extends PrefselError {
  readonly status = 500;
  readonly type = 'server_error';
  readonly file: string;
  constructor(file: string, message: string, options: PrefselErrorOptions = {}) {
    super(`${file}: ${message}`, 'model_load_error', options);
    this.file = file;
  }
}

/** The client went away; logged, never sent. */
export class ClientClosedError extends PrefselError {
  readonly status = 499;
  readonly type = 'client_closed';
  constructor() {
    super('The client closed the request.', 'client_closed');
  }
}

/** True for the errors that AbortSignal-aware APIs throw when aborted. */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
