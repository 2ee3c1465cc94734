import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('README example: selection with a custom scorer function', () => {
  it('Should rank k candidates and print the chosen answer', async () => {
    const script = fileURLToPath(new URL('./custom-scorer.ts', import.meta.url));
    // Without UPSTREAM_URL the example starts the simulated upstream itself.
    const { UPSTREAM_URL: _unused, ...env } = process.env;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env, timeout: 60_000 });
    const ranks = stdout.split('\n').filter((line) => /^\d+ /.test(line));
    expect(ranks).toHaveLength(5); // k = 5 by default
    expect(ranks[0]).toMatch(/^0 /);
    expect(stdout).toMatch(/Chosen: \S+/);
  });
});
