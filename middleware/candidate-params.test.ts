import type { ChatCompletionCreateParams } from '../core/openai.js';
import { candidateParams } from './candidate-params.js';
import { defaultDirectiveTemplate } from './directive.js';
import { parsePreference } from './preference.js';

const { target, active } = parsePreference({ angle_deg: 30 }, { attributes: ['helpfulness', 'verbosity'] });
const base = {
  direction: target,
  attributes: active,
  template: defaultDirectiveTemplate,
  placement: 'system' as const,
  temperature: 0.7,
  seed: 42,
};

describe('candidateParams', () => {
  it('forwards client parameters unchanged and drops n/stream/stream_options/best_of', () => {
    const client: ChatCompletionCreateParams = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 64,
      max_completion_tokens: 60,
      temperature: 0,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      user: 'alice',
      n: 3,
      stream: true,
      stream_options: { include_usage: true },
      best_of: 2,
      logit_bias: { '50256': -100 },
    };
    const snapshot = structuredClone(client);
    const out = candidateParams(client, { ...base, index: 2 });
    expect(out).toEqual({
      model: 'm',
      messages: [
        {
          role: 'system',
          content:
            'You are a helpful assistant. Your response should maximize weighted rating = helpfulness*87 + verbosity*50.',
        },
        { role: 'user', content: 'hi' },
      ],
      max_tokens: 64,
      max_completion_tokens: 60,
      temperature: 0,
      top_p: 0.9,
      stop: ['END'],
      seed: 9,
      user: 'alice',
      logit_bias: { '50256': -100 },
    });
    expect(client).toEqual(snapshot);
  });

  it('fills temperature and seed only when the client set none', () => {
    const out = candidateParams({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { ...base, index: 1 });
    expect(out.temperature).toBe(0.7);
    expect(out.seed).toBe(43);
    expect(out).not.toHaveProperty('max_tokens');
    expect(out).not.toHaveProperty('top_p');
  });
});
