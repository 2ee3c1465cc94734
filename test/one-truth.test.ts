/**
 * One truth per rule: the same bad value gets the same answer through HTTP (the Hono middleware), the library
 * (`selector.select`) and the CLI configuration (`loadConfig`, then the check against the reward model's attributes
 * that `compose` runs before loading the model). Every rule lives in the engine; this test fails if a surface grows
 * its own copy that drifts.
 */
import { Hono } from 'hono';
import type { ChatCompletionCreateParams } from '../core/openai.js';
import { createSelector } from '../middleware/create-selector.js';
import { createOpenAICompatibleGenerator } from '../middleware/generators/openai-compatible.js';
import { preferenceSelection } from '../middleware/hono.js';
import { errorResponse } from '../middleware/http/errors.js';
import { createFunctionScorer } from '../scorers/function.js';
import { checkDefaultPreference } from '../server/compose.js';
import { ConfigError, loadConfig } from '../server/config.js';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';

const ATTRIBUTES = ['helpfulness', 'verbosity'];
const params: ChatCompletionCreateParams = { model: 'sim', messages: [{ role: 'user', content: 'Hi' }] };

let sim: SimulatedUpstream;
beforeAll(async () => {
  sim = await startSimulatedUpstream({ record: true });
});
afterAll(() => sim.close());

function surfaces(maxK?: number) {
  const selector = createSelector({
    generator: createOpenAICompatibleGenerator({ baseUrl: sim.url }),
    scorer: createFunctionScorer({ attributes: ATTRIBUTES, score: () => [1, 1] }),
    ...(maxK === undefined ? {} : { maxK }),
  });
  const app = new Hono();
  app.use('/v1/*', preferenceSelection({ selector }));
  app.onError((err) => errorResponse(err));
  return { selector, app };
}

interface Case {
  /** The request's extension fields. */
  body: { selection?: object; preference?: object };
  /** The same value as server flags. */
  flags: string[];
  /** The field the HTTP and library errors name, and the flag the CLI error names. */
  param: string;
  flag: string;
  /** The rule's words, identical on every surface. */
  rule: string;
  maxK?: number;
}

const cases: Array<[string, Case]> = [
  [
    'k above the largest k (default max-k)',
    {
      body: { selection: { k: 80 } },
      flags: ['--k', '80'],
      param: 'selection.k',
      flag: '--k',
      rule: 'must be an integer in [1, 16]; got 80',
    },
  ],
  [
    'k above the largest k (max-k 64)',
    {
      body: { selection: { k: 80 } },
      flags: ['--max-k', '64', '--k', '80'],
      maxK: 64,
      param: 'selection.k',
      flag: '--k',
      rule: 'must be an integer in [1, 64]; got 80',
    },
  ],
  [
    'a radius of 0',
    {
      body: { selection: { radius_deg: 0 } },
      flags: ['--radius-deg', '0'],
      param: 'selection.radius_deg',
      flag: '--radius-deg',
      rule: 'must be a number in (0, 90]; got 0',
    },
  ],
  [
    'an unknown strategy',
    {
      body: { selection: { strategy: 'magic' } },
      flags: ['--strategy', 'magic'],
      param: 'selection.strategy',
      flag: '--strategy',
      rule: 'must be one of rps, best_of_n, none; got "magic"',
    },
  ],
  [
    'an unknown attribute',
    {
      body: { preference: { speed: 1 } },
      flags: ['--preference', 'speed=1'],
      param: 'preference.speed',
      flag: '--preference',
      rule: 'unknown attribute "speed"; valid attributes: helpfulness, verbosity',
    },
  ],
  [
    'an angle that is not a number',
    {
      body: { preference: { angle_deg: 'abc' } },
      flags: ['--preference', 'angle=abc'],
      param: 'preference.angle_deg',
      flag: '--preference',
      rule: 'must be a finite number of degrees; got "abc"',
    },
  ],
];

describe('one truth per rule', () => {
  it.each(cases)('%s: the same message and field through HTTP, the library and the CLI', async (_name, c) => {
    const { app, selector } = surfaces(c.maxK);
    const expected = `Invalid \`${c.param}\`: ${c.rule}.`;

    const res = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...params, ...c.body }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ message: expected, param: c.param });

    const viaLibrary = await selector.select({ params, ...(c.body as object) }).catch((err: unknown) => err);
    expect(viaLibrary).toMatchObject({ status: 400, message: expected, param: c.param });

    const viaCli = (() => {
      try {
        const loaded = loadConfig(c.flags, {});
        if (loaded.help) throw new Error('unexpected --help');
        checkDefaultPreference(loaded.config, ATTRIBUTES);
      } catch (err) {
        return err;
      }
      throw new Error(`${c.flags.join(' ')} was accepted`);
    })();
    expect(viaCli).toBeInstanceOf(ConfigError);
    const line = (viaCli as Error).message.split('\n').find((l) => l.includes(c.flag))!;
    expect(line).toContain(c.rule);
    expect(sim.received).toHaveLength(0); // nothing reached the upstream
  });

  it('the largest k has one range: the engine option, the server setting, never the HTTP layer', () => {
    const generator = createOpenAICompatibleGenerator({ baseUrl: sim.url });
    const scorer = createFunctionScorer({ attributes: ATTRIBUTES, score: () => [1, 1] });
    expect(() => createSelector({ generator, scorer, maxK: 100 })).toThrow(/`maxK` to be an integer in \[1, 64\]/);
    expect(() => loadConfig(['--max-k', '100'], {})).toThrow(/--max-k .*must be an integer in \[1, 64\]; got 100/);
    const selector = createSelector({ generator, scorer });
    // The HTTP layer takes the selector's limit; a second, drifting knob is refused.
    expect(() => preferenceSelection({ selector, maxK: 100 } as never)).toThrow(/createSelector\(\{ maxK \}\)/);
  });
});
