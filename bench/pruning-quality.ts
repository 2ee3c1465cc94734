/**
 * @module pruning-quality
 * Selection quality and upstream tokens of pruned RPS against full RPS, in-process (the simulator's text model and the
 * reference reward model; no HTTP): for each prompt the same k candidates (same seeds, so the same texts) are selected
 * once with every candidate run to the end and once with progressive pruning. Both chosen answers are judged by the
 * simulator's TRUE attributes projected on the target, never by the reward model that selected them. Tokens are what
 * the simulator handed out: every candidate whole for full RPS; for pruned RPS what was read before the cut (the
 * in-process simulator stops generating the moment a stream stops being read; over HTTP the overshoot is measured by
 * the latency part).
 */
import type { Selector } from '../core/selector.js';
import type { PruneOptions } from '../core/types.js';
import { dot } from '../core/vector.js';
import { createSelector } from '../middleware/index.js';
import type { Scorer } from '../core/ports.js';
import { mapLimit } from './quality.js';
import { promptSet, type BenchPrompt } from './prompts.js';
import { createSimGenerator, type SimGenerator } from './sim-generator.js';
import { bootstrap, mean, wilson, type Interval } from './stats.js';

/** First prompt id of the forecast's training prompts: far beyond any cell's `n`, so the two sets never meet. */
export const TRAINING_PROMPTS = 1_000_000;

/** Answer lengths the bench compares. */
export const LENGTHS = {
  /** The simulator's natural length: 2–10 sentences, about 25–120 tokens; mostly below the first decision point. */
  short: { lengthScale: 1, maxTokens: 256 },
  /** About 300–700 tokens, the regime the arithmetic (L = 512) is about. */
  long: { lengthScale: 6, maxTokens: 768 },
} as const;
/** Which answer length a cell uses. */
export type LengthName = keyof typeof LENGTHS;

/** The simulated world every cell shares. */
export interface World {
  coverage: { fromDeg: number; toDeg: number };
  /** Target preference, degrees (DPA convention). */
  angleDeg: number;
  /** The simulator's spread of answer quality (see upstream-sim README). */
  qualitySpread: number;
  seed: number;
  concurrency: number;
}

/** One comparison: RPS at k with and without pruning, on `n` prompts. */
export interface QualityCellSpec {
  k: number;
  length: LengthName;
  /** The simulator's prefix informativeness ρ. */
  rho: number;
  prune: PruneOptions;
  n: number;
  /** Directive placement of both runs (default: the engine's). */
  placement?: 'system' | 'user' | 'suffix';
  /** Who ranks partial answers in the pruned run (default `model`; the oracles are diagnostics, see {@link Pruner}). */
  pruner?: Pruner;
  /** Name of the pruning settings (`default`, `fast`), for the tables. */
  setting?: string;
}

/**
 * Who ranks the PARTIAL answers at decision points (the final choice among survivors is always the reward model's):
 * - `model`: the reward model, as the engine does;
 * - `oracle-prefix`: the simulator's true attributes of the prefix itself: the best any scorer of prefixes can do
 *   when it judges the prefix as written (it cannot see the rest, whose quality depends on ρ, nor the final length);
 * - `oracle-final`: the true attributes of the whole answer the prefix begins (perfect foresight, no scorer can).
 */
export type Pruner = 'model' | 'oracle-prefix' | 'oracle-final';

/** Paired outcome of one prompt. */
interface Pair {
  fullTruth: number;
  prunedTruth: number;
  samePick: boolean;
  fullTokens: number;
  prunedTokens: number;
  /** The pruned run committed to its winner before it finished (early streaming). */
  committed?: boolean;
  /** The pruned run was one of the forecast's learning runs (uncut: full RPS). */
  learning?: boolean;
}

/** Figures of one cell. */
export interface QualityCell extends Omit<QualityCellSpec, 'n'> {
  n: number;
  wins: number;
  losses: number;
  ties: number;
  /** P(pruned better) + ½ P(tie): 0.5 means no loss; normal-approximation 95% interval. */
  score: Interval;
  /** Wins / (wins + losses), Wilson 95% interval. */
  winRate: Interval;
  /** Mean true-projection difference pruned − full, bootstrap 95% interval. */
  diff: Interval;
  samePick: number;
  fullTokens: number;
  prunedTokens: number;
  /** full / pruned upstream completion tokens. */
  tokenRatio: number;
  /** Share of pruned runs that committed to the winner before it finished (its answer could stream early). */
  committedShare: number;
  /**
   * `prune.forecast` cells: learning runs its world's forecast made on separate training prompts before the cell (the
   * warm-up, not counted in its figures; an earlier cell of the same world may have made them), and the share of the
   * cell's own runs that were learning runs (uncut; counted).
   */
  forecast?: { warmupRuns: number; learningShare: number };
}

/** Selectors per simulated world (ρ, length), sharing one scorer. */
export class QualityRig {
  private readonly rigs = new Map<string, { selector: Selector; generator: SimGenerator; warmupRuns: number }>();
  /** Full-RPS results per (k, length, ρ, placement, prompt): the schedule sweep reuses them. */
  private readonly fullRuns = new Map<string, Promise<{ truth: number; index: number; tokens: number }>>();

  constructor(
    private readonly scorer: Scorer,
    private readonly world: World,
  ) {}

  private rig(length: LengthName, rho: number, pruner: Pruner = 'model') {
    const key = `${length}/${rho}/${pruner}`;
    let rig = this.rigs.get(key);
    if (!rig) {
      const generator = createSimGenerator({
        coverage: this.world.coverage,
        lengthScale: LENGTHS[length].lengthScale,
        prefixInformativeness: rho,
        qualitySpread: this.world.qualitySpread,
        continuousUsage: true,
        keepTexts: pruner !== 'model',
      });
      const scorer = pruner === 'model' ? this.scorer : oracleScorer(this.scorer, { generator, pruner });
      rig = {
        generator,
        selector: createSelector({ generator, scorer, maxConcurrentUpstream: 512, maxK: 16 }),
        warmupRuns: 0,
      };
      this.rigs.set(key, rig);
    }
    return rig;
  }

  private target(): number[] {
    const rad = (this.world.angleDeg * Math.PI) / 180;
    return [Math.cos(rad), Math.sin(rad)];
  }

  private async once(spec: QualityCellSpec, prompt: BenchPrompt, prune: PruneOptions | false) {
    const { selector, generator } = this.rig(spec.length, spec.rho, prune === false ? 'model' : spec.pruner);
    const selection = await selector.select({
      params: {
        model: 'simulated',
        messages: [{ role: 'user', content: prompt.content }],
        max_tokens: LENGTHS[spec.length].maxTokens,
      },
      preference: { angle_deg: this.world.angleDeg },
      selection: {
        strategy: 'rps',
        k: spec.k,
        seed: this.world.seed * 10_000 + prompt.id,
        prune,
        ...(spec.placement ? { directive_placement: spec.placement } : {}),
      },
    });
    const truth = generator.takeTruth(selection.chosen.completion!.id);
    if (!truth) throw new Error('the simulator forgot the chosen answer');
    return {
      truth: dot([truth.helpfulness, truth.verbosity], this.target()),
      index: selection.chosen.index,
      tokens: selection.usage.completion_tokens,
      committed: selection.pruning?.committed != null,
      learning: selection.pruning?.forecast?.mode === 'learning',
    };
  }

  /**
   * A forecast learns from uncut runs before it is used. Like a deployment's first requests, these run here on
   * prompts of their own (ids from {@link TRAINING_PROMPTS}, never the cell's), until the forecast is in use.
   * A world's forecast is shared by its cells (one selector per world, as one server), so a later cell may find it
   * learned already.
   * @returns the learning runs this world's forecast has made on training prompts so far.
   */
  private async warm(spec: QualityCellSpec): Promise<number> {
    if (typeof spec.prune !== 'object' || !spec.prune.forecast) return 0;
    const world = this.rig(spec.length, spec.rho, spec.pruner);
    const prompts = promptSet(this.world.concurrency * 64, TRAINING_PROMPTS);
    let learned = 0;
    let next = 0;
    let ready = false;
    await mapLimit(
      Array.from({ length: this.world.concurrency }, () => 0),
      this.world.concurrency,
      async () => {
        while (!ready && next < prompts.length) {
          const run = await this.once(spec, prompts[next++]!, spec.prune);
          if (run.learning) learned++;
          else ready = true;
        }
      },
    );
    world.warmupRuns += learned;
    return world.warmupRuns;
  }

  private full(spec: QualityCellSpec, prompt: BenchPrompt) {
    const key = `${spec.k}/${spec.length}/${spec.rho}/${spec.placement ?? '-'}/${prompt.id}`;
    let run = this.fullRuns.get(key);
    if (!run) this.fullRuns.set(key, (run = this.once(spec, prompt, false)));
    return run;
  }

  /** Runs one cell (full runs cached across cells that share them). */
  async cell(spec: QualityCellSpec): Promise<QualityCell> {
    const warmupRuns = await this.warm(spec);
    const pairs = await mapLimit(promptSet(spec.n), this.world.concurrency, async (prompt): Promise<Pair> => {
      const [full, pruned] = await Promise.all([this.full(spec, prompt), this.once(spec, prompt, spec.prune)]);
      return {
        fullTruth: full.truth,
        prunedTruth: pruned.truth,
        samePick: full.index === pruned.index,
        fullTokens: full.tokens,
        prunedTokens: pruned.tokens,
        committed: pruned.committed,
        learning: pruned.learning,
      };
    });
    const cell = summarise(spec, pairs, this.world.seed);
    if (typeof spec.prune === 'object' && spec.prune.forecast)
      cell.forecast = { warmupRuns, learningShare: mean(pairs.map((p) => (p.learning ? 1 : 0))) };
    return cell;
  }

  /** Full RPS under two placements on the same prompts: quality of `b` against `a`. */
  async placements(spec: Omit<QualityCellSpec, 'prune' | 'placement'>, a: 'system', b: 'suffix') {
    const pairs = await mapLimit(promptSet(spec.n), this.world.concurrency, async (prompt): Promise<Pair> => {
      const [x, y] = await Promise.all([
        this.full({ ...spec, prune: {}, placement: a }, prompt),
        this.full({ ...spec, prune: {}, placement: b }, prompt),
      ]);
      return {
        fullTruth: x.truth,
        prunedTruth: y.truth,
        samePick: false,
        fullTokens: x.tokens,
        prunedTokens: y.tokens,
      };
    });
    return summarise({ ...spec, prune: {}, placement: b }, pairs, this.world.seed);
  }

  /** The generator of a world, for measurements on the prompts it receives. */
  generator(length: LengthName, rho: number): SimGenerator {
    return this.rig(length, rho).generator;
  }

  selector(length: LengthName, rho: number): Selector {
    return this.rig(length, rho).selector;
  }
}

/**
 * The reward model, except that partial answers the simulator wrote are rated by their true attributes (see
 * {@link Pruner}); whole answers keep the model's scores, so the final choice among survivors is unchanged. Rows are
 * [helpfulness, verbosity, then the model's other attributes at 0], so the target's projection reads the truth.
 */
function oracleScorer(inner: Scorer, options: { generator: SimGenerator; pruner: Exclude<Pruner, 'model'> }): Scorer {
  const { generator, pruner } = options;
  const at = (name: string) => inner.attributes.indexOf(name);
  return {
    attributes: inner.attributes,
    info: inner.info,
    ...(inner.prepare ? { prepare: inner.prepare.bind(inner) } : {}),
    ...(inner.countTokens ? { countTokens: inner.countTokens.bind(inner) } : {}),
    async score(inputs, callOptions) {
      const truths = inputs.map((input) => generator.truthOfText(input.response));
      const model = inputs.filter((_, i) => !truths[i] || truths[i]!.complete);
      const rows = model.length ? await inner.score(model, callOptions) : [];
      return inputs.map((_, i) => {
        const t = truths[i];
        if (!t || t.complete) return rows.shift()!;
        const truth = pruner === 'oracle-prefix' ? t.prefix : t.final;
        const row = inner.attributes.map(() => 0);
        row[at('helpfulness')] = truth.helpfulness;
        row[at('verbosity')] = truth.verbosity;
        return row;
      });
    },
  };
}

function summarise(spec: QualityCellSpec, pairs: Pair[], seed: number): QualityCell {
  const cmp = pairs.map((p) => Math.sign(round9(p.prunedTruth - p.fullTruth)));
  const wins = cmp.filter((c) => c > 0).length;
  const losses = cmp.filter((c) => c < 0).length;
  const points = cmp.map((c) => (c + 1) / 2);
  const m = mean(points);
  const sd = Math.sqrt(points.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, points.length - 1));
  const half = (1.96 * sd) / Math.sqrt(Math.max(1, points.length));
  const fullTokens = mean(pairs.map((p) => p.fullTokens));
  const prunedTokens = mean(pairs.map((p) => p.prunedTokens));
  const { n: _n, ...rest } = spec;
  return {
    ...rest,
    n: pairs.length,
    wins,
    losses,
    ties: pairs.length - wins - losses,
    score: { value: m, lo: m - half, hi: m + half },
    winRate: wilson(wins, wins + losses),
    diff: bootstrap(
      pairs.map((p) => p.prunedTruth - p.fullTruth),
      { seed: seed + spec.k },
    ),
    samePick: mean(pairs.map((p) => (p.samePick ? 1 : 0))),
    fullTokens,
    prunedTokens,
    tokenRatio: fullTokens / prunedTokens,
    committedShare: mean(pairs.map((p) => (p.committed ? 1 : 0))),
  };
}

/** Equal within float noise counts as a tie (identical answers give identical truths). */
function round9(x: number): number {
  return Math.abs(x) < 1e-9 ? 0 : x;
}
