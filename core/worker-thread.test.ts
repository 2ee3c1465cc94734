import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorker, workerFile } from './worker-thread.js';

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
