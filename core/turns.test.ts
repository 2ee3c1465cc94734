import { takeTurn } from './turns.js';

describe('takeTurn', () => {
  it('lets callers go in order, one per turn of the event loop', async () => {
    // A chain of immediates counts the loop's turns.
    let turn = 0;
    let counting = true;
    const tick = () => {
      turn++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: Array<[string, number]> = [];
    await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (name) => {
        await takeTurn();
        seen.push([name, turn]);
      }),
    );
    counting = false;
    expect(seen.map(([name]) => name)).toEqual(['a', 'b', 'c', 'd']);
    const turns = seen.map(([, t]) => t);
    for (let i = 1; i < turns.length; i++) expect(turns[i]).toBeGreaterThan(turns[i - 1]!);
  });

  it('an idle caller goes on the next turn', async () => {
    let done = false;
    const turn = takeTurn().then(() => (done = true));
    expect(done).toBe(false);
    await turn;
    expect(done).toBe(true);
  });
});
