/**
 * @module bench/profiles
 * `npm run bench -- profiles`: how well and how fast profiles learn, judged by the simulator's ground truth
 * (`profiles-sim.ts`, `profiles-learning.ts`): the angle between the learned and the hidden direction against the
 * number of feedback events (pairwise choices, choices among all k, edits), the RPS win rate of the learned
 * direction over the fixed default, in a hard world and (for sensitivity) a clean one; and the cost of the profile
 * lookup on the request path, per store, measured side by side in one run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { ProfileStore } from '../core/profiles.js';
import { createMemoryProfileStore, createProfiles, createSelector, initialState } from '../middleware/index.js';
import { createFunctionScorer } from '../scorers/function.js';
import { createSqlProfileStore, openPglite, openPostgres } from '../stores/index.js';
import { postgresUnavailable, startPostgres } from '../test/postgres-server.js';
import { learningCurves, type FeedbackMode, type LearningResult } from './profiles-learning.js';
import { HARD_WORLD, type WorldOptions } from './profiles-sim.js';
import { SCHEMA, fmt, makeStamp, type Headline, type Mode, type PartResult, type Table } from './report.js';
import { median, percentile, wilson } from './stats.js';
import { lineChart } from './svg.js';

/** A world where feedback is informative: for sensitivity only (the headline is the hard world). */
export const CLEAN_WORLD: WorldOptions = {
  ...HARD_WORLD,
  scorerCorrelation: 0.95,
  lengthBias: 0,
  choiceNoise: 0.1,
  lapse: 0,
  editNoise: 0.2,
};

/** Options of {@link runProfilesBench}. */
export interface ProfilesBenchOptions {
  outDir: string;
  command: string;
  users: number;
  checkpoints: number[];
  winCheckpoints: number[];
  winPrompts: number;
  /** Lookups timed per store. */
  lookups: number;
  /** Stores timed: the embedded and PostgreSQL ones need seconds to start. */
  stores: Array<'memory' | 'pglite' | 'postgres'>;
  seed: number;
}

/** Settings per mode. */
export function profilesPreset(mode: Mode): Omit<ProfilesBenchOptions, 'outDir' | 'command'> {
  const pick = <T>(full: T, quick: T, tiny: T): T => ({ full, quick, tiny })[mode];
  return {
    users: pick(500, 200, 12),
    checkpoints: pick([0, 1, 2, 5, 10, 20, 30, 50, 100], [0, 5, 10, 20, 50], [0, 5, 20]),
    winCheckpoints: pick([0, 5, 20, 50], [0, 20], [20]),
    winPrompts: pick(20, 10, 4),
    lookups: pick(2000, 500, 50),
    stores: mode === 'tiny' ? ['memory'] : ['memory', 'pglite', 'postgres'],
    seed: 42,
  };
}

/** The lookup's cost on one store. */
export interface LookupCost {
  store: string;
  p50Ms: number;
  p99Ms: number;
  n: number;
  /** Why the store was not measured. */
  skipped?: string;
}

const MODES: FeedbackMode[] = ['choice-pair', 'choice-pair-informative', 'choice-k', 'edit'];
const DEFAULT_DIRECTION = [1, 0, 0];
const K = 5;
const RADIUS_DEG = 30;

/** Times `profiles.lookup` for users that have profiles, sequentially (one request at a time). */
async function lookupCost(store: ProfileStore, n: number): Promise<Omit<LookupCost, 'store'>> {
  const scorer = createFunctionScorer({
    attributes: ['helpfulness', 'verbosity', 'coherence'],
    score: () => [0, 0, 0],
  });
  const generator = { name: 'none', complete: () => Promise.reject(new Error('not used')) };
  const profiles = createProfiles({ store, selector: createSelector({ generator, scorer }), lookupTimeoutMs: 60_000 });
  const users = 200;
  for (let u = 0; u < users; u++) {
    const state = initialState([1, u / users, 0], { attributes: scorer.attributes });
    await store.update({ tenant: 'bench', user: `u${u}` }, { apply: () => ({ state, result: null }) });
  }
  const times: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const started = performance.now();
    const found = await profiles.lookup({ tenant: 'bench', user: `u${(i * 37) % users}` });
    const ms = performance.now() - started;
    if (found.source !== 'profile') throw new Error(`lookup found ${found.source}`);
    if (i >= 20) times.push(ms); // the first lookups warm the caches and the JIT
  }
  return { p50Ms: median(times), p99Ms: percentile(times, 99), n };
}

async function measureStores(opts: ProfilesBenchOptions): Promise<LookupCost[]> {
  const out: LookupCost[] = [];
  for (const kind of opts.stores) {
    if (kind === 'memory')
      out.push({ store: 'memory', ...(await lookupCost(createMemoryProfileStore(), opts.lookups)) });
    if (kind === 'pglite') {
      const dir = mkdtempSync(join(tmpdir(), 'prefsel-bench-pglite-'));
      const store = await createSqlProfileStore(await openPglite(dir));
      try {
        out.push({ store: 'pglite (embedded, on disk)', ...(await lookupCost(store, opts.lookups)) });
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (kind === 'postgres') {
      const why = postgresUnavailable();
      if (why) {
        out.push({ store: 'postgres', p50Ms: Number.NaN, p99Ms: Number.NaN, n: 0, skipped: why });
        continue;
      }
      const server = await startPostgres();
      const store = await createSqlProfileStore(await openPostgres({ connectionString: server.url }));
      try {
        out.push({ store: 'postgres (local server, TCP)', ...(await lookupCost(store, opts.lookups)) });
      } finally {
        await store.close();
        await server.stop();
      }
    }
  }
  return out;
}

/** Results of the part. */
export interface ProfilesResults {
  hard: LearningResult[];
  clean: LearningResult[];
  lookup: LookupCost[];
}

/** Zod shape of the results, for the tiny-settings test. */
export const profilesResultsSchema = z.object({
  hard: z.array(z.object({ mode: z.string(), curves: z.array(z.object({ events: z.number() })).min(1) })).min(4),
  clean: z.array(z.object({ mode: z.string() })).min(4),
  lookup: z.array(z.object({ store: z.string(), n: z.number() })).min(1),
});

/** Runs the part; the caller writes the JSON. */
export async function runProfilesBench(opts: ProfilesBenchOptions): Promise<PartResult<ProfilesResults>> {
  const run = (world: WorldOptions) =>
    MODES.map((mode) =>
      learningCurves({
        mode,
        users: opts.users,
        checkpoints: opts.checkpoints,
        winCheckpoints: opts.winCheckpoints,
        winPrompts: opts.winPrompts,
        k: K,
        radiusDeg: RADIUS_DEG,
        world,
        defaultDirection: DEFAULT_DIRECTION,
        seed: opts.seed,
      }),
    );
  const hard = run(HARD_WORLD);
  const clean = run(CLEAN_WORLD);
  const lookup = await measureStores(opts);
  return finish(opts, { hard, clean, lookup });
}

const LABEL: Record<FeedbackMode, string> = {
  'choice-pair': 'choice of 2 (random pair)',
  'choice-pair-informative': 'choice of 2 (informative pair)',
  'choice-k': `choice of ${K}`,
  edit: 'edit',
};

function curveTable(title: string, results: LearningResult[]): Table {
  const rows = results.flatMap((r) =>
    r.curves.map((c) => [
      LABEL[r.mode],
      c.events,
      `${fmt(median(c.angleDeg))} [${fmt(percentile(c.angleDeg, 25))}, ${fmt(percentile(c.angleDeg, 75))}]`,
      fmt(median(c.scoreSpaceAngleDeg)),
      fmt(median(c.uncertaintyDeg)),
      fmt(median(c.shortcutAngleDeg)),
    ]),
  );
  return {
    title,
    columns: [
      'feedback',
      'events',
      'angle to truth, median [IQR] °',
      'to best score-space °',
      'reported uncertainty °',
      'shortcut °',
    ],
    rows,
  };
}

function winTable(results: LearningResult[]): Table {
  const pct = (v: number) => fmt(v * 100);
  return {
    title: `RPS (k=${K}, ${RADIUS_DEG}°) under the learned direction vs under the fixed default, judged by true utility (hard world)`,
    columns: ['feedback', 'events', 'wins / losses / ties', 'win rate % [95% CI]'],
    rows: results.flatMap((r) =>
      r.wins.map((w) => {
        const rate = wilson(w.wins, w.wins + w.losses);
        return [
          LABEL[r.mode],
          w.events,
          `${w.wins}/${w.losses}/${w.ties}`,
          `${pct(rate.value)} [${pct(rate.lo)}, ${pct(rate.hi)}]`,
        ];
      }),
    ),
  };
}

function finish(opts: ProfilesBenchOptions, results: ProfilesResults): PartResult<ProfilesResults> {
  const at = (r: LearningResult | undefined, events: number) => r?.curves.find((c) => c.events === events);
  const byMode = (list: LearningResult[], mode: FeedbackMode) => list.find((r) => r.mode === mode);
  const twenty = (list: LearningResult[], mode: FeedbackMode) => median(at(byMode(list, mode), 20)?.angleDeg ?? []);
  const headline: Headline[] = (['choice-pair', 'choice-pair-informative', 'choice-k'] as const).map((mode) => ({
    figure: `median angle to the true direction after 20 choices (${LABEL[mode]}, hard world)`,
    value: `${fmt(twenty(results.hard, mode))}° (clean world ${fmt(twenty(results.clean, mode))}°)`,
    target: '< 10°',
    met: twenty(results.hard, mode) < 10,
  }));
  headline.push({
    figure: 'median angle after 20 edits (hard world)',
    value: `${fmt(twenty(results.hard, 'edit'))}° (clean world ${fmt(twenty(results.clean, 'edit'))}°)`,
  });
  for (const mode of ['choice-pair', 'choice-pair-informative'] as const) {
    const at20 = byMode(results.hard, mode)?.wins.find((w) => w.events === 20);
    if (!at20) continue;
    const rate = wilson(at20.wins, at20.wins + at20.losses);
    headline.push({
      figure: `RPS win rate of the learned over the default direction after 20 ${LABEL[mode].replace('choice', 'choices')}`,
      value: `${fmt(rate.value * 100)}% [${fmt(rate.lo * 100)}, ${fmt(rate.hi * 100)}]`,
    });
  }
  for (const l of results.lookup.filter((x) => !x.skipped)) {
    headline.push({ figure: `profile lookup, ${l.store}`, value: `p50 ${fmt(l.p50Ms)} ms, p99 ${fmt(l.p99Ms)} ms` });
  }
  const hardPair = byMode(results.hard, 'choice-pair');
  const floor = median(hardPair?.floorAngleDeg ?? []);
  const plot = 'profiles-angle.svg';
  writeFileSync(
    join(opts.outDir, plot),
    lineChart({
      title: 'Median angle between learned and true direction (hard world; dashed: clean world)',
      xLabel: 'feedback events',
      yLabel: 'degrees',
      yMin: 0,
      refLines: [{ y: 10, label: 'target 10°' }],
      series: [...results.hard, ...results.clean].map((r, i) => ({
        name: `${LABEL[r.mode]}${i >= results.hard.length ? ' (clean)' : ''}`,
        ...(i >= results.hard.length ? { dashed: true } : {}),
        points: r.curves.map((c) => ({ x: c.events, y: median(c.angleDeg) })),
      })),
    }),
  );
  return {
    schema: SCHEMA,
    part: 'profiles',
    stamp: makeStamp(opts.command),
    status: 'ok',
    config: { ...opts, outDir: undefined, command: undefined, hardWorld: HARD_WORLD, cleanWorld: CLEAN_WORLD },
    models: { simulated: 'bench/profiles-sim.ts (no language model, no reward model: ground truth is the simulator)' },
    headline,
    tables: [
      curveTable(`Learning curves, hard world (${opts.users} users)`, results.hard),
      winTable(results.hard),
      curveTable(`Learning curves, clean world (${opts.users} users; sensitivity)`, results.clean),
      {
        title: `Profile lookup on the request path (${opts.lookups} sequential lookups per store, one run)`,
        columns: ['store', 'p50 ms', 'p99 ms', 'note'],
        rows: results.lookup.map((l) => [l.store, fmt(l.p50Ms), fmt(l.p99Ms), l.skipped ?? '']),
      },
    ],
    notes: [
      `Hard world: answers' true attributes spread ±${HARD_WORLD.answerNoise} around base + ${HARD_WORLD.gain}·directive; the scorer correlates ${HARD_WORLD.scorerCorrelation} with each true attribute and adds ${HARD_WORLD.lengthBias}× verbosity to helpfulness (a length bias); users choose by true utility + N(0, ${HARD_WORLD.choiceNoise}²) and at random ${HARD_WORLD.lapse * 100}% of the time; edits move ${HARD_WORLD.editSize} toward the preference with a direction error of σ ${HARD_WORLD.editNoise}.`,
      `True directions are uniform on the half-sphere around the default (helpfulness); median angle of the default to the truth: ${fmt(median(hardPair?.defaultAngleDeg ?? []))}°. The length bias alone sets a floor: the best direction in score space is a median ${fmt(floor)}° from the truth.`,
      "Shortcut: the direction of the summed (chosen − mean shown) score differences (edit: summed edit differences), no likelihood, no prior. Each event's candidates are RPS's k=5 cap neighbourhood (30°) around the direction learned so far.",
      'Lookup: profiles.lookup (store read + alignment) for users with profiles, sequential, after 20 warm-up lookups; PostgreSQL is a throwaway local server over TCP. Timings are from one shared, loaded machine: compare stores within the run, not across runs.',
    ],
    plots: [plot],
    results,
  };
}
