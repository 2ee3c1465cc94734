import { BASE_DEFAULTS, resolveSelection, selectionSchema, validateSelectionOptions } from './selection-options.js';

describe('selection options', () => {
  it('accepts valid options and merges them over defaults', () => {
    const options = validateSelectionOptions({
      k: 3,
      radius_deg: 90,
      strategy: 'best_of_n',
      seed: -5,
      temperature: 0,
      neighbourhood: 'cap',
      directive_placement: 'user',
    });
    expect(resolveSelection({ ...BASE_DEFAULTS, preference: { angle_deg: 0 } }, options)).toEqual({
      strategy: 'best_of_n',
      k: 3,
      radiusDeg: 90,
      neighbourhood: 'cap',
      seed: -5,
      temperature: 0,
      placement: 'user',
      prune: null,
    });
    expect(resolveSelection({ ...BASE_DEFAULTS, preference: { angle_deg: 0 } })).toMatchObject({
      k: 5,
      radiusDeg: 30,
      seed: 42,
      temperature: 0.7,
      placement: 'system',
      neighbourhood: undefined,
    });
  });

  it.each([
    [{ k: 64.5 }, 'selection.k'],
    [{ seed: 1.5 }, 'selection.seed'],
    [{ neighbourhood: 'ring' }, 'selection.neighbourhood'],
    [{ directive_placement: 'assistant' }, 'selection.directive_placement'],
    [{ temperature: 2.5 }, 'selection.temperature'],
    ['fast', 'selection'],
  ])('%j → %s', (input, param) => {
    expect(() => validateSelectionOptions(input)).toThrow(expect.objectContaining({ param }));
  });

  it.each([
    [{ k: 80 }, { maxK: 16 }, 'Invalid `selection.k`: must be an integer in [1, 16]; got 80.'],
    [{ k: 80 }, { maxK: 100 }, 'Invalid `selection.k`: must be an integer in [1, 64]; got 80.'],
    [{ radius_deg: 0 }, {}, 'Invalid `selection.radius_deg`: must be a number in (0, 90]; got 0.'],
    [{ k: '5' }, {}, 'Invalid `selection.k`: must be an integer in [1, 64]; got "5".'],
    [{ strategy: 'magic' }, {}, 'Invalid `selection.strategy`: must be one of rps, best_of_n, none; got "magic".'],
    [
      { kk: 3 },
      {},
      'Unknown field `selection.kk`; valid fields: strategy, k, radius_deg, neighbourhood, seed, temperature, directive_placement, prune.',
    ],
  ])('%j with %j → %s', (input, limits, message) => {
    expect(() => validateSelectionOptions(input, limits)).toThrow(message);
  });

  it('is one zod schema, partial and strict', () => {
    expect(selectionSchema().safeParse({}).success).toBe(true);
    expect(selectionSchema({ maxK: 8 }).safeParse({ k: 8 }).success).toBe(true);
    expect(selectionSchema({ maxK: 8 }).safeParse({ k: 9 }).success).toBe(false);
  });
});
