/**
 * @module prng
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so every random choice the engine
 * makes (cap samples, backoff jitter) is reproducible from a seed. The engine never calls `Math.random`.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** splitmix32 step: spreads one 32-bit seed over the four words sfc32 needs, so nearby seeds give unrelated streams. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A seeded uniform generator in [0, 1).
 * @param seed any finite number; non-integers and values beyond 32 bits are folded in, so every seed is usable.
 * @returns a function returning the next number of the stream.
 * @example
 * const random = createRandom(42);
 * random(); // same value on every run
 */
export function createRandom(seed: number): Random {
  const state = { s: foldSeed(seed) };
  let a = splitmix32(state);
  let b = splitmix32(state);
  let c = splitmix32(state);
  let d = splitmix32(state);
  const next = (): number => {
    // sfc32 (Chris Doty-Humphrey): fast, passes PractRand, 128-bit state.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard a few outputs: the first values of a freshly seeded sfc32 are weakly mixed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Folds any finite number (negative, fractional, > 2³²) into 32 bits deterministically. */
function foldSeed(seed: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, got ${seed}`);
  const lo = Math.trunc(seed) >>> 0;
  const hi = Math.trunc(seed / 4294967296) >>> 0;
  const frac = Math.round((seed - Math.trunc(seed)) * 1e6) >>> 0;
  return (lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(frac, 0x165667b1)) >>> 0;
}

/** A standard normal deviate (Box–Muller), for isotropic directions. */
export function normal(random: Random): number {
  // 1 - u keeps the log argument in (0, 1].
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
