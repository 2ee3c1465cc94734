/**
 * The `prefsel` command as a user runs it: a child process on 127.0.0.1 with the default reward model. Covers help,
 * configuration errors (exit 2 with a message naming the setting) and a taken port, both reported once and before
 * the model loads, the `npm start` offline defaults, and SIGTERM draining an in-flight stream before exiting 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { startSimulatedUpstream } from '../upstream-sim/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The environment without any PREFSEL_* setting of the machine running the tests. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PREFSEL_')));

interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(command: string, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(command, args, { cwd: root, env: { ...cleanEnv, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

const cli = (args: string[], env?: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], env);

/** The JSON log lines written so far. */
function logLines(r: Run): Array<Record<string, unknown>> {
  return r
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Waits for a log line whose message starts with `prefix` ("listening": port bound; "ready": model loaded). */
async function logged(r: Run, prefix: string): Promise<{ url: string; pid: number }> {
  let line: Record<string, unknown> | undefined;
  await vi.waitFor(
    () => {
      if (r.child.exitCode !== null) throw new Error(`exited early: ${r.stderr()}`);
      line = logLines(r).find((l) => typeof l.msg === 'string' && l.msg.startsWith(prefix));
      expect(line).toBeDefined();
    },
    { timeout: 90_000, interval: 50 },
  );
  return { url: String(line!.url), pid: Number(line!.pid) };
}

const whenReady = (r: Run) => logged(r, 'ready');

/** The reward model's one load-time line: present only once the model was being loaded. */
const MODEL_LOADED = /execution provider/;

describe('prefsel CLI', () => {
  it('Should print usage and the serve flags', async () => {
    const top = cli(['--help']);
    expect(await top.exit).toBe(0);
    expect(top.stdout()).toContain('prefsel serve');
    const serve = cli(['serve', '--help']);
    expect(await serve.exit).toBe(0);
    expect(serve.stdout()).toContain('--upstream-url');
    expect(serve.stdout()).toContain('PREFSEL_MODEL_MAP');
    const unknown = cli(['launch']);
    expect(await unknown.exit).toBe(2);
    expect(unknown.stderr()).toContain('unknown command "launch"');
  });

  it('Should refuse bad configuration with exit 2 and a message naming the setting', async () => {
    const flag = cli(['serve', '--k', 'zero']);
    expect(await flag.exit).toBe(2);
    expect(flag.stderr()).toMatch(/--k .*"zero"/);
    const env = cli(['serve'], { PREFSEL_STRATEGY: 'magic' });
    expect(await env.exit).toBe(2);
    expect(env.stderr()).toMatch(/PREFSEL_STRATEGY .*"magic".*rps/);
  });

  it('Should refuse a default preference the reward model cannot score before loading it, once, readably', async () => {
    const sim = await startSimulatedUpstream();
    const r = cli(['serve', '--port', '0', '--upstream-url', sim.url, '--preference', 'speed=1']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/--preference.*unknown attribute "speed"; valid attributes: helpfulness/s);
    // Checked against the model's labels, not after loading it: no load line, and one message, no JSON stack.
    expect(r.stdout() + r.stderr()).not.toMatch(MODEL_LOADED);
    expect(r.stderr().match(/prefsel:/g)).toHaveLength(1);
    expect(r.stdout()).not.toContain('"stack"');
    await sim.close();
  });

  it('Should report a port already in use before loading the model, once, readably', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const { port } = taken.address() as AddressInfo;
      const r = cli(['serve', '--port', String(port)]);
      expect(await r.exit).toBe(1);
      expect(r.stderr()).toContain(`Port ${port} is taken; choose another with --port or PREFSEL_PORT.`);
      expect(r.stdout() + r.stderr()).not.toMatch(MODEL_LOADED);
      expect(r.stderr().match(/prefsel: cannot start/g)).toHaveLength(1);
      expect(r.stdout()).not.toContain('"stack"');
    } finally {
      taken.close();
    }
  });

  it('Should warn about an unknown PREFSEL_* variable with the closest name', async () => {
    const r = cli(['serve', '--k', 'zero'], { PREFSEL_PORTT: '9000' });
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toContain('PREFSEL_PORTT is ignored: no such setting. Did you mean PREFSEL_PORT?');
  });

  it('Should refuse a reward-model directory that is not one, naming the file', async () => {
    const r = cli(['serve', '--port', '0', '--reward-model', '/nonexistent/model-dir']);
    expect(await r.exit).toBe(1);
    expect(r.stderr()).toContain('/nonexistent/model-dir');
  });

  it('Should serve with the offline defaults of npm start (simulated upstream, reference reward model)', async () => {
    const r = run('npm', ['start', '--silent', '--', '--port', '0']);
    try {
      // The port is bound before the model loads; until it is loaded the server is live but not ready.
      const bound = await logged(r, 'listening');
      const early = await fetch(`${bound.url}/readyz`);
      if (!logLines(r).some((l) => typeof l.msg === 'string' && l.msg.startsWith('ready'))) {
        expect(early.status).toBe(503);
      }
      const { url } = await whenReady(r);
      expect(r.stderr()).toContain('SIMULATED UPSTREAM');
      const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: 'prefsel-sim', messages: [{ role: 'user', content: 'How do vaccines work?' }] })
        .withResponse();
      expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
      expect(response.headers.get('x-selection-candidates')).toBe('5');
      const ready = (await (await fetch(`${url}/readyz`)).json()) as {
        checks: { scorer: { execution_provider: string } };
      };
      expect(['cpu', 'cuda']).toContain(ready.checks.scorer.execution_provider);
      const config = logLines(r).find((l) => l.msg === 'effective configuration');
      expect(config?.config).toMatchObject({ upstreamUrl: null, strategy: 'rps', k: 5 });
    } finally {
      // npm does not forward signals to the server it started; signal the server process itself.
      const pid = logLines(r).find((l) => typeof l.pid === 'number')?.pid;
      if (typeof pid === 'number') process.kill(pid, 'SIGTERM');
      else r.child.kill('SIGTERM');
      await r.exit;
    }
  });

  it('Should stop cleanly on SIGTERM while the reward model is still loading', async () => {
    const r = cli(['serve', '--port', '0']);
    await logged(r, 'listening');
    r.child.kill('SIGTERM');
    expect(await r.exit).toBe(0);
    expect(logLines(r).find((l) => l.msg === 'stopped')).toMatchObject({ clean: true });
  });

  it('Should finish an in-flight stream on SIGTERM, then exit 0', async () => {
    // A slow upstream keeps the request in flight: its first token comes a second after the stream started.
    const sim = await startSimulatedUpstream({ ttftMs: 1000, record: true });
    const r = cli(['serve', '--port', '0', '--upstream-url', sim.url, '--keep-alive-ms', '20']);
    try {
      const { url } = await whenReady(r);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'prefsel-sim',
          stream: true,
          messages: [{ role: 'user', content: 'What is DNS?' }],
        }),
      });
      expect(res.status).toBe(200);
      // The candidates have reached the upstream, which holds them for a second: the request is in flight.
      await vi.waitFor(() => expect(sim.received.length).toBeGreaterThan(0));
      r.child.kill('SIGTERM');
      const body = await res.text();
      expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(await r.exit).toBe(0);
      const messages = logLines(r).map((l) => l.msg);
      expect(messages).toContain('stopping: no new connections');
      expect(logLines(r).find((l) => l.msg === 'stopped')).toMatchObject({ clean: true });
    } finally {
      r.child.kill('SIGKILL');
      await sim.close();
    }
  });
});
