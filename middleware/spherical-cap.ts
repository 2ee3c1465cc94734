/**
 * @module spherical-cap
 * Area-uniform sampling on a spherical cap: directions within an angular radius of a centre, on the unit sphere of
 * a d-dimensional subspace. Sampling the polar angle uniformly would crowd samples near the centre; the surface
 * element on S^(d−1) is ∝ sin^(d−2)(θ) dθ, so θ is drawn from that density (rejection sampling), and the azimuth
 * is an isotropic unit vector orthogonal to the centre.
 */
import { dot, normalize } from '../core/vector.js';
import { normal, type Random } from './prng.js';

/** Options of {@link sampleSphericalCap}. */
export interface SphericalCapOptions {
  /** Unit centre of the cap. */
  centre: readonly number[];
  /** Indices of the coordinates the samples may use (the active subspace); others stay 0. Needs ≥ 2. */
  dims: readonly number[];
  /** Angular radius in radians, in (0, π/2]. */
  radius: number;
  /** How many samples. */
  count: number;
  random: Random;
}

/**
 * Draws `count` unit vectors uniformly (by area) from the cap of angular `radius` around `centre`.
 * @returns unit vectors with angle to `centre` ≤ `radius`, zero outside `dims`.
 */
export function sampleSphericalCap(options: SphericalCapOptions): number[][] {
  const { centre, dims, radius, count, random } = options;
  const d = dims.length;
  if (d < 2) throw new RangeError('sampleSphericalCap needs at least two dimensions');
  if (!(radius > 0 && radius <= Math.PI / 2)) throw new RangeError(`radius must be in (0, π/2], got ${radius}`);
  const samples: number[][] = [];
  for (let i = 0; i < count; i++) {
    const theta = samplePolarAngle(d, radius, random);
    const u = orthogonalUnit(centre, dims, random);
    samples.push(normalize(centre.map((c, j) => Math.cos(theta) * c + Math.sin(theta) * (u[j] ?? 0))));
  }
  return samples;
}

/**
 * θ with density ∝ sin^(d−2)(θ) on [0, radius]. For d = 2 that is uniform; for d = 3, cos θ is uniform on
 * [cos radius, 1], which is drawn exactly. Otherwise rejection against the bound sin(radius)^(d−2): sin is increasing
 * on [0, π/2], so the bound holds, and acceptance stays near 1/(d−1) for small caps.
 */
function samplePolarAngle(d: number, radius: number, random: Random): number {
  if (d === 2) return (random() * 2 - 1) * radius; // signed: both sides of the centre in a plane
  if (d === 3) return Math.acos(1 - random() * (1 - Math.cos(radius)));
  const bound = Math.sin(radius);
  for (;;) {
    const theta = random() * radius;
    if (random() < (Math.sin(theta) / bound) ** (d - 2)) return theta;
  }
}

/** An isotropic unit vector in span(dims) orthogonal to `centre` (Gaussian, then one Gram–Schmidt step). */
function orthogonalUnit(centre: readonly number[], dims: readonly number[], random: Random): number[] {
  for (;;) {
    const g = centre.map(() => 0);
    for (const j of dims) g[j] = normal(random);
    const along = dot(g, centre);
    const u = g.map((x, j) => x - along * (centre[j] ?? 0));
    const n = Math.sqrt(dot(u, u));
    // A Gaussian almost never lands on the centre's line; retry rather than divide by ~0.
    if (n > 1e-9) return u.map((x) => x / n);
  }
}
