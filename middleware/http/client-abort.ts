/**
 * @module http/client-abort
 * One abort controller per request: the client disconnecting (or a cancelled stream) aborts every upstream call
 * the request started, and the resulting abort errors are reported as the client leaving, not as failures.
 */
import { ClientClosedError, isAbortError } from '../../core/errors.js';

/** The request's controller and the error translation that goes with it. */
export interface RequestAbort {
  /** Aborted when the client goes away; pass `abort.signal` to the engine and generators. */
  abort: AbortController;
  /** An abort error caused by the client becomes `ClientClosedError`; anything else is returned unchanged. */
  asClientError(err: unknown): unknown;
}

/** Links a new controller to the incoming request's signal. */
export function requestAbort(clientSignal: AbortSignal): RequestAbort {
  const abort = new AbortController();
  const onClientAbort = () => abort.abort(clientSignal.reason);
  if (clientSignal.aborted) onClientAbort();
  else clientSignal.addEventListener('abort', onClientAbort, { once: true });
  return {
    abort,
    asClientError: (err) => (isAbortError(err) && abort.signal.aborted ? new ClientClosedError() : err),
  };
}
