/**
 * @module generators/chat-body
 * The JSON body of one upstream chat call, serialised so that the k candidate calls of one request pay for their
 * shared conversation once. The candidates' `messages` arrays are copies holding the same message objects (only
 * the message carrying the directive differs, see `applyDirective`), so each message's JSON is kept per request
 * (under the call's `requestKey`, keyed by the message object) and every body is a concatenation of those bytes:
 * one `JSON.stringify` of the conversation per request instead of one per candidate, and no megabyte string for
 * `fetch` to re-encode. Only calls of the same request share entries: a caller may change its message objects
 * between two requests, never during one. The entries go with the request's key.
 *
 * The bytes are exactly what `JSON.stringify` of the whole body gives (object members in the same order, `null`
 * for a hole or an unserialisable array element), so the upstream cannot tell the difference.
 */

/** Per request key: each message object's JSON bytes. */
const byRequest = new WeakMap<object, WeakMap<object, Buffer>>();
const COMMA = Buffer.from(',');

/** One message's JSON as bytes, from `cache` when a sibling candidate already serialised the same object. */
function messageBytes(message: unknown, cache: WeakMap<object, Buffer> | undefined): Buffer {
  if (cache === undefined || typeof message !== 'object' || message === null)
    return Buffer.from(JSON.stringify(message) ?? 'null');
  let bytes = cache.get(message);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(message) ?? 'null');
    cache.set(message, bytes);
  }
  return bytes;
}

function cacheFor(requestKey: object | undefined): WeakMap<object, Buffer> | undefined {
  if (requestKey === undefined) return undefined;
  let cache = byRequest.get(requestKey);
  if (cache === undefined) byRequest.set(requestKey, (cache = new WeakMap()));
  return cache;
}

/**
 * Serialises a chat-completions body as `JSON.stringify(body)` would, reusing each message's JSON across calls.
 * @param body the upstream body, already built from the allow-list; its members are written in their order.
 * @param requestKey the call's `requestKey`: calls with the same key share their messages' JSON; none, none shared.
 * @returns a `Blob` of type `application/json` (so `fetch` sends that `Content-Type` and a `Content-Length`).
 * @example await new Response(chatBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).text()
 * // '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
 */
export function chatBody(body: Readonly<Record<string, unknown>>, requestKey?: object): Blob {
  const cache = cacheFor(requestKey);
  const parts: Buffer[] = [];
  let first = true;
  let pending = '{';
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (key === 'messages' && Array.isArray(value)) {
      parts.push(Buffer.from(`${pending}${first ? '' : ','}${JSON.stringify(key)}:[`));
      // An index loop, not forEach: a hole is written as null, as JSON.stringify does.
      for (let i = 0; i < value.length; i++) {
        if (i > 0) parts.push(COMMA);
        parts.push(messageBytes(value[i], cache));
      }
      pending = ']';
      first = false;
      continue;
    }
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) continue; // JSON.stringify leaves out undefined, functions and symbols
    pending += `${first ? '' : ','}${JSON.stringify(key)}:${json}`;
    first = false;
  }
  parts.push(Buffer.from(`${pending}}`));
  return new Blob([Buffer.concat(parts)], { type: 'application/json' });
}
