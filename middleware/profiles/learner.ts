/**
 * @module profiles/learner
 * Learning a user's preference direction from feedback, as pure functions over a {@link ProfileState}.
 *
 * The model (LoRe's, arXiv 2504.14439, and RPS's): a user prefers the answer whose attribute scores s project highest
 * on their weights w. The learner keeps a Gaussian posterior N(mean, precision⁻¹) over w; the preference is the
 * direction of `mean`.
 * - A choice (the user preferred one of the candidates shown) is a multinomial-logit observation,
 *   P(c | shown) = softmax_j(w·x_j), with x_j the scores divided by `scale`; for two candidates it is exactly
 *   Bradley–Terry. It is folded in by an online Laplace step (assumed-density filtering): a few Newton iterations
 *   of the posterior mode under the previous posterior as prior, and the Hessian added to the precision. The step's
 *   learning rate is thus the inverse of the information gathered so far along each direction (a 1/t schedule per
 *   direction, the online-Newton rate), times `learningRate`.
 * - An edit (the user rewrote the answer shown) moves the mean toward the edit's attribute difference Δ = s(edited) −
 *   s(shown), scaled: the coactive update of Shivaswamy & Joachims (arXiv 1111.0712), whose perceptron sums the Δs.
 *   Here each scaled Δ is read as a noisy measurement of the weights (Gaussian, precision `editPrecision` per
 *   attribute), so the step is a Kalman gain: mean ← mean + (P + τI)⁻¹ τ (Δ − mean), a 1/t average of the edits
 *   and the prior, and the precision grows by τI, which keeps the reported uncertainty honest.
 * The uncertainty reported is the posterior's angular spread around the mean direction (RMS, degrees).
 */
import type { ProfileSource, ProfileState } from '../../core/profiles.js';
import { dot, normalize, norm, toDegrees } from '../../core/vector.js';
import { addOuter, inverseSpd, scaledIdentity, solveSpd } from './linalg.js';

/** Tuning of the learner. */
export interface LearnerOptions {
  /** Prior precision of each weight, in scaled-score units; smaller lets early feedback move the direction more. */
  priorPrecision: number;
  /** Length of the prior mean along the starting direction: how much evidence it takes to turn away from it. */
  priorStrength: number;
  /** Multiplies the Newton step of a choice. */
  learningRate: number;
  /**
   * Precision of one scaled edit difference read as a measurement of the weights, per attribute and relative to d:
   * a scaled Δ has RMS length 1, so its per-attribute variance is about 1/d, and τ = d · editPrecision.
   */
  editPrecision: number;
}

/** Defaults, chosen with `npm run bench -- profiles` (bench/README.md). */
export const LEARNER_DEFAULTS: Readonly<LearnerOptions> = Object.freeze({
  priorPrecision: 0.5,
  priorStrength: 0.5,
  learningRate: 1,
  editPrecision: 1,
});

/** The scale stops adapting after this many events, so later updates keep the meaning of the mean. */
const SCALE_EVENTS = 10;
/** Newton iterations of one choice's posterior mode. */
const NEWTON_ITERATIONS = 3;

const options = (partial: Partial<LearnerOptions> = {}): LearnerOptions => ({ ...LEARNER_DEFAULTS, ...partial });

/**
 * A new profile centred on `direction` (a unit vector in `attributes` order): the prior.
 * @param [source='default'] `manual` when a person set the direction.
 */
export function initialState(
  direction: readonly number[],
  context: { attributes: readonly string[]; source?: ProfileSource; now?: Date; learner?: Partial<LearnerOptions> },
): ProfileState {
  const o = options(context.learner);
  const unit = normalize(direction);
  return {
    attributes: [...context.attributes],
    mean: unit.map((x) => x * o.priorStrength),
    precision: scaledIdentity(unit.length, o.priorPrecision),
    scale: 0,
    choices: 0,
    edits: 0,
    source: context.source ?? 'default',
    updatedAt: (context.now ?? new Date()).toISOString(),
  };
}

/** The profile's preference direction (unit vector, attribute order). */
export function directionOf(state: ProfileState): number[] {
  return normalize(state.mean);
}

/**
 * The posterior's RMS angle around the mean direction, degrees: the spread of the covariance orthogonal to the mean,
 * against the mean's length.
 */
export function uncertaintyDeg(state: ProfileState): number {
  const d = state.mean.length;
  const length = norm(state.mean);
  const u = state.mean.map((x) => x / length);
  const cov = inverseSpd(state.precision, d);
  // trace((I − uuᵀ) Σ (I − uuᵀ)) = trace(Σ) − uᵀΣu
  let trace = 0;
  let along = 0;
  for (let i = 0; i < d; i++) {
    trace += cov[i * d + i]!;
    for (let j = 0; j < d; j++) along += u[i]! * cov[i * d + j]! * u[j]!;
  }
  return toDegrees(Math.atan(Math.sqrt(Math.max(0, trace - along)) / length));
}

/** One choice: the scores of the candidate the user preferred and of the others shown beside it. */
export interface ChoiceEvidence {
  chosen: readonly number[];
  others: ReadonlyArray<readonly number[]>;
}

/**
 * Folds a choice into the profile (online Laplace step of the multinomial-logit likelihood; see the module doc).
 * @returns the next state; the input is not changed.
 */
export function applyChoice(
  state: ProfileState,
  evidence: ChoiceEvidence,
  context: { now?: Date; learner?: Partial<LearnerOptions> } = {},
): ProfileState {
  const o = options(context.learner);
  const rows = [evidence.chosen, ...evidence.others];
  const centre = rows[0]!.map((_, i) => rows.reduce((sum, r) => sum + r[i]!, 0) / rows.length);
  const spread = Math.sqrt(rows.reduce((sum, r) => sum + squaredDistance(r, centre), 0) / rows.length);
  const scale = nextScale(state, spread);
  const xs = rows.map((r) => r.map((v, i) => (v - centre[i]!) / scale));
  const prior = { mean: state.mean, precision: state.precision };
  let mean = [...state.mean];
  for (let iteration = 0; iteration < NEWTON_ITERATIONS; iteration++) {
    const { gradient, curvature } = choiceTerms(mean, xs);
    // Gradient of the log posterior: the choice's, minus the prior's pull back to its own mean.
    const pull = multiply(
      prior.precision,
      mean.map((m, i) => m - prior.mean[i]!),
    );
    const g = gradient.map((x, i) => x - pull[i]!);
    const step = solveSpd(addMatrices(prior.precision, curvature), g);
    mean = mean.map((m, i) => m + o.learningRate * step[i]!);
  }
  // The Laplace precision: the prior's plus the likelihood's curvature at the new mode.
  const hessian = choiceTerms(mean, xs).curvature;
  return {
    ...state,
    mean,
    precision: addMatrices(prior.precision, hessian),
    scale,
    choices: state.choices + 1,
    source: 'learned',
    updatedAt: (context.now ?? new Date()).toISOString(),
  };
}

/**
 * Which two of `candidates` (attribute scores, attribute order) to show for a "which is better" choice: the pair whose
 * Bradley–Terry outcome teaches the most, p(1 − p) · ΔᵀΣΔ (the observation's Fisher information at the posterior
 * mean times the posterior variance of its logit, Δ the scaled score difference): a pair the profile is unsure about
 * and that differs along a direction it knows little of. A random pair often differs along what is known already.
 * @returns two distinct indices into `candidates`, or null for fewer than two.
 */
export function informativePair(
  state: ProfileState,
  candidates: ReadonlyArray<readonly number[]>,
): [number, number] | null {
  if (candidates.length < 2) return null;
  const d = state.mean.length;
  const centre = candidates[0]!.map((_, i) => candidates.reduce((sum, r) => sum + r[i]!, 0) / candidates.length);
  const spread = Math.sqrt(candidates.reduce((sum, r) => sum + squaredDistance(r, centre), 0) / candidates.length);
  const scale = nextScale(state, spread);
  const cov = inverseSpd(state.precision, d);
  let best: [number, number] = [0, 1];
  let bestValue = -Infinity;
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const delta = candidates[i]!.map((v, t) => (v - candidates[j]![t]!) / scale);
      const p = 1 / (1 + Math.exp(-dot(state.mean, delta)));
      const value = p * (1 - p) * dot(delta, multiply(cov, delta));
      if (value > bestValue) [best, bestValue] = [[i, j], value];
    }
  }
  return best;
}

/** One edit: the scores of the answer shown and of the user's edited version of it. */
export interface EditEvidence {
  original: readonly number[];
  edited: readonly number[];
}

/**
 * Folds an edit into the profile: the coactive step toward the scaled difference Δ, with a Kalman gain (module doc).
 * @returns the next state; the input is not changed.
 */
export function applyEdit(
  state: ProfileState,
  evidence: EditEvidence,
  context: { now?: Date; learner?: Partial<LearnerOptions> } = {},
): ProfileState {
  const o = options(context.learner);
  const delta = evidence.edited.map((v, i) => v - evidence.original[i]!);
  const scale = nextScale(state, norm(delta));
  const x = delta.map((v) => v / scale);
  const d = x.length;
  const tau = d * o.editPrecision;
  const precision = addMatrices(state.precision, scaledIdentity(d, tau));
  const step = solveSpd(
    precision,
    x.map((v, i) => tau * (v - state.mean[i]!)),
  );
  return {
    ...state,
    mean: state.mean.map((m, i) => m + step[i]!),
    precision,
    scale,
    edits: state.edits + 1,
    source: 'learned',
    updatedAt: (context.now ?? new Date()).toISOString(),
  };
}

/**
 * The state expressed over `attributes` (the scorer may have changed since it was learned): the mean is carried over
 * by name; when the order or the set differs the certainty is reset to the prior's. Null when no named weight
 * survives (the caller starts afresh).
 */
export function alignState(
  state: ProfileState,
  attributes: readonly string[],
  learner?: Partial<LearnerOptions>,
): ProfileState | null {
  const same = state.attributes.length === attributes.length && state.attributes.every((a, i) => a === attributes[i]);
  if (same) return state;
  const mean = attributes.map((name) => {
    const at = state.attributes.indexOf(name);
    return at < 0 ? 0 : state.mean[at]!;
  });
  if (mean.every((x) => x === 0)) return null;
  return {
    ...state,
    attributes: [...attributes],
    mean,
    precision: scaledIdentity(attributes.length, options(learner).priorPrecision),
  };
}

/** The log-likelihood gradient and negative Hessian of "row 0 was chosen among `xs`" at weights `w`. */
function choiceTerms(w: readonly number[], xs: ReadonlyArray<readonly number[]>) {
  const d = w.length;
  const logits = xs.map((x) => dot(w, x));
  const top = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - top));
  const total = exps.reduce((a, b) => a + b, 0);
  const p = exps.map((e) => e / total);
  const expected = new Array<number>(d).fill(0);
  xs.forEach((x, j) => x.forEach((v, i) => (expected[i]! += p[j]! * v)));
  const gradient = xs[0]!.map((v, i) => v - expected[i]!);
  // Covariance of x under p: Σ p_j x_j x_jᵀ − E[x] E[x]ᵀ.
  let curvature = zeroMatrix(d);
  xs.forEach((x, j) => (curvature = addOuter(curvature, x, p[j]!)));
  curvature = addOuter(curvature, expected, -1);
  return { gradient, curvature };
}

/** The running RMS size of score differences, frozen after the first {@link SCALE_EVENTS} events. */
function nextScale(state: ProfileState, size: number): number {
  const events = state.choices + state.edits;
  if (events >= SCALE_EVENTS && state.scale > 0) return state.scale;
  if (!(size > 0)) return state.scale > 0 ? state.scale : 1;
  if (!(state.scale > 0)) return size;
  return Math.sqrt((events * state.scale ** 2 + size ** 2) / (events + 1));
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  return a.reduce((sum, v, i) => sum + (v - b[i]!) ** 2, 0);
}

function zeroMatrix(d: number): number[] {
  return new Array<number>(d * d).fill(0);
}

function addMatrices(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v + b[i]!);
}

function multiply(a: readonly number[], x: readonly number[]): number[] {
  const d = x.length;
  return Array.from({ length: d }, (_, i) => x.reduce((sum, v, j) => sum + a[i * d + j]! * v, 0));
}
