import { BASE_DEFAULTS, resolveSelection, validateSelectionOptions } from './selection-options.js';

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
});
