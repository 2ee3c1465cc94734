import fc from 'fast-check';
import { angleBetween, dot, norm, normalize, toDegrees, toRadians } from './vector.js';

const finiteVector = (d: number) =>
  fc
    .array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: d, maxLength: d })
    .filter((v) => norm(v) > 1e-6);

describe('vector', () => {
  it('normalize returns unit vectors pointing the same way', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }).chain(finiteVector), (v) => {
        const u = normalize(v);
        expect(norm(u)).toBeCloseTo(1, 12);
        expect(dot(u, v)).toBeGreaterThan(0);
      }),
    );
  });

  it('normalize gives every finite non-zero vector its direction, however huge or tiny its components', () => {
    expect(normalize([1e200, 0])).toEqual([1, 0]);
    expect(normalize([1e-200, 0])).toEqual([1, 0]);
    expect(normalize([5e-324, 0])).toEqual([1, 0]);
    const diagonal = normalize([1e308, 1e308]);
    expect(diagonal[0]).toBeCloseTo(Math.SQRT1_2, 15);
    expect(diagonal[1]).toBeCloseTo(Math.SQRT1_2, 15);
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }),
        (v) => {
          fc.pre(v.some((x) => x !== 0));
          const u = normalize(v);
          expect(norm(u)).toBeCloseTo(1, 12);
          // Same direction: no component changes sign.
          u.forEach((x, i) => expect(Math.sign(x) * Math.sign(v[i]!)).toBeGreaterThanOrEqual(0));
        },
      ),
    );
  });

  it('normalize rejects zero and non-finite vectors', () => {
    expect(() => normalize([0, 0])).toThrow(RangeError);
    expect(() => normalize([Number.NaN, 1])).toThrow(RangeError);
    expect(() => normalize([Number.POSITIVE_INFINITY, 1])).toThrow(RangeError);
  });

  it('angleBetween is exact on known angles and never NaN from rounding', () => {
    expect(toDegrees(angleBetween([1, 0], [0, 1]))).toBeCloseTo(90, 10);
    const a = normalize([Math.cos(toRadians(10)), Math.sin(toRadians(10))]);
    expect(angleBetween(a, a)).toBe(0);
    expect(toDegrees(angleBetween([1, 0], [Math.cos(toRadians(45)), Math.sin(toRadians(45))]))).toBeCloseTo(45, 10);
  });

  it('dot rejects mismatched lengths', () => {
    expect(() => dot([1], [1, 2])).toThrow(RangeError);
  });
});
