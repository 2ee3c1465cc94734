/**
 * @module profiles/lazy-store
 * A {@link ProfileStore} opened on first use. Opening an embedded database takes seconds (PGlite compiles its WASM
 * module and, the first time, initialises the directory), so a server that never serves a profile never pays for it,
 * and start-up is not delayed. A failed open is retried by the next call.
 */
import type { ProfileStore } from '../../core/profiles.js';

/** Wraps `open` so that it runs once, when the store is first used. */
export function lazyProfileStore(kind: string, open: () => Promise<ProfileStore>): ProfileStore {
  let opening: Promise<ProfileStore> | undefined;
  const store = () => {
    opening ??= open().catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
    return opening;
  };
  return {
    kind,
    get: async (key) => (await store()).get(key),
    update: async (key, change) => (await store()).update(key, change),
    delete: async (key) => (await store()).delete(key),
    keepReport: async (tenant, report, limits) => (await store()).keepReport(tenant, report, limits),
    findReport: async (tenant, responseId) => (await store()).findReport(tenant, responseId),
    async close() {
      const pending = opening;
      opening = undefined;
      if (pending) await (await pending.catch(() => undefined))?.close();
    },
  };
}
