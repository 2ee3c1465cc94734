/**
 * @module onnx/truncation
 * The truncation rule's two search spaces, each walked with few exact measurements:
 * - which turns to drop: {@link planDrops} lists, once per conversation and in linear time, the conversations the
 *   rule produces by dropping the oldest turns one step at a time, so the encoder can jump to the step its token
 *   estimates point at instead of re-encoding after every step;
 * - where to cut a text that alone is too long: {@link smallestCut}, a binary search over characters.
 */
import type { Turn } from './encode-format.js';

const isSystem = (t: Turn) => t.role === 'system' || t.role === 'developer';

/** The conversations truncation goes through: step 0 keeps every turn, the last step only the final turn. */
export interface DropPlan {
  /** The number of steps; `kept(steps)` holds one turn (or none for an empty conversation). */
  readonly steps: number;
  /** For each turn, the step that drops it (`steps + 1`: never). */
  readonly droppedAt: Int32Array;
  /** The turns left after `step` steps, in order. */
  kept(step: number): Turn[];
}

/**
 * Applies the rule "drop the oldest non-system turn, and an assistant turn it leaves at the front (so templates that
 * insist on user/assistant alternation still render); system messages go only when nothing else is left; the last
 * turn stays" until one turn is left, recording when each turn goes. Linear: the front only moves forward.
 */
export function planDrops(turns: readonly Turn[]): DropPlan {
  const n = turns.length;
  const last = n - 1;
  const never = n + 1;
  const droppedAt = new Int32Array(n).fill(never);
  const alive = (i: number) => droppedAt[i] === never;
  let left = n;
  let head = 0; // first alive turn
  let front = 0; // first alive non-system turn, or beyond
  let step = 0;
  const drop = (i: number) => {
    droppedAt[i] = step;
    left--;
  };
  while (left > 1) {
    while (front < n && (!alive(front) || isSystem(turns[front]!))) front++;
    if (front >= last) {
      // Only the final turn is not a system message (or none is): the oldest message goes, whatever it is.
      while (!alive(head)) head++;
      drop(head);
    } else {
      drop(front);
      let next = front + 1;
      while (next < n && (!alive(next) || isSystem(turns[next]!))) next++;
      if (next < last && turns[next]!.role === 'assistant') drop(next);
    }
    step++;
  }
  return {
    steps: step,
    droppedAt,
    kept: (s) => turns.filter((_, i) => droppedAt[i]! >= s),
  };
}

/**
 * The smallest cut in [0, `length`] for which `fits(cut)` holds, by binary search over characters; `length` when
 * none is found (`fits(length)` is never asked). Token counts are not quite monotone in the cut (a word cut in two
 * may take more tokens than the whole word), so this is the former encoder's search, probe for probe: the same
 * inputs give the same ids. What changed is the cost of a probe (only the kept text is encoded, and measurements
 * the candidates share are memoised by the caller).
 */
export function smallestCut(length: number, fits: (cut: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
