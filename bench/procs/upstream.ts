/**
 * Child-process entry: the simulated OpenAI upstream for load benchmarks. argv[2] is a JSON
 * `SimulatedUpstreamOptions`; prints `READY {"port","url","options"}` on stderr once listening. It keeps no request
 * history (recording is opt-in, for tests), so a long load does not grow it; its counters
 * (aborted streams, tokens sent) are read over HTTP on `GET /__sim/stats`.
 */
import { startSimulatedUpstream, type SimulatedUpstreamOptions } from '../../upstream-sim/index.js';

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatedUpstreamOptions;
const sim = await startSimulatedUpstream(options);
const port = Number(new URL(sim.url).port);

process.stderr.write(`READY ${JSON.stringify({ port, url: sim.url, options })}\n`);

const stop = async (): Promise<void> => {
  await sim.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
