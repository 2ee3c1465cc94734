/**
 * @module profiles-sim
 * A simulated world for judging the profile learner by ground truth, never by the scorer that learns:
 * - answers have TRUE attributes t (helpfulness, verbosity, coherence); a model told direction u writes
 *   t = base + gain·u + ε (ε isotropic, so answers under one directive still differ in every attribute);
 * - the reward model sees them imperfectly: s = M·t + η, with a length bias (verbosity leaks into the helpfulness
 *   score) and noise η sized so each score correlates with its true attribute at about `scorerCorrelation`;
 * - a user has a hidden unit direction w and a true utility w·t; asked "which is better" they answer by utility plus
 *   Gaussian noise (not the learner's logistic model), and sometimes at random (a lapse);
 * - an editing user rewrites the answer shown toward their preference, imperfectly: t' = t + editSize·dir(w + ν).
 * Everything is seeded.
 */
import type { Direction } from '../core/types.js';
import { dot, normalize } from '../core/vector.js';
import { buildNeighbourhood, createRandom, makeDirection, type Random } from '../middleware/index.js';

/** The attributes of the simulated reward model (the reference model's names). */
export const SIM_ATTRIBUTES = ['helpfulness', 'verbosity', 'coherence'] as const;

/** How hard the world is. */
export interface WorldOptions {
  /** Mean true attributes of any answer. */
  base: number[];
  /** How far a directive moves an answer's true attributes. */
  gain: number;
  /** Spread of answers under one directive, per attribute. */
  answerNoise: number;
  /** Target correlation of each score with its true attribute (over the answers' spread). */
  scorerCorrelation: number;
  /** Length bias: share of true verbosity added to the helpfulness score. */
  lengthBias: number;
  /** σ of the user's judgement noise, in utility units. */
  choiceNoise: number;
  /** Share of choices made at random. */
  lapse: number;
  /** Size of an edit in true-attribute units. */
  editSize: number;
  /** σ of the edit's direction error (added to the unit preference before normalising). */
  editNoise: number;
}

/** The default, deliberately hard world (bench/README.md explains each figure). */
export const HARD_WORLD: WorldOptions = {
  base: [1, 1, 1],
  gain: 0.6,
  answerNoise: 0.5,
  scorerCorrelation: 0.8,
  lengthBias: 0.3,
  choiceNoise: 0.35,
  lapse: 0.05,
  editSize: 0.5,
  editNoise: 0.6,
};

/** An answer: what it truly is and what the scorer says. */
export interface SimAnswer {
  truth: number[];
  scores: number[];
}

/** A standard normal sample (Box–Muller). */
export function gaussian(random: Random): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A direction uniform on the half-sphere around `pole` (angles up to 90° from it). */
export function randomDirection(random: Random, pole: readonly number[]): number[] {
  for (;;) {
    const v = normalize(pole.map(() => gaussian(random)));
    if (dot(v, pole) >= 0) return v;
  }
}

/** The simulated world: answer generation, scoring, and users' answers. */
export class SimWorld {
  readonly attributes = [...SIM_ATTRIBUTES];
  /** σ of the scorer's noise, from the target correlation: corr = σ_t / sqrt(σ_t² + σ_η²). */
  readonly scoreNoise: number;

  constructor(
    readonly options: WorldOptions,
    private readonly random: Random,
  ) {
    const c = options.scorerCorrelation;
    this.scoreNoise = options.answerNoise * Math.sqrt(1 / (c * c) - 1);
  }

  /** The scorer's view of true attributes: s = M t + η. */
  score(truth: readonly number[]): number[] {
    const [h, v, c] = truth as [number, number, number];
    const noisy = (x: number) => x + this.scoreNoise * gaussian(this.random);
    return [noisy(h + this.options.lengthBias * v), noisy(v), noisy(c)];
  }

  /** One answer written under `direction` (a unit vector over the attributes). */
  answer(direction: readonly number[]): SimAnswer {
    const o = this.options;
    const truth = o.base.map((b, i) => b + o.gain * direction[i]! + o.answerNoise * gaussian(this.random));
    return { truth, scores: this.score(truth) };
  }

  /** The k candidates RPS would generate for a target direction (the engine's own neighbourhood, cap mode). */
  candidates(target: readonly number[], options: { k: number; radiusDeg: number; seed: number }): SimAnswer[] {
    const direction: Direction = makeDirection(normalize(target), { attributes: this.attributes, offsetDeg: 0 });
    const directions = buildNeighbourhood(direction, {
      mode: 'cap',
      k: options.k,
      radiusDeg: options.radiusDeg,
      seed: options.seed,
      attributes: this.attributes,
      active: this.attributes,
    });
    return directions.map((d) => this.answer(d.vector));
  }

  /** Index (into `shown`) of the answer a user with true direction `user` says is best: noisy utility, lapses. */
  choose(user: readonly number[], shown: readonly SimAnswer[]): number {
    if (this.random() < this.options.lapse) return Math.floor(this.random() * shown.length);
    let best = 0;
    let bestUtility = -Infinity;
    shown.forEach((a, i) => {
      const u = dot(user, a.truth) + this.options.choiceNoise * gaussian(this.random);
      if (u > bestUtility) [best, bestUtility] = [i, u];
    });
    return best;
  }

  /** The user's edit of `answer`: moved toward their direction, with an error in where they move it. */
  edit(user: readonly number[], answer: SimAnswer): SimAnswer {
    const o = this.options;
    const aim = normalize(user.map((w) => w + o.editNoise * gaussian(this.random)));
    const truth = answer.truth.map((t, i) => t + o.editSize * aim[i]!);
    return { truth, scores: this.score(truth) };
  }

  /**
   * The best direction available in score space for a user: utility w·t = (M⁻ᵀ w)·(M t). The learner can at most
   * find this; its angle to w is the floor the scorer's length bias sets.
   */
  scoreSpaceDirection(user: readonly number[]): number[] {
    const [wh, wv, wc] = user as [number, number, number];
    // M = I + lengthBias·e_h e_vᵀ, so M⁻ᵀ w = (wh, wv − lengthBias·wh, wc).
    return normalize([wh, wv - this.options.lengthBias * wh, wc]);
  }
}
