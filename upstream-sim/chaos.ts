/**
 * @module chaos
 * Random faults at a steady rate, for soak tests: each chat request draws, from a seeded generator, whether it goes
 * wrong and how (an error status, a stall, or an answer broken after the status line). Counts what it served, so a
 * report can set the client-side error mix beside the faults that caused it.
 */
import type { Break } from './broken.js';
import type { SimFault } from './faults.js';

/** The ways a chaotic answer goes wrong. */
export const CHAOS_KINDS = ['status500', 'status429', 'stall', 'hang', 'cut', 'truncate', 'garbage'] as const;
/** One way. */
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** Options of chaos (`startSimulatedUpstream({ chaos })`). */
export interface ChaosOptions {
  /** Share of chat requests that go wrong, in [0, 1]. */
  rate: number;
  /** Which faults, drawn uniformly; default all of {@link CHAOS_KINDS}. */
  kinds?: readonly ChaosKind[];
  /** How long a `stall` waits before answering normally; default 5000. */
  stallMs?: number;
  /** Seed of the draws; default 1. */
  seed?: number;
}

/** A seeded source of chaotic faults. */
export class Chaos {
  readonly #rate: number;
  readonly #kinds: readonly ChaosKind[];
  readonly #stallMs: number;
  #state: number;
  readonly #served = new Map<ChaosKind, number>();

  constructor(options: ChaosOptions) {
    if (!(options.rate >= 0 && options.rate <= 1))
      throw new RangeError(`chaos.rate must be in [0, 1]; got ${options.rate}`);
    this.#rate = options.rate;
    this.#kinds = options.kinds ?? CHAOS_KINDS;
    this.#stallMs = options.stallMs ?? 5000;
    this.#state = (options.seed ?? 1) >>> 0;
  }

  /** The fault for the next request, or undefined when it goes right. */
  draw(): SimFault | undefined {
    if (this.#kinds.length === 0 || this.#random() >= this.#rate) return undefined;
    const kind = this.#kinds[Math.floor(this.#random() * this.#kinds.length)]!;
    this.#served.set(kind, (this.#served.get(kind) ?? 0) + 1);
    if (kind === 'status500') return { status: 500 };
    if (kind === 'status429') return { status: 429, retryAfterSeconds: 1 };
    if (kind === 'stall') return { stallMs: this.#stallMs };
    return { break: kind satisfies Break };
  }

  /** How many faults of each kind were served so far. */
  served(): Record<ChaosKind, number> {
    return Object.fromEntries(CHAOS_KINDS.map((kind) => [kind, this.#served.get(kind) ?? 0])) as Record<
      ChaosKind,
      number
    >;
  }

  /** mulberry32: small, fast and good enough to spread faults evenly. */
  #random(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}
