/**
 * @module memory-sampler
 * Samples a server process's memory once a second while a load runs: its resident set size from /proc (what the
 * operating system charges) and its V8 heap in use from its Prometheus `/metrics` (what the program holds). The RSS
 * of a Node process climbs in steps until a major GC and rarely gives memory back, so a leak shows first as a heap
 * whose floor keeps rising; both are reported, with their least-squares slope.
 */
import { readFileSync } from 'node:fs';

/** One sample; NaN where a source was unavailable. */
export interface MemorySample {
  /** Seconds since the sampler started. */
  s: number;
  rssMiB: number;
  heapUsedMiB: number;
}

/** Options of {@link startMemorySampler}. */
export interface MemorySamplerOptions {
  pid: number | undefined;
  /** The server's Prometheus endpoint, exporting `prefsel_nodejs_heap_size_used_bytes`. */
  metricsUrl: string;
  /** Default 1000. */
  periodMs?: number;
}

/** Resident set size of a process in MiB, from /proc; NaN where there is none. */
export function rssMiB(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

async function heapUsedMiB(metricsUrl: string): Promise<number> {
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) })).text();
    return Number(/^prefsel_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]) / 1024 ** 2;
  } catch {
    return Number.NaN;
  }
}

/** Starts sampling at once; `stop()` takes a last sample and returns them all. */
export function startMemorySampler(options: MemorySamplerOptions): { stop(): Promise<MemorySample[]> } {
  const samples: MemorySample[] = [];
  const t0 = performance.now();
  const sample = async (): Promise<void> => {
    const s = (performance.now() - t0) / 1000;
    const rss = rssMiB(options.pid);
    samples.push({ s, rssMiB: rss, heapUsedMiB: await heapUsedMiB(options.metricsUrl) });
  };
  let pending = sample();
  const timer = setInterval(() => {
    pending = pending.then(sample);
  }, options.periodMs ?? 1000);
  return {
    async stop() {
      clearInterval(timer);
      await pending.then(sample);
      return samples;
    },
  };
}

/** Least-squares slope of `pick(sample)` per minute over the samples from `fromS` on; NaN with fewer than 2. */
export function slopePerMinute(samples: readonly MemorySample[], pick: (s: MemorySample) => number, fromS = 0): number {
  const points = samples.filter((p) => p.s >= fromS && Number.isFinite(pick(p))).map((p) => ({ x: p.s, y: pick(p) }));
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const num = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return den === 0 ? Number.NaN : (num / den) * 60;
}
