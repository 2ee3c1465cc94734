import { buildFeeds, KNOWN_INPUTS } from './feeds.js';

const batch = [
  { ids: [5, 6, 7], typeIds: [0, 1, 1], key: 'a' },
  { ids: [2_000_000_000, 9], key: 'b' },
  { ids: [], key: 'c' },
];

describe('buildFeeds', () => {
  it('pads on the right to the longest row (or the width), for every known input, in int32 and int64', () => {
    for (const type of ['int32', 'int64'] as const) {
      const io = { inputs: KNOWN_INPUTS.map((name) => ({ name, type })) };
      const feeds = buildFeeds(io, batch, 3, 4);
      const values = (name: string) => Array.from(feeds[name]!.data as Int32Array | BigInt64Array, Number);
      for (const name of KNOWN_INPUTS) {
        expect(feeds[name]!.dims).toEqual([3, 4]);
        expect(feeds[name]!.type).toBe(type);
        expect(feeds[name]!.data).toBeInstanceOf(type === 'int32' ? Int32Array : BigInt64Array);
      }
      expect(values('input_ids')).toEqual([5, 6, 7, 3, 2_000_000_000, 9, 3, 3, 3, 3, 3, 3]);
      expect(values('attention_mask')).toEqual([1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
      expect(values('token_type_ids')).toEqual([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(values('position_ids')).toEqual([0, 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('widens negative values to int64 with their sign', () => {
    const feeds = buildFeeds({ inputs: [{ name: 'input_ids', type: 'int64' }] }, [{ ids: [1], key: 'x' }], -1, 3);
    expect(Array.from(feeds.input_ids!.data as BigInt64Array)).toEqual([1n, -1n, -1n]);
  });
});
