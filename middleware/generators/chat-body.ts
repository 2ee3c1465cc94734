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
import { closingQuote } from '../http/json-depth.js';

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
const [QUOTE, COMMA_CODE, OPEN_OBJECT, OPEN_ARRAY, CLOSE_OBJECT, CLOSE_ARRAY] = [0x22, 0x2c, 0x7b, 0x5b, 0x7d, 0x5d];

const json = (value: unknown): string => (JSON.stringify(value) as string | undefined) ?? 'null';

/**
 * One `JSON.stringify` of the whole array (a native pass, several times faster than one call per message), then
 * one scan of its text for where each element starts: a comma between two elements is the only one outside
 * strings at the array's own level.
 */
function serialise(messages: readonly unknown[]): Serialised {
  const text = JSON.stringify(messages);
  const charStarts = elementStarts(text);
  const bytes = Buffer.from(text.slice(1, -1));
  // Offsets in bytes: the characters' own positions when the text is ASCII, else summed piece by piece.
  let starts = charStarts.map((c) => c - 1);
  if (bytes.length !== text.length - 2) {
    starts = [0];
    for (let i = 0; i + 1 < charStarts.length; i++)
      starts.push(starts[i]! + Buffer.byteLength(text.slice(charStarts[i], charStarts[i + 1])));
  }
  const position = new Map<object, number>();
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (typeof message === 'object' && message !== null && !position.has(message)) position.set(message, i);
  }
  return { messages, bytes, starts, position };
}

/** Where each element of a JSON array text starts, then `text.length` (one past the closing bracket). */
function elementStarts(text: string): number[] {
  const starts: number[] = [];
  if (text.length > 2) starts.push(1);
  let depth = 0;
  for (let i = 1; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = closingQuote(text, i);
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
    else if (c === COMMA_CODE && depth === 0) starts.push(i + 1);
  }
  starts.push(text.length);
  return starts;
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
