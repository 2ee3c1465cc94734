/**
 * `npm start` under a container runtime or process manager: the signal goes to npm, whose shell does not pass it on,
 * so the start script must leave npm's child to be the server itself. Each signal must drain the server, free the
 * port and end npm with status 0.
 */
import { fileURLToPath } from 'node:url';
import { freePort, portInUse, startUntil, stopWith } from './processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'Should drain, free the port and exit 0 on %s sent to npm',
    async (signal) => {
      const port = await freePort();
      const started = await startUntil(npm, ['start', '--', '--port', String(port), '--host', '127.0.0.1'], {
        cwd: root,
        env: { ...process.env, PREFSEL_LOG_LEVEL: 'info' },
        ready: /prefsel is ready/,
        timeoutMs: 120_000,
      });
      expect(await portInUse(port)).toBe(true);
      const code = await stopWith(started, signal, 60_000);
      expect(started.output()).toMatch(/"msg":"stopped"/);
      expect(code).toBe(0);
      expect(await portInUse(port)).toBe(false);
    },
  );
});
