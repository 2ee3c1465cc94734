/**
 * @module neighbourhood
 * The k preference directions RPS generates under. Two modes:
 * - `grid`: the authors' procedure (rps-method §1.2), for two active attributes: absolute angles −40°…40° in 5° steps,
 *   keep those within θmax (arccos distance) of the target, stable-sort by distance, take the first k. Where the grid
 *   holds fewer than k such points (a small θmax, or a target near or beyond the grid's ±40° edge), the authors' code
 *   returns fewer; here the grid points come first, unchanged, and the cap's directions (below) complete the k,
 *   skipping any that coincide with a grid point. Every direction says which procedure made it (`source`).
 * - `cap`: any number d ≥ 2 of active attributes. The target comes first. In 2-D the rest are ± pairs evenly spaced
 *   out to the radius (+ before −); for d > 2 they are area-uniform on the spherical cap, reproducible from the seed.
 * Directions live in the span of the active attributes; every other coordinate is 0.
 */
import { InvalidRequestError } from '../core/errors.js';
import type { Direction, NeighbourhoodMode } from '../core/types.js';
import { angleBetween, toDegrees, toRadians } from '../core/vector.js';
import { makeDirection, planeOf } from './preference.js';
import { createRandom } from './prng.js';
import { sampleSphericalCap } from './spherical-cap.js';

/** The authors' grid of absolute plane angles, degrees (`np.arange(-40, 41, 5)`). */
export const RPS_GRID = { fromDeg: -40, toDeg: 40, stepDeg: 5 } as const;

const RIM_TOLERANCE_DEG = 1e-9;
/** Two directions closer than this are the same candidate (a cap direction landing on a grid point). */
const SAME_DIRECTION_DEG = 1e-6;

/** Options of {@link buildNeighbourhood}. */
export interface NeighbourhoodOptions {
  /** Unset: `grid` for two active attributes (completed from the cap when it has fewer than k points), else `cap`. */
  mode?: NeighbourhoodMode | undefined;
  k: number;
  radiusDeg: number;
  seed: number;
  /** Scorer attributes, vector order. */
  attributes: readonly string[];
  /** Active attributes (see `ParsedPreference.active`). */
  active: readonly string[];
}

/**
 * The neighbourhood of a target direction.
 * @returns exactly k directions, each with `offsetDeg` (its angle to the target), `source` ('grid', 'cap' or
 *   'target') and, in a plane, `angleDeg`. With one active attribute the only unit directions are ±target, so the
 *   result is k copies of the target.
 * @throws InvalidRequestError (`param: selection.neighbourhood`) when `grid` is asked for other than two active
 *   attributes.
 */
export function buildNeighbourhood(target: Direction, options: NeighbourhoodOptions): Direction[] {
  const { active, k } = options;
  const plane = planeOf(active);
  if (options.mode === 'grid' && !plane) {
    throw new InvalidRequestError(
      `selection.neighbourhood "grid" needs exactly two active attributes; the preference names ${active.length}. Use "cap".`,
      { param: 'selection.neighbourhood' },
    );
  }
  if (active.length < 2) return Array.from({ length: k }, () => ({ ...target, source: 'target' as const }));
  if (options.mode === 'cap' || !plane) return capNeighbourhood(target, options);
  // The grid as the authors built it; when it cannot supply k, the cap completes it.
  const grid = gridNeighbourhood(target, { ...options, plane });
  if (grid.length >= k) return grid;
  const completion = capNeighbourhood(target, options).filter(
    (d) => !grid.some((g) => toDegrees(angleBetween(g.vector, d.vector)) < SAME_DIRECTION_DEG),
  );
  // In a plane the cap's k directions are distinct, and each grid point matches at most one, so enough remain.
  return [...grid, ...completion.slice(0, k - grid.length)];
}

interface PlaneOptions extends NeighbourhoodOptions {
  plane: readonly [string, string];
}

/** The authors' `get_angle_perturbations`, with the exact unit target (this reproduces the §1.2 table, order included). */
export function gridNeighbourhood(target: Direction, options: PlaneOptions): Direction[] {
  const { attributes, plane, k, radiusDeg } = options;
  const kept: Array<{ angle: number; vector: number[]; distance: number }> = [];
  for (let angle = RPS_GRID.fromDeg; angle <= RPS_GRID.toDeg; angle += RPS_GRID.stepDeg) {
    const vector = planeVector(angle, { attributes, plane });
    const distance = toDegrees(angleBetween(vector, target.vector));
    // A point on the rim counts as inside whatever the last bit of arccos says (numpy's strict ≤ drops some);
    // this changes nothing within the paper's settings, where the k closest lie well inside θmax.
    if (distance <= radiusDeg + RIM_TOLERANCE_DEG) kept.push({ angle, vector, distance });
  }
  // Array.prototype.sort is stable, so equal distances keep ascending grid order (numpy's stable argsort).
  kept.sort((a, b) => a.distance - b.distance);
  return kept.slice(0, k).map(({ angle, vector, distance }) => ({
    ...makeDirection(vector, { attributes, offsetDeg: distance, angleDeg: angle }),
    source: 'grid' as const,
  }));
}

function capNeighbourhood(target: Direction, options: NeighbourhoodOptions): Direction[] {
  const { attributes, active, k, radiusDeg, seed } = options;
  const plane = planeOf(active);
  if (plane) {
    // Symmetric: target, then +s, −s, +2s, −2s … with s = radius / (number of pairs), so the last pair sits on the rim.
    const base = target.angleDeg ?? 0;
    const pairs = Math.ceil((k - 1) / 2);
    const offsets = [0];
    for (let j = 1; offsets.length < k; j++) {
      offsets.push((radiusDeg * j) / pairs);
      if (offsets.length < k) offsets.push((-radiusDeg * j) / pairs);
    }
    return offsets.map((offset) =>
      offset === 0
        ? { ...target, source: 'cap' as const }
        : {
            ...makeDirection(planeVector(base + offset, { attributes, plane }), {
              attributes,
              offsetDeg: Math.abs(offset),
              angleDeg: base + offset,
            }),
            source: 'cap' as const,
          },
    );
  }
  const dims = active.map((name) => attributes.indexOf(name));
  const samples = sampleSphericalCap({
    centre: target.vector,
    dims,
    radius: toRadians(radiusDeg),
    count: k - 1,
    random: createRandom(seed),
  });
  return [
    { ...target, source: 'cap' as const },
    ...samples.map((vector) => ({
      ...makeDirection(vector, { attributes, offsetDeg: toDegrees(angleBetween(vector, target.vector)) }),
      source: 'cap' as const,
    })),
  ];
}

/** (cos θ, sin θ) on the plane's two attributes, 0 elsewhere, in attribute order. */
function planeVector(
  angleDeg: number,
  options: { attributes: readonly string[]; plane: readonly [string, string] },
): number[] {
  const rad = toRadians(angleDeg);
  const [x, y] = options.plane;
  return options.attributes.map((name) => (name === x ? Math.cos(rad) : name === y ? Math.sin(rad) : 0));
}
