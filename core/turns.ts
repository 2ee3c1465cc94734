/**
 * @module turns
 * Work that grows with a request's size takes turns with the rest of the server. When several large requests
 * complete in the same poll of the event loop, their handlers would otherwise run back to back (parse, validate,
 * serialise for each) before the loop looks at its sockets again, and a `/healthz` that arrived meanwhile waits for
 * the sum. {@link takeTurn} queues its caller and lets one waiter go per turn of the event loop (one `setImmediate`
 * each), so sockets are polled between two units of work: the longest wait is one unit, not all of them. It adds
 * no work; an idle server pays one loop turn per unit.
 */

const waiting: Array<() => void> = [];
let scheduled = false;

function release(): void {
  scheduled = false;
  waiting.shift()?.();
  if (waiting.length > 0) schedule();
}

function schedule(): void {
  scheduled = true;
  setImmediate(release);
}

/**
 * Resolves on a later turn of the event loop, after every caller queued before; one caller per turn.
 * @example await takeTurn(); const value = JSON.parse(largeText);
 */
export function takeTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) schedule();
  });
}
