import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorker, WORKER_NICE, workerFile } from './worker-thread.js';

const ENTRY = `import { parentPort, workerData } from 'node:worker_threads';
const typed: number = 1;
parentPort.postMessage({ echo: workerData.value, typed });`;

describe('worker threads from compiled or TypeScript entries', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prefsel-worker-'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'entry.ts'), ENTRY);
    writeFileSync(join(dir, 'entry.mjs'), ENTRY.replace(': number', ''));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(process.platform === 'linux')('lowers a worker thread’s priority and not the event loop’s', async () => {
    const helper = new URL('./worker-thread.ts', import.meta.url).href;
    writeFileSync(
      join(dir, 'nice.ts'),
      `import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { lowerWorkerPriority } from ${JSON.stringify(helper)};
lowerWorkerPriority();
parentPort!.postMessage(${niceOf.toString()}('/proc/thread-self/stat', readFileSync));`,
    );
    const before = niceOf('/proc/thread-self/stat', readFileSync);
    const worker = startWorker(pathToFileURL(join(dir, 'nice.ts')), {});
    const nice = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
    await worker.terminate();
    expect(nice).toBe(Math.min(19, before + WORKER_NICE));
    expect(niceOf('/proc/thread-self/stat', readFileSync)).toBe(before);
  });

  it('names the sibling file with the caller’s own extension', () => {
    expect(workerFile('w', 'file:///pkg/dist/a/b.js').href).toBe('file:///pkg/dist/a/w.js');
    expect(workerFile('w', 'file:///src/a/b.ts').href).toBe('file:///src/a/w.ts');
  });

  it('runs a TypeScript entry through tsx and a JavaScript one as is, each with its data', async () => {
    for (const file of ['entry.ts', 'entry.mjs']) {
      const worker = startWorker(pathToFileURL(join(dir, file)), { value: file });
      const reply = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
      expect(reply).toEqual({ echo: file, typed: 1 });
      await worker.terminate();
    }
  });
});

/** A thread's nice value from its `/proc/…/stat` (field 19; the name in parentheses may hold spaces). */
function niceOf(path: string, read: (path: string, encoding: 'utf8') => string): number {
  const stat = read(path, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
