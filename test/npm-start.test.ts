/**
 * `npm start` and `npx prefsel serve` under a container runtime or process manager: the signal goes to npm, whose
 * shell does not pass it on. The start script leaves npm's child to be the server itself, so npm's SIGTERM or SIGINT
 * reaches it; under npx the shell dies on SIGTERM and the server notices it is orphaned (server/parent-watch.ts).
 * Either way the server must drain, free the port and exit.
 */
import { fileURLToPath } from 'node:url';
import { freePort, portInUse, startUntil, stopWith } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** A safety limit, not a timing assertion: a start builds or loads the reference model on a busy machine. */
const SLOW = 300_000;

async function startAndStop(args: readonly string[], signal: NodeJS.Signals): Promise<number | string> {
  const port = await freePort();
  const started = await startUntil(npm, [...args, '--port', String(port), '--host', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, PREFSEL_LOG_LEVEL: 'info' },
    ready: /prefsel is ready/,
    timeoutMs: 120_000,
  });
  expect(await portInUse(port)).toBe(true);
  const code = await stopWith(started, signal, 60_000);
  // npm may exit before an orphaned child has drained: wait for the server's own last line, then the port.
  await expect.poll(() => started.output(), { timeout: 60_000, interval: 200 }).toMatch(/"msg":"stopped"/);
  await expect.poll(() => portInUse(port), { timeout: 60_000, interval: 200 }).toBe(false);
  return code;
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'Should drain, free the port and exit 0 on %s sent to npm',
    async (signal) => {
      expect(await startAndStop(['start', '--'], signal)).toBe(0);
    },
  );
});

describe('npx prefsel serve', () => {
  it(
    'Should drain and free the port on SIGTERM sent to npm',
    async () => {
      // npm ends itself with the signal its shell died of: status 143 to whoever waits on it.
      expect(await startAndStop(['exec', '--', 'prefsel', 'serve'], 'SIGTERM')).toBe('SIGTERM');
    },
    SLOW,
  );
});
