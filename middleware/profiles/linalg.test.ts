import fc from 'fast-check';
import { createRandom } from '../prng.js';
import { solveSpd } from './linalg.js';

describe('linalg', () => {
  it('solveSpd() solves symmetric positive definite systems, column by column', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (p, d, seed) => {
          const rand = createRandom(seed);
          const m = Array.from({ length: p * p }, () => rand() - 0.5);
          // A = MᵀM + I is symmetric positive definite.
          const a = new Array<number>(p * p).fill(0);
          for (let i = 0; i < p; i++)
            for (let j = 0; j < p; j++) {
              let s = i === j ? 1 : 0;
              for (let k = 0; k < p; k++) s += m[k * p + i]! * m[k * p + j]!;
              a[i * p + j] = s;
            }
          for (let c = 0; c < d; c++) {
            const w = Array.from({ length: p }, () => 10 * rand() - 5);
            const b = Array.from({ length: p }, (_, i) => w.reduce((s, x, k) => s + a[i * p + k]! * x, 0));
            const solved = solveSpd(a, b);
            w.forEach((x, i) => expect(solved[i]).toBeCloseTo(x, 6));
          }
        },
      ),
    );
  });
});
