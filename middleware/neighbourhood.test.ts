import fc from 'fast-check';
import { angleBetween, norm, toDegrees } from '../core/vector.js';
import { buildNeighbourhood, gridNeighbourhood } from './neighbourhood.js';
import { parsePreference } from './preference.js';
import { createRandom } from './prng.js';
import { sampleSphericalCap } from './spherical-cap.js';

const HV = ['helpfulness', 'verbosity'] as const;
const defaults = { k: 5, radiusDeg: 30, seed: 42 };

function angles(targetDeg: number): number[] {
  const { target, active } = parsePreference({ angle_deg: targetDeg }, { attributes: HV });
  return gridNeighbourhood(target, { ...defaults, attributes: HV, active, plane: HV }).map((d) => d.angleDeg ?? NaN);
}

describe('grid neighbourhood (the authors’ procedure)', () => {
  // rps-method.md §1.2, order included: the order among equal-looking distances is the float result of arccos.
  it.each([
    [10, [10, 5, 15, 0, 20]],
    [15, [15, 20, 10, 5, 25]],
    [20, [20, 15, 25, 30, 10]],
    [25, [25, 20, 30, 35, 15]],
    [30, [30, 25, 35, 20, 40]],
    [35, [35, 30, 40, 25, 20]],
    [40, [40, 35, 30, 25, 20]],
    [45, [40, 35, 30, 25, 20]],
  ])('target %i° → %j', (target, expected) => {
    expect(angles(target)).toEqual(expected);
  });

  it('keeps only grid points within θmax and may return fewer than k (the authors’ procedure itself)', () => {
    const { target, active } = parsePreference({ angle_deg: 10 }, { attributes: HV });
    const dirs = gridNeighbourhood(target, { ...defaults, k: 9, radiusDeg: 5, attributes: HV, active, plane: HV });
    expect(dirs.map((d) => d.angleDeg)).toEqual([10, 5, 15]);
    expect(dirs[0]!.offsetDeg).toBeCloseTo(0, 5); // arccos near 1 is coarse: ~1e-6°
  });

  it('is the default for two active attributes and, where it supplies k, is exactly the grid', () => {
    const near = parsePreference({ angle_deg: 45 }, { attributes: HV });
    const dirs = buildNeighbourhood(near.target, { ...defaults, attributes: HV, active: near.active });
    expect(dirs.map((d) => d.angleDeg)).toEqual([40, 35, 30, 25, 20]);
    expect(dirs.every((d) => d.source === 'grid')).toBe(true);
  });

  it('k means k: a grid short of k points keeps them first and the cap completes the rest', () => {
    // The README's k = 8 at 40°: the grid holds 7 points within 30° (10°…40°); the cap adds one above the target.
    const at40 = parsePreference({ angle_deg: 40 }, { attributes: HV });
    const eight = buildNeighbourhood(at40.target, { ...defaults, k: 8, attributes: HV, active: at40.active });
    expect(eight.map((d) => [d.angleDeg, d.source])).toEqual([
      [40, 'grid'],
      [35, 'grid'],
      [30, 'grid'],
      [25, 'grid'],
      [20, 'grid'],
      [15, 'grid'],
      [10, 'grid'],
      [47.5, 'cap'], // the cap's 40° is the grid's 40°, so its next direction is taken
    ]);
    // The playground's 60°, k 5: the grid has 3 points (30°…40°, all below the target), the cap adds 60° and 75°.
    const at60 = parsePreference({ angle_deg: 60 }, { attributes: HV });
    const five = buildNeighbourhood(at60.target, { ...defaults, attributes: HV, active: at60.active });
    expect(five.map((d) => [d.angleDeg, d.source])).toEqual([
      [40, 'grid'],
      [35, 'grid'],
      [30, 'grid'],
      [60, 'cap'],
      [75, 'cap'],
    ]);
  });

  it('a target with no grid point in range gets the cap’s k, by default and when grid is asked for', () => {
    const far = parsePreference({ angle_deg: 120 }, { attributes: HV });
    for (const mode of [undefined, 'grid'] as const) {
      const dirs = buildNeighbourhood(far.target, { ...defaults, mode, attributes: HV, active: far.active });
      expect(dirs.map((d) => Math.round(d.angleDeg ?? NaN))).toEqual([120, 135, 105, 150, 90]);
      expect(dirs.every((d) => d.source === 'cap')).toBe(true);
    }
  });

  it('any target, k and radius in a plane: exactly k distinct directions within θmax, grid points first', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0.5, max: 90, noNaN: true }),
        (angle, k, radiusDeg) => {
          const { target, active } = parsePreference({ angle_deg: angle }, { attributes: HV });
          const options = { k, radiusDeg, seed: 1, attributes: HV, active };
          const dirs = buildNeighbourhood(target, options);
          expect(dirs).toHaveLength(k);
          const grid = gridNeighbourhood(target, { ...options, plane: HV });
          expect(dirs.slice(0, grid.length)).toEqual(grid);
          expect(dirs.slice(grid.length).every((d) => d.source === 'cap')).toBe(true);
          for (const [i, d] of dirs.entries()) {
            expect(toDegrees(angleBetween(d.vector, target.vector))).toBeLessThanOrEqual(radiusDeg + 1e-6);
            for (const e of dirs.slice(i + 1))
              expect(toDegrees(angleBetween(d.vector, e.vector))).toBeGreaterThan(1e-7);
          }
        },
      ),
    );
  });
});

describe('cap neighbourhood', () => {
  const ATTRS = ['helpfulness', 'verbosity', 'correctness', 'coherence', 'speed'];

  it('2-D: target first, then ± pairs evenly spaced out to the radius', () => {
    const { target, active } = parsePreference({ angle_deg: 30 }, { attributes: HV });
    const dirs = buildNeighbourhood(target, { ...defaults, mode: 'cap', attributes: HV, active });
    expect(dirs.map((d) => d.angleDeg)).toEqual([30, 45, 15, 60, 0]);
    expect(dirs.map((d) => d.offsetDeg)).toEqual([0, 15, 15, 30, 30]);
  });

  it('one active attribute: k copies of the target', () => {
    const { target, active } = parsePreference({ helpfulness: 2 }, { attributes: ATTRS });
    expect(buildNeighbourhood(target, { ...defaults, attributes: ATTRS, active })).toEqual(
      Array(5).fill({ ...target, source: 'target' }),
    );
  });

  const preference = fc
    .subarray(ATTRS, { minLength: 2 })
    .chain((names) =>
      fc.tuple(
        fc.constant(names),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: names.length, maxLength: names.length }),
      ),
    )
    .filter(([, ws]) => ws.some((w) => Math.abs(w) > 1e-3))
    .map(([names, ws]) => Object.fromEntries(names.map((n, i) => [n, ws[i]!])));

  const params = fc.record({
    preference,
    k: fc.integer({ min: 1, max: 64 }),
    radiusDeg: fc.double({ min: 0.5, max: 90, noNaN: true }),
    seed: fc.integer(),
  });

  it('unit norm, within the radius, only active coordinates, k directions, target first', () => {
    fc.assert(
      fc.property(params, ({ preference: p, k, radiusDeg, seed }) => {
        const { target, active } = parsePreference(p, { attributes: ATTRS });
        const dirs = buildNeighbourhood(target, { mode: 'cap', k, radiusDeg, seed, attributes: ATTRS, active });
        expect(dirs).toHaveLength(k);
        expect(dirs[0]).toEqual({ ...target, source: 'cap' });
        for (const d of dirs) {
          expect(norm(d.vector)).toBeCloseTo(1, 9);
          expect(toDegrees(angleBetween(d.vector, target.vector))).toBeLessThanOrEqual(radiusDeg + 1e-6);
          ATTRS.forEach((name, i) => {
            if (!active.includes(name)) expect(d.vector[i]).toBe(0);
          });
        }
      }),
    );
  });

  it('same seed, same directions; another seed, other directions (d > 2)', () => {
    fc.assert(
      fc.property(
        params.filter(({ preference: p, k }) => Object.keys(p).length > 2 && k > 1),
        ({ preference: p, k, radiusDeg, seed }) => {
          const { target, active } = parsePreference(p, { attributes: ATTRS });
          const run = (s: number) =>
            buildNeighbourhood(target, { mode: 'cap', k, radiusDeg, seed: s, attributes: ATTRS, active });
          expect(run(seed)).toEqual(run(seed));
          expect(run(seed).map((d) => d.vector)).not.toEqual(run(seed + 1).map((d) => d.vector));
        },
      ),
    );
  });

  it('d = 3: cos(angle to centre) is uniform on [cos r, 1] (area-uniform), chi-square over 10 bins', () => {
    const radius = Math.PI / 4;
    const centre = [0.6, 0, 0.8];
    const n = 20_000;
    const samples = sampleSphericalCap({ centre, dims: [0, 1, 2], radius, count: n, random: createRandom(7) });
    const lo = Math.cos(radius);
    const bins = new Array<number>(10).fill(0);
    for (const s of samples) {
      const c = s[0]! * 0.6 + s[2]! * 0.8;
      const b = Math.min(9, Math.floor(((c - lo) / (1 - lo)) * 10));
      bins[b] = (bins[b] ?? 0) + 1;
    }
    const expected = n / 10;
    const chi2 = bins.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: p = 0.001 at 27.9. Angle-uniform sampling would score in the thousands.
    expect(chi2).toBeLessThan(27.9);
  });

  it('d = 3: the azimuth around the centre is uniform too', () => {
    const samples = sampleSphericalCap({
      centre: [0, 0, 1],
      dims: [0, 1, 2],
      radius: 0.5,
      count: 20_000,
      random: createRandom(3),
    });
    const bins = new Array<number>(8).fill(0);
    for (const s of samples) {
      const phi = Math.atan2(s[1]!, s[0]!) + Math.PI;
      const b = Math.min(7, Math.floor((phi / (2 * Math.PI)) * 8));
      bins[b] = (bins[b] ?? 0) + 1;
    }
    const chi2 = bins.reduce((sum, o) => sum + (o - 2500) ** 2 / 2500, 0);
    expect(chi2).toBeLessThan(24.3); // 7 dof, p = 0.001
  });
});
