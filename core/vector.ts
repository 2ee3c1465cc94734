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

/** `a / |a|`; throws on a zero or non-finite vector. */
export function normalize(a: readonly number[]): number[] {
  const n = norm(a);
  if (!Number.isFinite(n) || n === 0) throw new RangeError('normalize: zero or non-finite vector');
  return a.map((x) => x / n);
}

/** Angle between two unit vectors, in radians, clamped against rounding so `acos` never sees |x| > 1. */
export function angleBetween(a: readonly number[], b: readonly number[]): number {
  return Math.acos(Math.min(1, Math.max(-1, dot(a, b))));
}

/** Degrees to radians. */
export const toRadians = (deg: number): number => (deg * Math.PI) / 180;
/** Radians to degrees. */
export const toDegrees = (rad: number): number => (rad * 180) / Math.PI;
