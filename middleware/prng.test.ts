import fc from 'fast-check';
import { createRandom, normal } from './prng.js';

describe('createRandom', () => {
  it('is reproducible and in [0, 1)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (seed) => {
        const a = createRandom(seed);
        const b = createRandom(seed);
        for (let i = 0; i < 20; i++) {
          const x = a();
          expect(x).toBe(b());
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(1);
        }
      }),
    );
  });

  it('nearby seeds give different streams, and the mean and normal moments look right', () => {
    expect(createRandom(1)()).not.toBe(createRandom(2)());
    const random = createRandom(42);
    let sum = 0;
    let sq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = normal(random);
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03);
    expect(sq / n).toBeCloseTo(1, 1);
  });

  it('rejects non-finite seeds', () => {
    expect(() => createRandom(Number.NaN)).toThrow(RangeError);
  });
});
