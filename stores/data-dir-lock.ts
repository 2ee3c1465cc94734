/**
 * @module stores/data-dir-lock
 * PGlite is single-process: two instances on one data directory each believe they own it, and one's writes overwrite
 * the other's (a second open succeeds silently). So the directory is claimed with a lock file (`prefsel.lock`, the
 * owner's pid) before it is opened, and a second claim, from this process or another on this machine, is refused
 * with a clear error. A lock left by a process that no longer runs (a crash) is taken over. Replicas that need to
 * share profiles use PostgreSQL (`--database-url`).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A claimed data directory. */
export interface DataDirLock {
  readonly dir: string;
  /** Gives the directory up (idempotent). */
  release(): void;
}

/** The lock file's name inside a data directory. */
export const LOCK_FILE = 'prefsel.lock';

/** Directories claimed by this process: a lock file naming this pid but not listed here is a previous run's. */
const claimed = new Set<string>();

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock file, or null when nobody does (missing, unreadable, or its process is gone). */
function holder(file: string, dir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return null;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  if (pid === process.pid) return claimed.has(dir) ? pid : null;
  return running(pid) ? pid : null;
}

/**
 * Claims `dataDir` (created when missing) for this process.
 * @throws Error when another store instance, in this process or another running one, holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(file, dir);
      if (pid !== null || attempt > 0) {
        const who = pid === process.pid ? 'another profile store in this process' : `process ${pid ?? '(starting)'}`;
        throw new Error(
          `The profile data directory ${dir} is in use by ${who}: the embedded database (PGlite) serves one process at a time. Give each process its own --data-dir, or share profiles through PostgreSQL with --database-url.`,
        );
      }
      rmSync(file, { force: true }); // a crashed run's lock
    }
  }
  claimed.add(dir);
  let held = true;
  return {
    dir,
    release() {
      if (!held) return;
      held = false;
      claimed.delete(dir);
      rmSync(file, { force: true });
    },
  };
}
