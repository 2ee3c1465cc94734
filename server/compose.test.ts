/**
 * compose()'s observation hooks: a request through the composed app reaches the wrapped generator and selector, the
 * scorer's batches reach `onScorerBatch`, and compose still feeds its own metrics (the hook adds, never replaces).
 * One compose with the reference ONNX model on CPU in front of the simulator, so the test is slow-ish but real.
 */
import type { BatchInfo } from '../scorers/index.js';
import type { Generator } from '../core/ports.js';
import type { Selector } from '../core/selector.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { compose, type Composed } from './compose.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

describe('compose hooks', () => {
  let sim: SimulatedUpstream;
  let composed: Composed | undefined;

  beforeAll(async () => {
    sim = await startSimulatedUpstream({ ttftMs: 1, tokensPerSecond: 10_000 });
  });
  afterAll(async () => {
    await composed?.close();
    await sim.close();
  });

  it('applies wrapGenerator and wrapSelector and reports scorer batches', async () => {
    const loaded = loadConfig(['--upstream-url', sim.url, '--device', 'cpu', '--k', '2', '--log-level', 'silent'], {});
    if (loaded.help) throw new Error('unexpected --help');
    let calls = 0;
    let selections = 0;
    const batches: BatchInfo[] = [];
    composed = await compose(loaded.config, {
      logger: createLogger('silent'),
      wrapGenerator: (g: Generator): Generator => ({
        ...g,
        complete: (params, options) => {
          calls++;
          return g.complete(params, options);
        },
      }),
      // A proxy counts selections and leaves every other member of the selector untouched.
      wrapSelector: (s) =>
        new Proxy(s, {
          get: (target, prop, receiver): unknown =>
            prop === 'select'
              ? (...args: Parameters<Selector['select']>) => {
                  selections++;
                  return target.select(...args);
                }
              : Reflect.get(target, prop, receiver),
        }),
      onScorerBatch: (b) => batches.push(b),
    });

    const res = await composed.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'prefsel-sim', messages: [{ role: 'user', content: 'What is a mutex?' }] }),
    });
    expect(res.status).toBe(200);
    expect(calls).toBe(2); // k = 2 candidates, each one upstream call through the wrapper
    expect(selections).toBe(1);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.reduce((n, b) => n + b.items, 0)).toBeGreaterThanOrEqual(2);

    // compose's own metrics are still fed alongside the hook.
    const metrics = await (await composed.app.request('/metrics')).text();
    expect(metrics).toMatch(/prefsel_scorer_batch_size_count \d*[1-9]/);
  }, 60_000);
});
