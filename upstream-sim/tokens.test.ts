import fc from 'fast-check';
import { hash } from './latent.js';
import { countTokens } from './tokens.js';

/** The definition: the number of matches of the documented pattern. */
const byRegex = (text: string) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;

describe('countTokens', () => {
  it('counts exactly the matches of its pattern', () => {
    const cases = [
      '',
      'Hello, world!',
      '  tabs\tand\nnewlines\r\n',
      'é à ü ß 東京 ٣٤ १२',
      'NBSP\u00a0and\u2028line\u3000ideographic\ufeffBOM',
      'emoji 😀👍🏽 and 𝒳 (astral letter)',
      'lone \ud800 high and \udc00 low surrogates',
      'control \u0000\u0007\u001f\u007f chars',
    ];
    for (const text of cases) expect(countTokens(text)).toBe(byRegex(text));
  });

  it('agrees with the pattern on any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (text) => {
        expect(countTokens(text)).toBe(byRegex(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('hash', () => {
  it('continues a hash: hash(b, hash(a)) is hash(a + b)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(hash(b, hash(a))).toBe(hash(a + b));
      }),
    );
    expect(hash('')).toBe(0x811c9dc5);
  });
});
