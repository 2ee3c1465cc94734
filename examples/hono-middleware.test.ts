import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('README example: the Hono middleware with the ONNX reference scorer', () => {
  it('Should answer a chat completion chosen among k candidates', async () => {
    const script = fileURLToPath(new URL('./hono-middleware.ts', import.meta.url));
    // Without UPSTREAM_URL the example starts the simulated upstream itself.
    const { UPSTREAM_URL: _unused, ...env } = process.env;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env, timeout: 120_000 });
    expect(stdout).toMatch(/^Status: 200$/m);
    expect(stdout).toMatch(/^Strategy: rps · candidates: 5$/m); // k = 5 by default
    expect(stdout).toMatch(/^Chosen: \S+/m);
  }, 180_000);
});
