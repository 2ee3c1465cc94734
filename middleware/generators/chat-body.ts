/**
 * @module generators/chat-body
 * The JSON body of one upstream chat call, serialised so that the k candidate calls of one request pay for their
 * shared conversation once. The candidates' `messages` arrays are copies holding the same message objects (only
 * the message carrying the directive differs, see `applyDirective`). The first call under a request's key
 * serialises its messages into one buffer and remembers where each message's bytes start; every later call of the
 * request copies the runs of messages it shares with that first call as slices of that buffer, and serialises
 * only the messages it does not share (its directive). One `JSON.stringify` of the conversation per request
 * instead of one per candidate, and bytes that `fetch` sends as they are instead of a string it re-encodes.
 *
 * Only calls of the same request share work: a caller may change its message objects between two requests, never
 * during one. The bytes are exactly what `JSON.stringify` of the whole body gives (members in the same order,
 * `null` for a hole or an unserialisable array element), so the upstream cannot tell the difference.
 */

/** The messages of the first call of a request, serialised. */
interface Serialised {
  readonly messages: readonly unknown[];
  /** The messages' JSON joined with commas. */
  readonly bytes: Buffer;
  /** Where message i starts in `bytes`; `starts[n]` is `bytes.length + 1` (just past a final comma). */
  readonly starts: readonly number[];
  /** Position of each message object (the first, when an object occurs twice). */
  readonly position: ReadonlyMap<object, number>;
}

const byRequest = new WeakMap<object, Serialised>();
const COMMA = Buffer.from(',');

const json = (value: unknown): string => (JSON.stringify(value) as string | undefined) ?? 'null';

function serialise(messages: readonly unknown[]): Serialised {
  const texts: string[] = [];
  const starts: number[] = [];
  const position = new Map<object, number>();
  let at = 0;
  // An index loop, not map: a hole is written as null, as JSON.stringify does.
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    const text = json(message);
    texts.push(text);
    starts.push(at);
    at += Buffer.byteLength(text) + 1;
    if (typeof message === 'object' && message !== null && !position.has(message)) position.set(message, i);
  }
  starts.push(at);
  return { messages, bytes: Buffer.from(texts.join(',')), starts, position };
}

/** The messages' JSON (without brackets) as parts, reusing `base` for every run of messages it shares. */
function messageParts(messages: readonly unknown[], base: Serialised): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < messages.length;) {
    if (i > 0) parts.push(COMMA);
    const message = messages[i];
    const k = typeof message === 'object' && message !== null ? base.position.get(message) : undefined;
    if (k === undefined) {
      parts.push(Buffer.from(json(message)));
      i++;
      continue;
    }
    let end = k + 1;
    for (i++; i < messages.length && end < base.messages.length && messages[i] === base.messages[end]; i++) end++;
    parts.push(base.bytes.subarray(base.starts[k]!, base.starts[end]! - 1));
  }
  return parts;
}

/**
 * Serialises a chat-completions body as `JSON.stringify(body)` would, sharing the messages' JSON between the calls
 * of one request.
 * @param body the upstream body, already built from the allow-list; its members are written in their order.
 * @param requestKey the call's `requestKey`: calls with the same key share their messages' JSON; none, none shared.
 * @returns the UTF-8 bytes of the JSON text.
 * @example new TextDecoder().decode(chatBody({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }))
 * // '{"model":"m","messages":[{"role":"user","content":"hi"}]}'
 */
export function chatBody(body: Readonly<Record<string, unknown>>, requestKey?: object): Buffer {
  const parts: Buffer[] = [];
  let first = true;
  let pending = '{';
  for (const key of Object.keys(body)) {
    const value = body[key];
    const member = `${first ? '' : ','}${JSON.stringify(key)}:`;
    if (key === 'messages' && Array.isArray(value)) {
      parts.push(Buffer.from(`${pending}${member}[`));
      const base = requestKey === undefined ? undefined : byRequest.get(requestKey);
      if (base === undefined) {
        const own = serialise(value);
        if (requestKey !== undefined) byRequest.set(requestKey, own);
        parts.push(own.bytes);
      } else parts.push(...messageParts(value, base));
      pending = ']';
      first = false;
      continue;
    }
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) continue; // JSON.stringify leaves out undefined, functions and symbols
    pending += `${member}${text}`;
    first = false;
  }
  parts.push(Buffer.from(`${pending}}`));
  return Buffer.concat(parts);
}
