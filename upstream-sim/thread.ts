/**
 * @module upstream-sim/thread
 * The simulator on a thread of its own, as `prefsel serve` runs it when no upstream is configured. It stands for a
 * remote model, and a remote model's work never runs on the proxy's event loop: in the server's thread the
 * simulator's per-call work (parsing each ~330 KB candidate body, hashing the conversation, counting its tokens)
 * would be queued in front of every other request, `/healthz` included. Same simulator, same replies; it
 * is reached over HTTP on 127.0.0.1 either way.
 */
import { startWorker, workerFile } from '../core/worker-thread.js';
import type { SimulatedUpstreamOptions } from './server.js';

/** A simulator running on its own thread. */
export interface SimulatedUpstreamThread {
  /** Base URL including `/v1`. */
  readonly url: string;
  /** Stops the simulator and its thread. */
  close(): Promise<void>;
}

/** Longest wait for the thread to close its server before it is terminated. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Starts the simulator in a worker thread.
 * @param options the simulator's options except `record` (recorded requests would stay in the worker's thread; a
 * test that reads them starts the simulator in its own thread with `startSimulatedUpstream`).
 * @param onExit called if the thread ends without being closed (the upstream is then unreachable: 502s).
 * @example const sim = await startSimulatedUpstreamThread({ ttftMs: 250 }); … await sim.close();
 */
export async function startSimulatedUpstreamThread(
  options: Omit<SimulatedUpstreamOptions, 'record'> = {},
  onExit?: (reason: string) => void,
): Promise<SimulatedUpstreamThread> {
  const worker = startWorker(workerFile('thread-worker', import.meta.url), { ...options });
  let onError: (err: Error) => void = () => {};
  let onStartExit: (code: number) => void = () => {};
  let onMessage: (msg: { type: string; url?: string; message?: string }) => void = () => {};
  const url = await new Promise<string>((resolve, reject) => {
    onError = reject;
    onStartExit = (code) => reject(new Error(`the simulator thread exited (code ${code}) before it listened`));
    onMessage = (msg) => {
      if (msg.type === 'ready' && msg.url) return resolve(msg.url);
      reject(new Error(`the simulator thread failed to start: ${msg.message ?? msg.type}`));
    };
    worker.once('error', onError).once('exit', onStartExit).once('message', onMessage);
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  // Each listener by name: removeAllListeners would also drop Node's own, which keep the message port referenced.
  worker.off('error', onError).off('exit', onStartExit).off('message', onMessage);
  let closing = false;
  worker.on('error', (err) => onExit?.(`the simulator thread failed: ${err.message}`));
  worker.on('exit', (code) => {
    if (!closing) onExit?.(`the simulator thread exited (code ${code})`);
  });
  worker.unref(); // an idle simulator must not keep the process alive; its server's sockets do while in use
  return {
    url,
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (msg: { type: string }) => msg.type === 'closed' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
