/**
 * The directive reader's hand-written scans agree with the regular expressions they replaced (kept here as the
 * reference) on generated texts, and stay linear on the inputs that made those expressions backtrack for seconds.
 */
import fc from 'fast-check';
import type { ChatCompletionMessageParam } from '../core/openai.js';
import { readDirectiveWeights, userQuestion } from './directive-reader.js';

/** The former implementation: correct, but quadratic on some inputs. Only ever run on short texts here. */
const reference = {
  weights(messages: readonly ChatCompletionMessageParam[]): Record<string, number> | null {
    const pair = /([A-Za-z_][\w-]*)\s*\*\s*(-?\d+(?:\.\d+)?)/g;
    for (const message of messages) {
      if (message.role === 'assistant' || message.role === 'tool') continue;
      const text = typeof message.content === 'string' ? message.content : '';
      const clause = /weighted rating\s*=([^\n]*)/.exec(text);
      if (!clause) continue;
      const weights: Record<string, number> = {};
      for (const [, name, value] of (clause[1] ?? '').matchAll(pair)) weights[name!] = Number(value);
      if (Object.keys(weights).length > 0) return weights;
    }
    return null;
  },
  question(text: string): string {
    const directive =
      /(?:You are [^.\n]*\.\s*)?Your response should maximize weighted rating\s*=[^\n]*?(?:\.(?=\s|$)|$)/g;
    return text.replace(directive, '').trim();
  },
};

/** Texts made of the pieces the scans branch on, so that near-misses and overlaps are common. */
const PIECES = [
  'You are ',
  'You are a helpful assistant.',
  'Your response should maximize weighted rating',
  'Your response should maximize weighted rating \n',
  'weighted rating',
  '\n= ',
  ' = ',
  '=',
  'helpfulness*87',
  'verbosity * -26',
  'x*1.5',
  '9a*3',
  'a-b_c*',
  ' + ',
  '*',
  '.',
  '. ',
  '\n',
  ' ',
  '\t',
  'Name three rivers',
  'Y',
];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }).map((parts) => parts.join(''));

describe('directive reader matches the expressions it replaced', () => {
  it('Should strip directives from the question exactly where the old expression matched', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(userQuestion([{ role: 'user', content: t }])).toBe(reference.question(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('Should read the same weights as the old expressions', () => {
    fc.assert(
      fc.property(text, text, (system, user) => {
        const messages: ChatCompletionMessageParam[] = [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ];
        expect(readDirectiveWeights(messages)).toEqual(reference.weights(messages));
      }),
      { numRuns: 3000 },
    );
  });

  it('Should keep the documented examples', () => {
    const directive =
      'You are a helpful assistant. Your response should maximize weighted rating = helpfulness*97 + verbosity*-26.';
    expect(userQuestion([{ role: 'user', content: `${directive}\n\nName three rivers.` }])).toBe('Name three rivers.');
    expect(readDirectiveWeights([{ role: 'system', content: directive }])).toEqual({ helpfulness: 97, verbosity: -26 });
  });

  it('Should still match a phrase whose `=` is on the next line after a phrase that failed on the same line', () => {
    const phrase = 'Your response should maximize weighted rating';
    const t = `${phrase} = x ${phrase} \n= y.`;
    expect(userQuestion([{ role: 'user', content: t }])).toBe(reference.question(t));
    expect(reference.question(t)).toBe(`${phrase} = x`);
  });
});

describe('directive reader on hostile input', () => {
  // Each of these took the old expressions seconds (the first, 200 KB, froze the server for 21 s); at ten times the
  // size a quadratic scan would take tens of minutes and time the test out, a linear one milliseconds.
  const phrase = 'Your response should maximize weighted rating';
  const hostile: Array<[string, string]> = [
    ['"You are " repeated (200 KB)', 'You are '.repeat(25_000)],
    ['"You are " repeated (2 MB)', 'You are '.repeat(250_000)],
    ['the phrase repeated on one line', `${`${phrase} = x `.repeat(40_000)}\n`],
    ['preambles glued to phrases on one line', `${`You are a.${phrase} = x `.repeat(30_000)}\n`],
    ['one long name', `weighted rating = ${'a'.repeat(2_000_000)}`],
    ['long whitespace after the clause', `weighted rating${' '.repeat(2_000_000)}x`],
  ];

  it.each(hostile)('Should read %s in linear time', (_, content) => {
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content }];
    expect(typeof userQuestion(messages)).toBe('string');
    expect(readDirectiveWeights(messages)).toBeNull();
  });
});
