/**
 * Child processes for tests that run prefsel the way users do (`npm start`, `prefsel serve` from a packed install):
 * a free port, waiting for the ready line, signalling, and checking that the port is free again. No timings are
 * asserted; every wait is bounded so a hung child fails the test instead of hanging it.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something listens on 127.0.0.1:`port` (a listen attempt fails with EADDRINUSE). */
export async function portInUse(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** A running child with everything it printed so far. */
export interface Started {
  readonly child: ChildProcess;
  /** stdout and stderr together. */
  output(): string;
  /** Resolves with the exit code (or signal name) when the child exits. */
  readonly exited: Promise<number | string>;
}

/** Spawns `command` and waits until its output matches `ready`; rejects (and kills it) if it exits or times out. */
export async function startUntil(
  command: string,
  args: readonly string[],
  opts: SpawnOptions & { ready: RegExp; timeoutMs: number },
): Promise<Started> {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} not ready after ${opts.timeoutMs} ms:\n${text}`));
    }, opts.timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (opts.ready.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited (${code}) before it was ready:\n${text}`));
    });
  });
  return { child, output: () => text, exited };
}

/** Sends `signal` and waits for the exit; SIGKILLs and throws if the child outlives `timeoutMs`. */
export async function stopWith(started: Started, signal: NodeJS.Signals, timeoutMs: number): Promise<number | string> {
  started.child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const outlived = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      started.child.kill('SIGKILL');
      reject(new Error(`still running ${timeoutMs} ms after ${signal}:\n${started.output()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([started.exited, outlived]);
  } finally {
    clearTimeout(timer);
  }
}
