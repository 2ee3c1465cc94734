/**
 * @module worker-thread
 * Starts a worker thread from a module file, compiled or not: a `.js` entry as is, a `.ts` entry (prefsel run from
 * source under tsx or vitest) through tsx, which the worker registers before importing the entry. Every worker
 * prefsel starts from its own modules goes through here, so the two ways of running prefsel cannot drift apart.
 */
import { Worker } from 'node:worker_threads';

// Written with import() only: eval'd code is CommonJS or ESM depending on the parent's flags
// (`node --input-type=module -e …` makes it ESM).
const BOOT = `import('node:worker_threads').then(async ({ workerData }) => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
});`;

/**
 * The URL of a sibling module `name` (without extension) of the calling module, `.ts` when the caller itself runs
 * from TypeScript source.
 * @param name the file name without its extension. @param callerUrl the caller's `import.meta.url`.
 * @example workerFile('encode-worker', import.meta.url)
 */
export function workerFile(name: string, callerUrl: string): URL {
  return new URL(`./${name}.${callerUrl.endsWith('.ts') ? 'ts' : 'js'}`, callerUrl);
}

/**
 * Starts `entry` in a worker thread; the entry reads `data` as its `workerData` (under tsx with two more fields,
 * `entry` and `tsx`, that it can ignore).
 * @param entry a module URL from {@link workerFile}. @param data structured-cloneable fields.
 */
export function startWorker(entry: URL, data: Readonly<Record<string, unknown>>): Worker {
  if (!entry.pathname.endsWith('.ts')) {
    // A worker inherits the parent's flags; Node refuses --input-type (set by `node --input-type=module -e …`) for
    // a worker started from a file.
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    return new Worker(entry, { workerData: data, execArgv });
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(BOOT, { eval: true, workerData: { ...data, entry: entry.href, tsx } });
}
