/**
 * @module profiles/view
 * A profile as the API shows it: the direction as attribute weights (a preference any request accepts), its angle in
 * the angle plane when it lies there, the learner's angular uncertainty, and how much feedback it rests on.
 */
import type { ProfileSource, ProfileState } from '../../core/profiles.js';
import { toDegrees } from '../../core/vector.js';
import { directionOf, uncertaintyDeg } from './learner.js';

/** `GET /v1/preferences/{user}`. */
export interface ProfileView {
  object: 'preference_profile';
  user: string;
  /** The learned direction as unit weights: send it as `preference` to get the same selection. */
  preference: { weights: Record<string, number> };
  /** atan2 of the two angle attributes' weights, degrees (DPA convention); null when they are absent. */
  angle_deg: number | null;
  /** The posterior's RMS angular spread around the direction, degrees. */
  uncertainty_deg: number;
  feedback: { choices: number; edits: number };
  source: ProfileSource;
  updated_at: string;
  /** Incremented by every change; null when not known. */
  version: number | null;
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** The view of one state. */
export function profileView(args: {
  user: string;
  state: ProfileState;
  version: number | null;
  angleAttributes: readonly [string, string];
}): ProfileView {
  const { state } = args;
  const direction = directionOf(state);
  const weights = Object.fromEntries(state.attributes.map((name, i) => [name, round(direction[i]!)]));
  const [x, y] = args.angleAttributes;
  const inPlane = x in weights && y in weights;
  return {
    object: 'preference_profile',
    user: args.user,
    preference: { weights },
    angle_deg: inPlane ? round(toDegrees(Math.atan2(weights[y]!, weights[x]!)), 3) : null,
    uncertainty_deg: round(uncertaintyDeg(state), 3),
    feedback: { choices: state.choices, edits: state.edits },
    source: state.source,
    updated_at: state.updatedAt,
    version: args.version,
  };
}
