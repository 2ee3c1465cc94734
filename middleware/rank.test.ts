import { ScorerError } from '../core/errors.js';
import type { CandidateReport } from '../core/types.js';
import { createFunctionScorer } from '../scorers/function.js';
import { parsePreference } from './preference.js';
import { rankCandidates, scoreCandidates, sumUsage } from './rank.js';

const { target } = parsePreference({ angle_deg: 30 }, { attributes: ['helpfulness', 'verbosity'] });
const candidate = (index: number, offsetDeg: number, content: string): CandidateReport => ({
  index,
  direction: { ...target, offsetDeg },
  status: 'ok',
  chosen: false,
  latencyMs: 1,
  message: { role: 'assistant', content },
});
const signal = new AbortController().signal;

describe('scoreCandidates + rankCandidates', () => {
  it('projects onto the original target and ranks best first', async () => {
    const scorer = createFunctionScorer({
      attributes: ['helpfulness', 'verbosity'],
      score: ({ response }) => (response === 'long' ? [60, 90] : [80, 10]),
    });
    const cs = [candidate(0, 0, 'short'), candidate(1, 5, 'long')];
    await scoreCandidates(cs, { scorer, messages: [], target, signal });
    expect(cs[1]!.projection).toBeCloseTo(60 * Math.cos(Math.PI / 6) + 90 * 0.5, 9);
    const ranked = rankCandidates(cs);
    expect(ranked.map((c) => c.index)).toEqual([1, 0]);
    expect(cs.map((c) => [c.rank, c.chosen])).toEqual([
      [1, false],
      [0, true],
    ]);
  });

  it('breaks ties by offset from the target, then by index', () => {
    const cs = [candidate(0, 10, 'a'), candidate(1, 5, 'b'), candidate(2, 5, 'c'), candidate(3, 0, 'd')].map((c) => ({
      ...c,
      projection: 1,
    }));
    expect(rankCandidates(cs).map((c) => c.index)).toEqual([3, 1, 2, 0]);
  });

  it('rejects malformed scorer output with ScorerError, and wraps scorer failures', async () => {
    const short = {
      ...createFunctionScorer({ attributes: ['helpfulness', 'verbosity'], score: () => [1, 1] }),
      score: async () => [[1, 1]],
    };
    await expect(
      scoreCandidates([candidate(0, 0, 'a'), candidate(1, 0, 'b')], { scorer: short, messages: [], target, signal }),
    ).rejects.toBeInstanceOf(ScorerError);
    const broken = { ...short, score: async () => Promise.reject(new Error('CUDA out of memory')) };
    await expect(
      scoreCandidates([candidate(0, 0, 'a')], { scorer: broken, messages: [], target, signal }),
    ).rejects.toThrow(/scorer failed: CUDA out of memory/);
  });

  it('sums usage over candidates that report it', () => {
    const u = (n: number) => ({ prompt_tokens: n, completion_tokens: 2 * n, total_tokens: 3 * n });
    expect(
      sumUsage([
        { ...candidate(0, 0, 'a'), usage: u(1) },
        candidate(1, 0, 'b'),
        { ...candidate(2, 0, 'c'), status: 'failed', usage: u(2) },
      ]),
    ).toEqual(u(3));
  });
});
