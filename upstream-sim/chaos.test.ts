import { Chaos, CHAOS_KINDS } from './chaos.js';
import { startSimulatedUpstream } from './server.js';

describe('chaos', () => {
  it('serves faults at the asked rate, spread over the kinds, the same for the same seed', () => {
    const draws = (seed: number) => {
      const chaos = new Chaos({ rate: 0.3, seed, stallMs: 10 });
      return { faults: Array.from({ length: 2000 }, () => chaos.draw()), served: chaos.served() };
    };
    const a = draws(7);
    const rate = a.faults.filter(Boolean).length / a.faults.length;
    expect(rate).toBeGreaterThan(0.25);
    expect(rate).toBeLessThan(0.35);
    for (const kind of CHAOS_KINDS) expect(a.served[kind]).toBeGreaterThan(40);
    expect(draws(7)).toEqual(a);
    expect(draws(8)).not.toEqual(a);
    expect(() => new Chaos({ rate: 2 })).toThrow(RangeError);
  });

  it('the simulator applies chaos to chat requests and counts what it served', async () => {
    const sim = await startSimulatedUpstream({ chaos: { rate: 1, kinds: ['status500'] } });
    try {
      const res = await fetch(`${sim.url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(500);
      expect(sim.chaosServed().status500).toBe(1);
      expect((await fetch(`${sim.url}/models`)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
