import fc from 'fast-check';
import { jsonTooDeep } from './json-depth.js';

/** Reference depth of a parsed value (recursive: only for the small values generated here). */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
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
});
