// @ts-check
/**
 * Worker thread that owns one ONNX Runtime session (see worker-pool.ts). Plain JavaScript on purpose: a worker
 * file must load without the TypeScript loaders the parent may run under (tsx, vitest).
 *
 * workerData: { ortUrl, onnxPath, options }   (options: InferenceSession.SessionOptions)
 * → { type: 'ready', metadata } | { type: 'failed', message }
 * ← { id, feeds: { name: { type, data, dims } }, output }
 * → { id, output: { type, data, dims } } | { id, error }
 */
import { getPriority, setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (port === null) throw new Error('session-worker.mjs must run as a worker thread');

// Below the event loop's thread, as every prefsel worker (core/worker-thread.ts, lowerWorkerPriority; this file
// cannot import TypeScript). Set before the session exists, so ONNX Runtime's threads inherit it.
if (workerData.nice > 0) {
  try {
    setPriority(0, Math.min(19, getPriority(0) + workerData.nice));
  } catch {
    // Not permitted here: keep the priority the thread had.
  }
}

/** @param {any} m */
const meta = (m) =>
  m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false };

try {
  const ort = await import(workerData.ortUrl);
  const session = await ort.InferenceSession.create(workerData.onnxPath, workerData.options);
  port.postMessage({
    type: 'ready',
    metadata: {
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      inputMetadata: session.inputMetadata.map(meta),
      outputMetadata: session.outputMetadata.map(meta),
    },
  });
  port.on('message', async (/** @type {any} */ msg) => {
    if (msg === 'release') {
      await session.release();
      port.close();
      return;
    }
    try {
      /** @type {Record<string, any>} */
      const feeds = {};
      for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const out = (await session.run(feeds, [msg.output]))[msg.output];
      // Copy: ONNX Runtime owns the output buffer, and a copy can be transferred without a second copy.
      const data = out.data.slice();
      port.postMessage({ id: msg.id, output: { type: out.type, data, dims: [...out.dims] } }, [data.buffer]);
      out.dispose();
    } catch (err) {
      port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
} catch (err) {
  port.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
