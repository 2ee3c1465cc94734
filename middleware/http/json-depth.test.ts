import fc from 'fast-check';
import { jsonTooDeep } from './json-depth.js';

/** Reference depth of a parsed value (recursive: only for the small values generated here). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

/** The first implementation, one character at a time: the reference the jumping scan must agree with. */
function stepwise(text: string, maxDepth: number): { key: string | null } | null {
  let depth = 0;
  let inString = false;
  let [stringStart, keyStart, keyEnd] = [-1, -1, -1];
  let topIsObject = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') {
        inString = false;
        if (depth === 1) [keyStart, keyEnd] = [stringStart, i + 1];
      }
    } else if (c === '"') [inString, stringStart] = [true, i];
    else if (c === '{' || c === '[') {
      if (depth === 0) topIsObject = c === '{';
      if (++depth > maxDepth) {
        if (!topIsObject || keyStart < 0) return { key: null };
        try {
          const key: unknown = JSON.parse(text.slice(keyStart, keyEnd));
          return { key: typeof key === 'string' ? key : null };
        } catch {
          return { key: null };
        }
      }
    } else if (c === '}' || c === ']') depth--;
  }
  return null;
}

describe('jsonTooDeep', () => {
  it('finds the top-level key under which a text nests too deep', () => {
    expect(jsonTooDeep('{"a":[[[1]]]}', 2)).toEqual({ key: 'a' });
    expect(jsonTooDeep('{"a":1,"b":{"c":{}}}', 2)).toEqual({ key: 'b' });
    expect(jsonTooDeep(' {"k\\"ey":[[]]}', 2)).toEqual({ key: 'k"ey' });
    expect(jsonTooDeep('[[[]]]', 2)).toEqual({ key: null });
    expect(jsonTooDeep('{"a":[[1]]}', 3)).toBeNull();
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTooDeep('{"a":"[[[[{{{{\\"[[[["}', 1)).toBeNull();
    expect(jsonTooDeep(JSON.stringify({ a: '\\', b: [[1]] }), 2)).toEqual({ key: 'b' });
  });

  it('handles a million levels without recursion', () => {
    const n = 1_000_000;
    expect(jsonTooDeep(`{"x":${'['.repeat(n)}${']'.repeat(n)}}`)).toEqual({ key: 'x' });
  });

  it('agrees with the depth of the parsed value on any JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(jsonTooDeep(text, limit) !== null).toBe(depthOf(value) > limit);
      }),
    );
  });

  it('agrees with a character-by-character scan on any text, malformed and escape-heavy included', () => {
    const text = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ':', ',') });
    fc.assert(
      fc.property(text, fc.integer({ min: 0, max: 6 }), (t, limit) => {
        expect(jsonTooDeep(t, limit)).toEqual(stepwise(t, limit));
      }),
      { numRuns: 2000 },
    );
  });
});
