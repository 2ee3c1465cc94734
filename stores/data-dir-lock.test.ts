/**
 * The data directory lock: PGlite opens a directory another instance has open without complaint (and the two then
 * overwrite each other), so the claim is what keeps one process per directory. Uses real files and real processes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockDataDir } from './data-dir-lock.js';

describe('lockDataDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'prefsel-lock-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = (name: string) => join(root, name);

  it('refuses a second claim in this process until the first is released', () => {
    const first = lockDataDir(dir('twice'));
    expect(() => lockDataDir(dir('twice'))).toThrow(/in use by another profile store in this process.*--database-url/);
    first.release();
    first.release();
    const second = lockDataDir(dir('twice'));
    expect(existsSync(join(dir('twice'), LOCK_FILE))).toBe(true);
    second.release();
    expect(existsSync(join(dir('twice'), LOCK_FILE))).toBe(false);
  });

  it('refuses a directory another running process holds, naming it', () => {
    lockDataDir(dir('other')).release();
    writeFileSync(join(dir('other'), LOCK_FILE), `${process.ppid}\n`);
    expect(() => lockDataDir(dir('other'))).toThrow(new RegExp(`in use by process ${process.ppid}`));
  });

  it("takes over the lock of a process that has ended, or of this pid's previous run", () => {
    const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    lockDataDir(dir('stale')).release();
    writeFileSync(join(dir('stale'), LOCK_FILE), `${ended}\n`);
    lockDataDir(dir('stale')).release();
    // A container restarted after a crash often gets the same pid (1): a lock naming this pid that this process did
    // not take is the previous run's.
    writeFileSync(join(dir('stale'), LOCK_FILE), `${process.pid}\n`);
    lockDataDir(dir('stale')).release();
    writeFileSync(join(dir('stale'), LOCK_FILE), 'garbage');
    lockDataDir(dir('stale')).release();
  });
});
