/**
 * Failed loads release everything they started: invalid options fail before anything loads, and a load that fails
 * after its session workers started (a graph input it cannot feed, a template that raises in the test run) ends
 * their threads. Counted twice: the pool's own count of live workers, and the process's OS threads (Linux).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from '../../core/errors.js';
import { WORKER_NICE } from '../../core/worker-thread.js';
import { writeTinyDecoderDir } from '../onnx-build/tiny-decoder.js';
import { createOnnxScorer } from './scorer.js';
import type { OnnxScorerOptions } from './scorer.js';
import { liveSessionWorkers } from './worker-pool.js';

const quiet = { info() {}, warn() {} };
const LABELS = ['a', 'b'];
const osThreads = () => (existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : undefined);

let root: string;
let good: string;
let floatMask: string;
let raising: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'prefsel-release-'));
  const base = { pooling: 'graph', padId: 128256, labels: LABELS } as const;
  good = await writeTinyDecoderDir(join(root, 'good'), base);
  floatMask = await writeTinyDecoderDir(join(root, 'float-mask'), { ...base, maskType: 'float32' });
  raising = await writeTinyDecoderDir(join(root, 'raising'), {
    ...base,
    chatTemplate: "{{ raise_exception('this template refuses every conversation') }}",
  });
  // Warm up once: the first load starts process-wide threads (libuv pool, V8 platform) that stay.
  const scorer = await createOnnxScorer({ modelDir: good, device: 'cpu', workers: 2, logger: quiet });
  await scorer.close();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const load = (options: Omit<OnnxScorerOptions, 'logger' | 'device'>) =>
  createOnnxScorer({ device: 'cpu', workers: 2, logger: quiet, ...options });

describe('failed loads', () => {
  it('Should check options before reading the model directory', async () => {
    const attempt = load({ modelDir: join(root, 'missing'), batching: { maxPadding: 1 } });
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(/`batching\.maxPadding` to be a number in \[0, 1\), got `1` \(number\)/);
    await expect(load({ modelDir: good, workers: -1 })).rejects.toThrow(/`workers` to be an integer from 0 and up/);
    await expect(load({ modelDir: good, maxLength: 2 })).rejects.toThrow(/`maxLength` to be an integer from 8 and up/);
  });

  it('Should leave no worker threads behind, whatever failed', async () => {
    const workersBefore = liveSessionWorkers();
    const threadsBefore = osThreads();
    const failures: Array<[Omit<OnnxScorerOptions, 'logger' | 'device'>, RegExp]> = [
      [{ modelDir: good, batching: { maxPadding: 1 } }, /batching\.maxPadding/],
      [{ modelDir: floatMask }, /attention_mask` takes float32/],
      [{ modelDir: raising }, /a test run failed: .*refuses every conversation/],
    ];
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const [options, message] of failures) await expect(load(options)).rejects.toThrow(message);
    }
    expect(liveSessionWorkers()).toBe(workersBefore);
    if (threadsBefore !== undefined) expect(osThreads()).toBe(threadsBefore);
  });

  it('Should count the workers of a loaded scorer until it closes (so the count above can fail)', async () => {
    const before = liveSessionWorkers();
    const scorer = await load({ modelDir: good });
    expect(liveSessionWorkers()).toBe(before + 2);
    await scorer.close();
    expect(liveSessionWorkers()).toBe(before);
    await expect(load({ modelDir: floatMask })).rejects.toBeInstanceOf(ModelLoadError);
  });

  it.runIf(existsSync('/proc/thread-self/stat'))(
    'Should run its session and encode workers (and their runtime threads) below the event loop’s priority',
    async () => {
      const nice = (task: string) => {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const tasks = () => readdirSync('/proc/self/task');
      const main = nice(String(process.pid));
      const lowered = () => tasks().filter((t) => nice(t) === Math.min(19, main + WORKER_NICE)).length;
      const before = lowered();
      const scorer = await load({ modelDir: good, tokenizerWorkers: 1 });
      // Two session workers and one encode worker at least; ONNX Runtime's threads inside them inherit theirs.
      expect(lowered() - before).toBeGreaterThanOrEqual(3);
      expect(nice(String(process.pid))).toBe(main);
      await scorer.close();
    },
  );
});
