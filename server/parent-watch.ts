/**
 * @module parent-watch
 * npm runs `npx prefsel serve` (and any npm script) through a shell. On SIGTERM npm signals that shell, which dies
 * without passing the signal on, and the server would keep running, orphaned, holding its port: what a container
 * runtime or process manager sees as a process that ignores SIGTERM. So when npm started this process, losing the
 * parent means "stop". Only then: a server someone starts in the background from a script that exits must keep
 * running after its parent is gone.
 */

/** Options of {@link onOrphaned}. */
export interface OnOrphanedOptions {
  /** How often to look at the parent pid. @default 1000 */
  readonly intervalMs?: number;
  /** Where to read whether npm started this process (`npm_lifecycle_event`). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Calls `callback` once when this process, started by npm, loses its parent (the parent pid changes).
 * @returns a function that stops watching. The watch never keeps the process alive.
 */
export function onOrphaned(callback: () => void, options: OnOrphanedOptions = {}): () => void {
  if ((options.env ?? process.env).npm_lifecycle_event === undefined) return () => {};
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    callback();
  }, options.intervalMs ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
