// @ts-check
/**
 * `node bench/procs/healthz-probe.mjs <url> <intervalMs>`: GETs `url` one request at a time, every `intervalMs`,
 * until its stdin closes; then prints `{ "samples": [ms…], "errors": n }` on stdout. A process of its own, so the
 * load the benchmark generates (building and sending megabyte bodies) never delays the probe's own timers: a slow
 * sample is the server's.
 */
const [url, intervalText] = process.argv.slice(2);
if (!url) throw new Error('usage: healthz-probe.mjs <url> <intervalMs>');
const interval = Number(intervalText ?? 20);
/** @type {number[]} */
const samples = [];
let errors = 0;
let running = true;
process.stdin.on('end', () => (running = false));
process.stdin.on('close', () => (running = false));
process.stdin.resume();
while (running) {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(600_000) });
    await res.arrayBuffer();
    if (res.ok) samples.push(performance.now() - started);
    else errors++;
  } catch {
    errors++;
  }
  const wait = interval - (performance.now() - started);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
process.stdout.write(JSON.stringify({ samples, errors }));
