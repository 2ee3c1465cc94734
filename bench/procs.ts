/**
 * @module procs
 * Runs benchmark servers (simulated upstream, prefsel, the Portkey gateway) as child processes, so the load
 * generator, the proxy and the upstream never share an event loop. A child entry prints one line
 * `READY {"port":…}` on stderr when it listens; {@link startChild} waits for it (or for a port to answer).
 * Children's stdout (request logs) goes to /dev/null, so the load generator never spends CPU reading it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Node's `--import` preload that forces 127.0.0.1 on servers without a host option. */
export const LOOPBACK_PRELOAD = resolve(ROOT, 'bench/procs/loopback.mjs');

/** A started child server. */
export interface ChildServer {
  name: string;
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Whatever the child put in its READY line. */
  info: Record<string, unknown>;
  child: ChildProcess;
  /** Ends the child (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options of {@link startChild}. */
export interface StartChildOptions {
  name: string;
  /** Executable and arguments, e.g. `[process.execPath, '--import', 'tsx', 'bench/procs/upstream.ts', json]`. */
  command: string[];
  env?: Record<string, string>;
  /** Port to poll when the child prints no READY line (third-party servers). */
  port?: number;
  /** Give up after this long; default 60000 (tsx compiles on first start). */
  timeoutMs?: number;
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

async function portAnswers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/** `node --import tsx <entry> <json>`: how bench child entries are started. */
export function tsxCommand(entry: string, config: unknown): string[] {
  return [process.execPath, '--import', 'tsx', resolve(ROOT, entry), JSON.stringify(config)];
}

/** The `prefsel` command line exactly as a user runs it from a checkout (`server/cli.ts` under tsx). */
export function prefselCommand(args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', resolve(ROOT, 'server/cli.ts'), ...args];
}

/** Waits until `GET url` answers 200 (a proxy binds first and answers 503 while its reward model loads). */
export async function waitReady(url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Starts a child server and resolves once it is ready.
 * @throws when the child exits or times out first; the error carries the tail of its stderr.
 */
export async function startChild(options: StartChildOptions): Promise<ChildServer> {
  const [cmd, ...args] = options.command;
  if (!cmd) throw new Error(`${options.name}: empty command`);
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const ready = new Promise<{ port: number; info: Record<string, unknown> }>((resolveReady) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
      const m = /^READY (\{.*\})$/m.exec(stderr);
      if (m?.[1]) {
        const info = JSON.parse(m[1]) as Record<string, unknown>;
        resolveReady({ port: Number(info.port), info });
      }
    });
    if (options.port !== undefined) {
      const port = options.port;
      const poll = async (): Promise<void> => {
        while (child.exitCode === null) {
          if (await portAnswers(port)) return resolveReady({ port, info: { port } });
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      void poll();
    }
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${options.name}: not ready after ${timeoutMs} ms. ${stderr.slice(-800)}`)),
      timeoutMs,
    );
  });
  const died = exited.then((code) => {
    throw new Error(`${options.name} exited (code ${code}) before it was ready: ${stderr.slice(-1200)}`);
  });
  try {
    const { port, info } = await Promise.race([ready, timeout, died]);
    return { name: options.name, port, url: `http://127.0.0.1:${port}`, info, child, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every server given, ignoring ones already gone. */
export async function stopAll(servers: ReadonlyArray<ChildServer | undefined>): Promise<void> {
  await Promise.all(servers.map((s) => s?.stop().catch(() => undefined)));
}

/**
 * CPU seconds (user + system) a process has used so far, from `/proc/<pid>/stat`; NaN where there is no /proc.
 * Sampled around a load, it tells which process saturates a core.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ; 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;
