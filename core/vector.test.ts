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
