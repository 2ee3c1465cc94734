/**
 * @module upstream-sim/thread-worker
 * The entry of {@link startSimulatedUpstreamThread}'s worker: starts the simulator with the options it was given,
 * posts `{ type: 'ready', url }`, and on `{ type: 'close' }` closes it and posts `{ type: 'closed' }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimulatedUpstream, type SimulatedUpstreamOptions } from './server.js';

const port = parentPort!;
try {
  const sim = await startSimulatedUpstream(workerData as SimulatedUpstreamOptions);
  port.on('message', (msg: { type: string }) => {
    if (msg.type !== 'close') return;
    void sim.close().then(() => port.postMessage({ type: 'closed' }));
  });
  port.postMessage({ type: 'ready', url: sim.url });
} catch (err) {
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
