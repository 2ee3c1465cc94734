/**
 * @module profiles/memory-store
 * A {@link ProfileStore} in process memory: for tests, the library and single-process apps that do not need profiles
 * to survive a restart. Each change is a synchronous read-modify-write between two awaits, so concurrent changes of
 * one user within the process are applied one after the other.
 */
import type {
  KeepLimits,
  KeptReport,
  ProfileChange,
  ProfileKey,
  ProfileStore,
  StoredProfile,
  UpdateOutcome,
} from '../../core/profiles.js';

/** `tenant`, then `user`, joined by a byte neither can hold unescaped in JSON text: no two keys collide. */
const keyOf = (tenant: string, user: string) => JSON.stringify([tenant, user]);

/** Creates an empty in-memory store. */
export function createMemoryProfileStore(): ProfileStore {
  const profiles = new Map<string, StoredProfile>();
  const feedback = new Map<string, Map<string, { fingerprint: string | undefined; result: unknown }>>();
  /** Insertion order is age order, so the first entries are the oldest. */
  const reports = new Map<string, KeptReport & { tenant: string }>();
  // Copies in and out, as a database would: a caller mutating what it got cannot change what is stored.
  const copy = <T>(value: T): T => structuredClone(value);

  return {
    kind: 'memory',
    async get({ tenant, user }) {
      const found = profiles.get(keyOf(tenant, user));
      return found ? copy(found) : null;
    },
    async update<R>({ tenant, user }: ProfileKey, change: ProfileChange<R>): Promise<UpdateOutcome<R>> {
      const key = keyOf(tenant, user);
      const seen = change.feedbackId === undefined ? undefined : feedback.get(key)?.get(change.feedbackId);
      if (seen) {
        if (seen.fingerprint !== change.fingerprint) return { status: 'conflict' };
        return { status: 'replayed', result: copy(seen.result) as R };
      }
      const current = profiles.get(key) ?? null;
      const { state, result } = change.apply(current ? copy(current) : null);
      const profile = { state: copy(state), version: (current?.version ?? 0) + 1 };
      profiles.set(key, profile);
      if (change.feedbackId !== undefined) {
        const ids = feedback.get(key) ?? new Map();
        ids.set(change.feedbackId, { fingerprint: change.fingerprint, result: copy(result) });
        feedback.set(key, ids);
      }
      return { status: 'applied', profile: copy(profile), result };
    },
    async delete({ tenant, user }) {
      const key = keyOf(tenant, user);
      let existed = profiles.delete(key);
      existed = feedback.delete(key) || existed;
      for (const [id, report] of reports) {
        if (report.tenant === tenant && report.user === user) existed = reports.delete(id) || existed;
      }
      return existed;
    },
    async keepReport(tenant: string, report: KeptReport, limits: KeepLimits) {
      const now = Date.now();
      for (const [id, kept] of reports)
        if (kept.expiresAt + (kept.expiresAt - kept.createdAt) < now) reports.delete(id);
      reports.set(keyOf(tenant, report.responseId), { ...copy(report), tenant });
      for (const id of reports.keys()) {
        if (reports.size <= limits.maxReports) break;
        reports.delete(id);
      }
    },
    async findReport(tenant, responseId) {
      const found = reports.get(keyOf(tenant, responseId));
      if (!found) return null;
      const { tenant: _owner, ...report } = found;
      return copy(report);
    },
    async close() {
      profiles.clear();
      feedback.clear();
      reports.clear();
    },
  };
}
