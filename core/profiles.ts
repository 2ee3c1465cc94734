/**
 * @module profiles
 * Per-user preference profiles: what a profile holds (a Gaussian posterior over attribute weights, whose mean's
 * direction is the user's preference) and the {@link ProfileStore} port the engine needs to keep profiles, the
 * idempotency record of each feedback and, for a bounded time, the candidates a response showed. Implementations:
 * in memory (`middleware/profiles`), PGlite and PostgreSQL (`stores/`). Every key is scoped by a tenant, so one client
 * key's profiles are invisible to another's.
 */

/** One user of one tenant. */
export interface ProfileKey {
  /** A stable, non-secret id of the client key (or `default` when the server has no keys). */
  tenant: string;
  /** The OpenAI `user` id. */
  user: string;
}

/** How a profile's current direction came about. */
export type ProfileSource = 'default' | 'manual' | 'learned';

/**
 * The learner's state for one user: a Laplace (Gaussian) posterior over attribute weights. The direction of `mean`
 * is the preference; `precision` (the inverse covariance, row-major d×d) says how sure the learner is of it.
 */
export interface ProfileState {
  /** The attribute order of `mean` and `precision` (the scorer's at the time of learning). */
  attributes: string[];
  /** Posterior mean of the weights, unnormalised: its length grows with consistent evidence. */
  mean: number[];
  /** Posterior precision, row-major d×d. */
  precision: number[];
  /** Score differences are divided by this before learning (their typical size), so the prior means the same for any scorer scale. */
  scale: number;
  /** Choice feedback applied. */
  choices: number;
  /** Edit feedback applied. */
  edits: number;
  source: ProfileSource;
  /** ISO time of the last change. */
  updatedAt: string;
}

/** A stored profile and its version (incremented by every change; optimistic writers compare it). */
export interface StoredProfile {
  state: ProfileState;
  version: number;
}

/** What a response showed, kept for a bounded time so a later choice can refer to it by response id. */
export interface KeptReport {
  /** The response's id (`chatcmpl-…`, `resp_…`). */
  responseId: string;
  /** The user the response was selected for: feedback from any other user id does not find it. */
  user: string;
  /** Attribute order of every `scores` row. */
  attributes: string[];
  /** The scored candidates, by their index in the selection report. */
  candidates: Array<{ index: number; scores: number[] }>;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms after which feedback on it is refused as expired. */
  expiresAt: number;
}

/** One atomic change of a profile. */
export interface ProfileChange<R> {
  /**
   * The client's feedback id: a change whose id was already applied to this user is not applied again; the first
   * application's result is returned instead.
   */
  feedbackId?: string;
  /** A digest of the request that carried the change; a replayed id with another digest is a conflict. */
  fingerprint?: string;
  /**
   * Pure: the next state from the current one (`null` when the user has none yet), and the JSON result to answer
   * with. May run more than once (optimistic retries); must not have side effects.
   */
  apply(current: StoredProfile | null): { state: ProfileState; result: R };
}

/** The outcome of {@link ProfileStore.update}. */
export type UpdateOutcome<R> =
  | { status: 'applied'; profile: StoredProfile; result: R }
  /** The feedback id was applied before: its first result, unchanged. */
  | { status: 'replayed'; result: R }
  /** The feedback id was applied before with a different request. */
  | { status: 'conflict' };

/** Bounds on the kept reports. */
export interface KeepLimits {
  /** Most reports kept per store; the oldest go first. */
  maxReports: number;
}

/** Where profiles live. Every method is scoped by tenant; none ever returns another tenant's data. */
export interface ProfileStore {
  /** `memory`, `pglite` or `postgres`, for logs and health. */
  readonly kind: string;
  /** The user's profile, or null. */
  get(key: ProfileKey): Promise<StoredProfile | null>;
  /**
   * Reads, changes and writes one profile atomically (concurrent changes of one user, from any replica, are applied
   * one after the other; none is lost), and records the feedback id with its result in the same transaction.
   */
  update<R>(key: ProfileKey, change: ProfileChange<R>): Promise<UpdateOutcome<R>>;
  /** Forgets everything about the user: the profile, its feedback ids and the reports kept for it. True if any existed. */
  delete(key: ProfileKey): Promise<boolean>;
  /** Keeps a response's candidates for later feedback; drops expired and (over `maxReports`) the oldest reports. */
  keepReport(tenant: string, report: KeptReport, limits: KeepLimits): Promise<void>;
  /** A kept report of this tenant, expired or not (the caller tells 410 from 404), or null when unknown. */
  findReport(tenant: string, responseId: string): Promise<KeptReport | null>;
  /** Releases connections and files. */
  close(): Promise<void>;
}
