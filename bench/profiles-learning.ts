/**
 * @module profiles-learning
 * Learning curves of the profile learner in the simulated world (`profiles-sim.ts`): simulated users with hidden
 * directions give choice or edit feedback on RPS candidates generated around what the learner believes so far;
 * after each event the learned direction is compared with the hidden one, and at checkpoints RPS under the learned
 * direction plays RPS under the fixed default direction, judged by the users' true utility.
 */
import { angleBetween, dot, normalize, toDegrees } from '../core/vector.js';
import {
  applyChoice,
  applyEdit,
  directionOf,
  informativePair,
  initialState,
  uncertaintyDeg,
} from '../middleware/index.js';
import type { LearnerOptions } from '../middleware/index.js';
import { createRandom } from '../middleware/index.js';
import { randomDirection, SimWorld, type SimAnswer, type WorldOptions } from './profiles-sim.js';

/**
 * Kinds of feedback simulated: a choice between two of the k candidates (picked at random, or the pair the learner's
 * `informativePair` names), a choice among all k, an edit.
 */
export type FeedbackMode = 'choice-pair' | 'choice-pair-informative' | 'choice-k' | 'edit';

/** Options of {@link learningCurves}. */
export interface LearningOptions {
  mode: FeedbackMode;
  users: number;
  /** Event counts at which the direction is measured (the last is the number of events simulated). */
  checkpoints: number[];
  /** Checkpoints at which the win rate over the default direction is measured. */
  winCheckpoints: number[];
  /** Prompts per user and win-rate checkpoint. */
  winPrompts: number;
  k: number;
  radiusDeg: number;
  world: WorldOptions;
  /** The server default every new user starts from. */
  defaultDirection: number[];
  learner?: Partial<LearnerOptions>;
  seed: number;
}

/** Per checkpoint, one value per user. */
export interface Curve {
  events: number;
  /** Angle learned ↔ hidden true direction, degrees. */
  angleDeg: number[];
  /** Angle learned ↔ the best direction in the scorer's space (the length bias removed). */
  scoreSpaceAngleDeg: number[];
  /** The learner's own uncertainty estimate, degrees. */
  uncertaintyDeg: number[];
  /** Shortcut: the direction of the summed (chosen − mean shown) score differences (edit: of the summed edits). */
  shortcutAngleDeg: number[];
}

/** RPS under the learned direction against RPS under the default, judged by true utility. */
export interface WinCount {
  events: number;
  wins: number;
  losses: number;
  ties: number;
}

/** Result of {@link learningCurves}. */
export interface LearningResult {
  mode: FeedbackMode;
  curves: Curve[];
  wins: WinCount[];
  /** Per user: angle of the default direction and of the best score-space direction to the hidden one. */
  defaultAngleDeg: number[];
  floorAngleDeg: number[];
}

const angleDeg = (a: readonly number[], b: readonly number[]) => toDegrees(angleBetween(normalize(a), normalize(b)));

/** The answer RPS picks: highest projection of its scores on `direction`. */
function pick(answers: readonly SimAnswer[], direction: readonly number[]): SimAnswer {
  return answers.reduce((best, a) => (dot(a.scores, direction) > dot(best.scores, direction) ? a : best));
}

/** Runs the simulation for every user (see the module doc). */
export function learningCurves(options: LearningOptions): LearningResult {
  const { mode, k, radiusDeg, defaultDirection } = options;
  const random = createRandom(options.seed);
  const world = new SimWorld(options.world, random);
  // Its own stream for the random pair, so both pair modes meet the same users with the same true directions.
  const pairRandom = createRandom(options.seed + 1);
  const maxEvents = Math.max(...options.checkpoints, ...options.winCheckpoints);
  const curves: Curve[] = options.checkpoints.map((events) => ({
    events,
    angleDeg: [],
    scoreSpaceAngleDeg: [],
    uncertaintyDeg: [],
    shortcutAngleDeg: [],
  }));
  const wins: WinCount[] = options.winCheckpoints.map((events) => ({ events, wins: 0, losses: 0, ties: 0 }));
  const defaultAngles: number[] = [];
  const floors: number[] = [];
  const context = { attributes: world.attributes, ...(options.learner ? { learner: options.learner } : {}) };

  for (let u = 0; u < options.users; u++) {
    const truth = randomDirection(random, defaultDirection);
    const best = world.scoreSpaceDirection(truth);
    defaultAngles.push(angleDeg(defaultDirection, truth));
    floors.push(angleDeg(best, truth));
    let state = initialState(defaultDirection, context);
    let shortcut = new Array<number>(truth.length).fill(0);
    const record = (events: number) => {
      const learned = directionOf(state);
      for (const curve of curves.filter((c) => c.events === events)) {
        curve.angleDeg.push(angleDeg(learned, truth));
        curve.scoreSpaceAngleDeg.push(angleDeg(learned, best));
        curve.uncertaintyDeg.push(uncertaintyDeg(state));
        const s = shortcut.some((x) => x !== 0) ? shortcut : defaultDirection;
        curve.shortcutAngleDeg.push(angleDeg(s, truth));
      }
      for (const count of wins.filter((w) => w.events === events)) {
        for (let p = 0; p < options.winPrompts; p++) {
          const seed = options.seed * 7919 + u * 1000 + p;
          const mine = pick(world.candidates(learned, { k, radiusDeg, seed }), learned);
          const theirs = pick(world.candidates(defaultDirection, { k, radiusDeg, seed }), defaultDirection);
          const diff = dot(truth, mine.truth) - dot(truth, theirs.truth);
          if (diff > 1e-12) count.wins++;
          else if (diff < -1e-12) count.losses++;
          else count.ties++;
        }
      }
    };
    record(0);
    for (let event = 1; event <= maxEvents; event++) {
      const current = directionOf(state);
      const answers = world.candidates(current, { k, radiusDeg, seed: options.seed * 104729 + u * 997 + event });
      if (mode === 'edit') {
        const shown = pick(answers, current);
        const edited = world.edit(truth, shown);
        state = applyEdit(state, { original: shown.scores, edited: edited.scores }, context);
        shortcut = shortcut.map((x, i) => x + edited.scores[i]! - shown.scores[i]!);
      } else {
        const shown =
          mode === 'choice-pair'
            ? twoOf(answers, pairRandom)
            : mode === 'choice-pair-informative'
              ? informativePair(
                  state,
                  answers.map((a) => a.scores),
                )!.map((i) => answers[i]!)
              : answers;
        const chosen = world.choose(truth, shown);
        const others = shown.filter((_, i) => i !== chosen).map((a) => a.scores);
        state = applyChoice(state, { chosen: shown[chosen]!.scores, others }, context);
        const centre = shown[0]!.scores.map((_, i) => shown.reduce((s, a) => s + a.scores[i]!, 0) / shown.length);
        shortcut = shortcut.map((x, i) => x + shown[chosen]!.scores[i]! - centre[i]!);
      }
      record(event);
    }
  }
  return { mode, curves, wins, defaultAngleDeg: defaultAngles, floorAngleDeg: floors };
}

/** Two distinct answers, at random: the playground's "which of these two is better". */
function twoOf(answers: readonly SimAnswer[], random: () => number): SimAnswer[] {
  const i = Math.floor(random() * answers.length);
  let j = Math.floor(random() * (answers.length - 1));
  if (j >= i) j++;
  return [answers[i]!, answers[j]!];
}
