/**
 * @module profiles/linalg
 * The little dense linear algebra the learner needs, for d×d matrices with d the number of attributes (a handful):
 * row-major arrays, a Cholesky solve for the symmetric positive-definite posterior precision, and its inverse.
 */

/** The d×d identity times `value`, row-major. */
export function scaledIdentity(d: number, value: number): number[] {
  const out = new Array<number>(d * d).fill(0);
  for (let i = 0; i < d; i++) out[i * d + i] = value;
  return out;
}

/** `a + weight · x xᵀ`, for row-major d×d `a`. */
export function addOuter(a: readonly number[], x: readonly number[], weight: number): number[] {
  const d = x.length;
  const out = [...a];
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j]! += weight * x[i]! * x[j]!;
  return out;
}

/** Lower-triangular Cholesky factor of a symmetric positive-definite matrix; throws when it is not. */
function cholesky(a: readonly number[], d: number): number[] {
  const l = new Array<number>(d * d).fill(0);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new RangeError('cholesky: matrix is not positive definite');
        l[i * d + i] = Math.sqrt(sum);
      } else l[i * d + j] = sum / l[j * d + j]!;
    }
  }
  return l;
}

/** Solves `a x = b` for symmetric positive-definite `a` (row-major d×d). */
export function solveSpd(a: readonly number[], b: readonly number[]): number[] {
  const d = b.length;
  const l = cholesky(a, d);
  const y = new Array<number>(d).fill(0);
  for (let i = 0; i < d; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * d + k]! * y[k]!;
    y[i] = sum / l[i * d + i]!;
  }
  const x = new Array<number>(d).fill(0);
  for (let i = d - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * x[k]!;
    x[i] = sum / l[i * d + i]!;
  }
  return x;
}

/** The inverse of a symmetric positive-definite matrix (row-major), column by column. */
export function inverseSpd(a: readonly number[], d: number): number[] {
  const out = new Array<number>(d * d).fill(0);
  for (let j = 0; j < d; j++) {
    const column = solveSpd(
      a,
      Array.from({ length: d }, (_, i) => (i === j ? 1 : 0)),
    );
    for (let i = 0; i < d; i++) out[i * d + j] = column[i]!;
  }
  return out;
}
