import type { ChatCompletionMessageParam } from '../core/openai.js';
import { applyDirective, defaultDirectiveTemplate, roundHalfEven } from './directive.js';
import { parsePreference } from './preference.js';

const HV = ['helpfulness', 'verbosity'];

describe('defaultDirectiveTemplate', () => {
  it.each([
    [30, 'helpfulness*87 + verbosity*50'],
    [45, 'helpfulness*71 + verbosity*71'],
    [10, 'helpfulness*98 + verbosity*17'],
    [-15, 'helpfulness*97 + verbosity*-26'],
  ])('%i° → %s', (angle, terms) => {
    const { target, active } = parsePreference({ angle_deg: angle }, { attributes: HV });
    expect(defaultDirectiveTemplate(target, active)).toBe(
      `You are a helpful assistant. Your response should maximize weighted rating = ${terms}.`,
    );
  });

  it('lists only the attributes it is given, in that order', () => {
    const attrs = ['helpfulness', 'correctness', 'verbosity'];
    const { target, active } = parsePreference({ correctness: 1, helpfulness: 1 }, { attributes: attrs });
    expect(defaultDirectiveTemplate(target, active)).toMatch(/= helpfulness\*71 \+ correctness\*71\.$/);
  });

  it('rounds half to even like Python and never prints -0', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, -2, 2, 3]);
    expect(Object.is(roundHalfEven(-0.2), -0)).toBe(false);
  });
});

describe('applyDirective', () => {
  const D = 'DIRECTIVE';
  const convo: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'Be terse.' },
    { role: 'user', content: 'first' },
    { role: 'assistant', content: 'reply' },
    { role: 'user', content: 'second' },
  ];

  it('system: directive first, the caller’s system text kept after a blank line; input not mutated', () => {
    const out = applyDirective(convo, D, 'system');
    expect(out[0]).toEqual({ role: 'system', content: 'DIRECTIVE\n\nBe terse.' });
    expect(out.slice(1)).toEqual(convo.slice(1));
    expect(convo[0]!.content).toBe('Be terse.');
  });

  it('system: inserts a system message when there is none; merges into a developer message', () => {
    expect(applyDirective([{ role: 'user', content: 'hi' }], D, 'system')).toEqual([
      { role: 'system', content: D },
      { role: 'user', content: 'hi' },
    ]);
    expect(
      applyDirective(
        [
          { role: 'developer', content: 'rules' },
          { role: 'user', content: 'hi' },
        ],
        D,
        'system',
      )[0],
    ).toEqual({
      role: 'developer',
      content: 'DIRECTIVE\n\nrules',
    });
  });

  it('user: prefixes the last user turn and keeps the system message', () => {
    const out = applyDirective(convo, D, 'user');
    expect(out[3]).toEqual({ role: 'user', content: 'DIRECTIVE\n\nsecond' });
    expect(out[1]).toEqual(convo[1]);
    expect(out[0]).toEqual(convo[0]);
  });

  it('multi-part content gets a leading text part', () => {
    const parts = [{ type: 'image_url', image_url: { url: 'x' } }];
    const out = applyDirective([{ role: 'user', content: parts }], D, 'user');
    expect(out[0]!.content).toEqual([{ type: 'text', text: 'DIRECTIVE\n\n' }, ...parts]);
  });

  it('user placement without a user turn falls back to system', () => {
    expect(applyDirective([{ role: 'assistant', content: 'x' }], D, 'user')[0]).toEqual({ role: 'system', content: D });
  });
});

describe('directive placement suffix', () => {
  it('appends the directive to the last user turn, so every candidate shares the conversation as a prefix', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'Hi' },
      { role: 'assistant' as const, content: 'Hello!' },
      { role: 'user' as const, content: [{ type: 'text', text: 'Name a river.' }] },
    ];
    const out = applyDirective(messages, 'D', 'suffix');
    expect(out.slice(0, 3)).toEqual(messages.slice(0, 3));
    expect(out[3]!.content).toEqual([
      { type: 'text', text: 'Name a river.' },
      { type: 'text', text: '\n\nD' },
    ]);
    expect(applyDirective([{ role: 'user', content: 'Q' }], 'D', 'suffix')).toEqual([
      { role: 'user', content: 'Q\n\nD' },
    ]);
    // No user turn: the system turn, as with `user`.
    expect(applyDirective([{ role: 'system', content: 'S' }], 'D', 'suffix')[0]!.content).toBe('D\n\nS');
  });
});
