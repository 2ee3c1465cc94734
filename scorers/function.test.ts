import { ScorerError } from '../core/errors.js';
import { createFunctionScorer } from './function.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('createFunctionScorer', () => {
  it('accepts arrays and records (any key order), async functions, and keeps input order', async () => {
    const scorer = createFunctionScorer({
      attributes: ['helpfulness', 'verbosity'],
      score: async ({ response }) => (response === 'a' ? [1, 2] : { verbosity: 4, helpfulness: 3 }),
      name: 'test',
    });
    expect(scorer.info).toEqual({ model: 'test', executionProvider: 'js' });
    expect(
      await scorer.score([
        { messages, response: 'a' },
        { messages, response: 'b' },
      ]),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it.each([
    [[1], /returned 1 scores; expected 2/],
    [{ helpfulness: 1 }, /"verbosity"/],
    [[1, Number.NaN], /"verbosity"/],
  ])('rejects %j with a ScorerError', async (value, message) => {
    const scorer = createFunctionScorer({ attributes: ['helpfulness', 'verbosity'], score: () => value });
    const err = await scorer.score([{ messages, response: 'x' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScorerError);
    expect((err as Error).message).toMatch(message);
  });

  it('honours an aborted signal and rejects bad attribute lists', async () => {
    const scorer = createFunctionScorer({ attributes: ['a'], score: () => [1] });
    await expect(scorer.score([], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(() => createFunctionScorer({ attributes: [], score: () => [] })).toThrow(RangeError);
    expect(() => createFunctionScorer({ attributes: ['a', 'a'], score: () => [1, 1] })).toThrow(RangeError);
  });
});
