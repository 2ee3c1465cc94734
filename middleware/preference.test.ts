import { InvalidRequestError } from '../core/errors.js';
import { norm } from '../core/vector.js';
import { parsePreference } from './preference.js';

const ATTRS = ['helpfulness', 'correctness', 'verbosity'];

describe('parsePreference', () => {
  it('normalises flat weights into a unit vector in scorer order, angle attributes first in `active`', () => {
    const { target, active } = parsePreference({ verbosity: 0.6, helpfulness: 0.8 }, { attributes: ATTRS });
    expect(target.vector).toEqual([0.8, 0, 0.6].map((x) => expect.closeTo(x, 12)));
    expect(target.weights).toEqual({
      helpfulness: expect.closeTo(0.8, 12),
      correctness: 0,
      verbosity: expect.closeTo(0.6, 12),
    });
    expect(active).toEqual(['helpfulness', 'verbosity']);
    expect(target.angleDeg).toBeCloseTo(36.87, 2);
    expect(target.offsetDeg).toBe(0);
  });

  it('accepts { weights } and leaves angleDeg unset for other than two active attributes', () => {
    const { target, active } = parsePreference(
      { weights: { correctness: 3, helpfulness: 4, verbosity: 0 } },
      { attributes: ATTRS },
    );
    expect(norm(target.vector)).toBeCloseTo(1, 12);
    expect(active).toEqual(['helpfulness', 'verbosity', 'correctness']);
    expect(target.angleDeg).toBeUndefined();
  });

  it('angle form uses the exact (cos θ, sin θ) over the angle attributes', () => {
    const { target, active } = parsePreference({ angle_deg: 30 }, { attributes: ATTRS });
    expect(target.vector).toEqual([Math.cos(Math.PI / 6), 0, Math.sin(Math.PI / 6)]);
    expect(target.angleDeg).toBe(30);
    expect(active).toEqual(['helpfulness', 'verbosity']);
    const custom = parsePreference(
      { angle_deg: 90 },
      { attributes: ATTRS, angleAttributes: ['correctness', 'helpfulness'] },
    );
    expect(custom.target.vector[0]).toBeCloseTo(1, 12);
  });

  it.each([
    [{ speed: 1 }, 'preference.speed'],
    [{ weights: { speed: 1 } }, 'preference.weights.speed'],
    [{ helpfulness: Number.NaN }, 'preference.helpfulness'],
    [{ helpfulness: Number.POSITIVE_INFINITY }, 'preference.helpfulness'],
    [{ helpfulness: '1' }, 'preference.helpfulness'],
    [{ helpfulness: 0, verbosity: 0 }, 'preference'],
    [{}, 'preference'],
    [{ angle_deg: Number.NaN }, 'preference.angle_deg'],
    [{ angle_deg: 10, helpfulness: 1 }, 'preference.helpfulness'],
    [{ weights: { helpfulness: 1 }, verbosity: 1 }, 'preference.verbosity'],
    [[1, 2], 'preference'],
    [null, 'preference'],
  ])('rejects %j with param %s and lists the valid attributes', (input, param) => {
    const error = (() => {
      try {
        parsePreference(input, { attributes: ATTRS });
      } catch (e) {
        return e;
      }
      throw new Error('did not throw');
    })();
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).param).toBe(param);
    if (param === 'preference.speed' || param === 'preference') {
      expect((error as Error).message).toContain('helpfulness, correctness, verbosity');
    }
  });

  it('angle form needs both angle attributes on the scorer', () => {
    expect(() => parsePreference({ angle_deg: 0 }, { attributes: ['a', 'b'] })).toThrow(/helpfulness.*verbosity/);
  });
});
