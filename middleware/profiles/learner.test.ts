import { angleBetween, dot, normalize, toDegrees } from '../../core/vector.js';
import { createRandom } from '../prng.js';
import {
  alignState,
  applyChoice,
  applyEdit,
  directionOf,
  informativePair,
  initialState,
  uncertaintyDeg,
} from './learner.js';

const attributes = ['helpfulness', 'verbosity', 'coherence'];
const angle = (a: number[], b: number[]) => toDegrees(angleBetween(normalize(a), normalize(b)));

describe('profile learner', () => {
  it('starts at the given direction, maximally unsure', () => {
    const state = initialState([2, 0, 0], { attributes });
    expect(directionOf(state)).toEqual([1, 0, 0]);
    expect(state.source).toBe('default');
    expect(uncertaintyDeg(state)).toBeGreaterThan(45);
  });

  it('moves toward the chosen candidate and away from the other, without changing its input', () => {
    const state = initialState([1, 0, 0], { attributes });
    const before = structuredClone(state);
    const next = applyChoice(state, { chosen: [50, 80, 50], others: [[50, 20, 50]] });
    expect(state).toEqual(before);
    expect(next.choices).toBe(1);
    expect(next.source).toBe('learned');
    // The preferred answer was more verbose: the verbosity weight rises, nothing else changes sign.
    expect(directionOf(next)[1]!).toBeGreaterThan(0.1);
    expect(directionOf(next)[0]!).toBeGreaterThan(0);
    expect(uncertaintyDeg(next)).toBeLessThan(uncertaintyDeg(state));
  });

  it('finds a logistic user from noisy pairwise choices, whatever the score scale', () => {
    for (const scoreScale of [1, 100]) {
      const random = createRandom(7);
      const truth = normalize([0.3, -0.8, 0.5]);
      let state = initialState([1, 0, 0], { attributes });
      for (let t = 0; t < 300; t++) {
        const a = attributes.map(() => random() * scoreScale);
        const b = attributes.map(() => random() * scoreScale);
        const margin =
          (4 *
            dot(
              truth,
              a.map((x, i) => x - b[i]!),
            )) /
          scoreScale;
        const aWins = random() < 1 / (1 + Math.exp(-margin));
        state = applyChoice(state, aWins ? { chosen: a, others: [b] } : { chosen: b, others: [a] });
      }
      expect(angle(directionOf(state), truth)).toBeLessThan(12);
      // The reported uncertainty is of the size of the actual error, not wildly smaller.
      expect(uncertaintyDeg(state)).toBeGreaterThan(2);
      expect(uncertaintyDeg(state)).toBeLessThan(20);
    }
  });

  it('a choice among k candidates is one event, learned from all of them', () => {
    const state = initialState([1, 0, 0], { attributes });
    const next = applyChoice(state, {
      chosen: [0, 0, 9],
      others: [
        [0, 0, 1],
        [9, 0, 1],
        [0, 9, 1],
      ],
    });
    expect(next.choices).toBe(1);
    expect(directionOf(next)[2]!).toBeGreaterThan(directionOf(state)[2]!);
  });

  it('identical candidates teach nothing', () => {
    const state = initialState([0, 1, 0], { attributes });
    const next = applyChoice(state, { chosen: [5, 5, 5], others: [[5, 5, 5]] });
    expect(directionOf(next)).toEqual(directionOf(state));
  });

  it('an edit moves the direction toward its attribute difference', () => {
    let state = initialState([1, 0, 0], { attributes });
    for (let i = 0; i < 10; i++) state = applyEdit(state, { original: [60, 70, 50], edited: [62, 40, 58] });
    expect(state.edits).toBe(10);
    expect(angle(directionOf(state), [2, -30, 8])).toBeLessThan(10);
  });

  it('shows the pair it knows least about: not one differing only where it is already sure', () => {
    let state = initialState([1, 0, 0], { attributes });
    expect(informativePair(state, [[1, 2, 3]])).toBeNull();
    // Many choices between answers that differ in helpfulness only: that axis is well known, coherence is not.
    for (let i = 0; i < 30; i++) state = applyChoice(state, { chosen: [60, 50, 50], others: [[40, 50, 50]] });
    // The helpfulness pair differs far more, but its outcome is a foregone conclusion.
    const candidates = [
      [90, 50, 50],
      [10, 50, 50],
      [50, 50, 65],
      [50, 50, 35],
    ];
    expect(informativePair(state, candidates)).toEqual([2, 3]);
  });

  it('carries a profile over to a changed scorer by attribute name', () => {
    const state = initialState([0, 1, 0], { attributes });
    const moved = alignState(state, ['verbosity', 'helpfulness']);
    expect(moved && directionOf(moved)).toEqual([1, 0]);
    expect(alignState(state, ['helpfulness', 'verbosity', 'coherence'])).toBe(state);
    expect(alignState(state, ['harmlessness'])).toBeNull();
  });
});
