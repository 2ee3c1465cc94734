/**
 * @module vector
 * Small, pure vector helpers. Directions are unit vectors; functions that need one say so.
 */

/** Dot product of two equal-length vectors. */
export function dot(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`dot: length ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Euclidean norm. */
export function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

/** Below this norm the squares of the components may have underflowed (1e-150² = 1e-300, near the subnormals). */
const SAFE_NORM_MIN = 1e-150;

/**
 * `a / |a|`; throws on a zero or non-finite vector. Any finite non-zero vector has a direction, however large or
 * small its components: when the plain norm overflows (1e200² = ∞) or may have underflowed (1e-200² = 0), the
 * vector is first scaled by its largest |component|, which leaves the direction unchanged.
 */
export function normalize(a: readonly number[]): number[] {
  const n = norm(a);
  if (Number.isFinite(n) && n >= SAFE_NORM_MIN) return a.map((x) => x / n);
  let max = 0;
  for (const x of a) max = Math.max(max, Math.abs(x));
  if (!Number.isFinite(max) || max === 0) throw new RangeError('normalize: zero or non-finite vector');
  const scaled = a.map((x) => x / max);
  const m = norm(scaled);
  return scaled.map((x) => x / m);
}

/** Angle between two unit vectors, in radians, clamped against rounding so `acos` never sees |x| > 1. */
export function angleBetween(a: readonly number[], b: readonly number[]): number {
  return Math.acos(Math.min(1, Math.max(-1, dot(a, b))));
}

/** Degrees to radians. */
export const toRadians = (deg: number): number => (deg * Math.PI) / 180;
/** Radians to degrees. */
export const toDegrees = (rad: number): number => (rad * 180) / Math.PI;
