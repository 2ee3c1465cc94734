import { InvalidRequestError } from '../core/errors.js';
import { keepCount, PRUNE_DEFAULTS, resolvePrune } from './prune-options.js';
import { validateSelectionOptions } from './selection-options.js';

describe('prune options', () => {
  it('accepts true, false and partial objects', () => {
    for (const ok of [true, false, {}, { schedule: [32] }, { keep_fraction: 0.25, min_keep: 2, decisive_lead: null }])
      expect(() => validateSelectionOptions({ prune: ok })).not.toThrow();
  });

  it.each([
    [{ keep_fraction: 1 }, 'selection.prune.keep_fraction'],
    [{ keep_fraction: 0 }, 'selection.prune.keep_fraction'],
    [{ schedule: [] }, 'selection.prune.schedule'],
    [{ schedule: [64, 64] }, 'selection.prune.schedule[1]'],
    [{ schedule: [64, 32] }, 'selection.prune.schedule[1]'],
    [{ schedule: [0] }, 'selection.prune.schedule[0]'],
    [{ schedule: [1.5] }, 'selection.prune.schedule[0]'],
    [{ schedule: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 'selection.prune.schedule'],
    [{ min_keep: 0 }, 'selection.prune.min_keep'],
    [{ decisive_lead: 2 }, 'selection.prune.decisive_lead'],
    [{ commit_at_last: 'yes' }, 'selection.prune.commit_at_last'],
    [{ forecast: 1 }, 'selection.prune.forecast'],
    [{ keep: 0.5 }, 'selection.prune.keep'],
    ['yes', 'selection.prune'],
  ])('rejects %j naming %s', (value, param) => {
    expect(() => validateSelectionOptions({ prune: value })).toThrow(
      expect.objectContaining({ constructor: InvalidRequestError, param }),
    );
  });

  it('a request overrides the default field by field; true takes the server’s tuned settings', () => {
    expect(resolvePrune(undefined, false)).toBeNull();
    expect(resolvePrune(false, { schedule: [10] })).toBeNull();
    expect(resolvePrune(true, false)).toEqual({
      schedule: [...PRUNE_DEFAULTS.schedule],
      keepFraction: 0.5,
      minKeep: 1,
      decisiveLead: null,
      commitAtLast: false,
      forecast: false,
    });
    expect(
      resolvePrune(true, { schedule: [10, 20], decisive_lead: 0.5, commit_at_last: true, forecast: true }),
    ).toMatchObject({
      schedule: [10, 20],
      decisiveLead: 0.5,
      commitAtLast: true,
      forecast: true,
    });
    expect(
      resolvePrune(
        { keep_fraction: 0.25, decisive_lead: null, commit_at_last: false },
        { schedule: [10], decisive_lead: 0.5, commit_at_last: true },
      ),
    ).toEqual({
      schedule: [10],
      keepFraction: 0.25,
      minKeep: 1,
      decisiveLead: null,
      commitAtLast: false,
      forecast: false,
    });
  });

  it('keeps ⌈live · fraction⌉, at least min_keep, at most live', () => {
    expect([8, 4, 2].map((n) => keepCount(n, { keepFraction: 0.5, minKeep: 1 }))).toEqual([4, 2, 1]);
    expect([5, 3, 2].map((n) => keepCount(n, { keepFraction: 0.5, minKeep: 1 }))).toEqual([3, 2, 1]);
    expect(keepCount(3, { keepFraction: 0.1, minKeep: 2 })).toBe(2);
    expect(keepCount(1, { keepFraction: 0.5, minKeep: 2 })).toBe(1);
  });
});
