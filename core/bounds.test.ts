import { assertInBound, assertInteger, describeBound, inBound } from './bounds.js';

describe('bounds', () => {
  it('describes each kind of range in one wording', () => {
    expect(describeBound({ min: 1, max: 64, integer: true })).toBe('an integer in [1, 64]');
    expect(describeBound({ min: 0, max: 90, minExclusive: true })).toBe('a number in (0, 90]');
    expect(describeBound({ min: 0, max: 1, maxExclusive: true })).toBe('a number in [0, 1)');
    expect(describeBound({ min: 1, integer: true })).toBe('an integer from 1 and up');
    expect(describeBound({ min: 0, minExclusive: true })).toBe('a number above 0');
  });

  it.each([
    [{ min: 1, integer: true }, 1, true],
    [{ min: 1, integer: true }, 1.5, false],
    [{ min: 1, integer: true }, 2 ** 60, false],
    [{ min: 0, max: 90, minExclusive: true }, 0, false],
    [{ min: 0, max: 90, minExclusive: true }, 90, true],
    [{ min: 0, max: 1, maxExclusive: true }, 1, false],
    [{ min: 0 }, Number.POSITIVE_INFINITY, false],
    [{ min: 0 }, Number.NaN, false],
    [{ min: 0 }, '1', false],
  ])('%j holds %s: %s', (bound, value, ok) => {
    expect(inBound(bound, value)).toBe(ok);
  });

  it("throws a TypeError in p-queue's words", () => {
    expect(() => assertInteger('concurrency', 0, 1)).toThrow(
      new TypeError('Expected `concurrency` to be an integer from 1 and up, got `0` (number)'),
    );
    expect(() => assertInBound('maxPadding', '0.5', { min: 0, max: 1, maxExclusive: true })).toThrow(
      new TypeError('Expected `maxPadding` to be a number in [0, 1), got `0.5` (string)'),
    );
    expect(assertInteger('maxK', 64, 1, 64)).toBe(64);
  });
});
