/**
 * @module bench/scale-procs
 * The processes of the scale bench, started exactly as a user starts them (`prefsel serve-scorer`, `prefsel serve
 * --config …`), each in its own process so no two share an event loop.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, prefselCommand, startChild, waitReady, type ChildServer } from './procs.js';

/** `prefsel serve-scorer` on a free port; resolves once it printed READY. */
export async function startScorerServer(options: { modelDir: string; name: string }): Promise<ChildServer> {
  return startChild({
    name: 'serve-scorer',
    command: prefselCommand([
      'serve-scorer',
      '--reward-model',
      options.modelDir,
      '--model-name',
      options.name,
      '--device',
      'cpu',
      '--port',
      '0',
      '--log-level',
      'warn',
    ]),
    env: { NODE_ENV: 'production' },
    timeoutMs: 180_000,
  });
}

/**
 * `prefsel serve --config FILE` with `settings` (flag names → values, as in prefsel.example.yaml) written to a YAML
 * file in `dir`; resolves once `/readyz` answers 200.
 */
export async function startProxy(options: {
  dir: string;
  name: string;
  settings: Record<string, unknown>;
}): Promise<ChildServer> {
  const port = await freePort();
  const file = join(options.dir, `${options.name}.yaml`);
  writeFileSync(file, stringify({ host: '127.0.0.1', port, 'log-level': 'warn', device: 'cpu', ...options.settings }));
  const child = await startChild({
    name: options.name,
    command: prefselCommand(['serve', '--config', file]),
    env: { NODE_ENV: 'production' },
    port,
    timeoutMs: 180_000,
  });
  try {
    await waitReady(`${child.url}/readyz`);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}
