/**
 * @module latent
 * The simulator's randomness: a stable hash of a request, a small seeded PRNG, and a Gaussian copula that draws a
 * second uniform correlated with a first one. The copula is how the text model makes an answer's opening predict
 * its remainder only partly (`prefixInformativeness`): correlation 1 reproduces the first draw exactly, 0 makes the
 * two independent.
 */

/**
 * FNV-1a, 32-bit: a stable hash of the request so replies are reproducible. FNV reads its input in order, so
 * `hash(b, hash(a))` equals `hash(a + b)` without building the joined string (a long concatenation is a rope whose
 * characters are slow to read one by one).
 * @param from the hash of the text this one continues; default: FNV's offset basis (a fresh hash).
 */
export function hash(text: string, from = 0x811c9dc5): number {
  let h = from;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** mulberry32: small and good enough for picking words. */
export function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform in (0, 1) whose Gaussian copula correlation with `u` is `rho`: Φ(ρ·Φ⁻¹(u) + √(1−ρ²)·Φ⁻¹(fresh)).
 * @param u the first uniform. @param fresh an independent uniform. @param rho correlation in [0, 1]; 1 returns `u`.
 */
export function correlatedUniform(u: number, fresh: number, rho: number): number {
  if (rho >= 1) return u;
  const z = rho * probit(u) + Math.sqrt(1 - rho * rho) * probit(fresh);
  return normalCdf(z);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf, absolute error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9); input clamped to (0, 1). */
export function probit(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) /
      ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1)
    );
  }
  if (q > 1 - low) return -probit(1 - q);
  const r = q - 0.5;
  const s = r * r;
  return (
    ((((((a[0]! * s + a[1]!) * s + a[2]!) * s + a[3]!) * s + a[4]!) * s + a[5]!) * r) /
    (((((b[0]! * s + b[1]!) * s + b[2]!) * s + b[3]!) * s + b[4]!) * s + 1)
  );
}
