import type { ChatCompletionMessageParam } from '../core/openai.js';
import { contentWords, readDirectiveWeights, userQuestion } from './directive-reader.js';
import { competenceAt, generateReply } from './text-model.js';
import { countTokens, truncateTokens } from './tokens.js';

const QUESTIONS = [
  'How do I bake sourdough bread at home with a cast iron pot?',
  'What are good strategies for learning the violin as an adult beginner?',
  'Compare electric bicycles and scooters for a daily city commute.',
  'Why does my tomato garden produce yellow leaves in summer?',
];

function ask(options: {
  h: number;
  v: number;
  question: string;
  seed: number;
  placement?: 'system' | 'user';
}): ChatCompletionMessageParam[] {
  const directive = `You are a helpful assistant. Your response should maximize weighted rating = helpfulness*${options.h} + verbosity*${options.v}.`;
  return options.placement === 'user'
    ? [{ role: 'user', content: `${directive}\n\n${options.question}` }]
    : [
        { role: 'system', content: directive },
        { role: 'user', content: options.question },
      ];
}

/** Mean over questions × seeds of a per-reply statistic. */
function mean(
  options: { h: number; v: number; coverage?: { fromDeg: number; toDeg: number } },
  stat: (reply: string, question: string) => number,
): number {
  let sum = 0;
  let n = 0;
  for (const question of QUESTIONS) {
    for (let seed = 0; seed < 25; seed++) {
      const reply = generateReply({
        messages: ask({ ...options, question, seed }),
        seed,
        temperature: 0.7,
        coverage: options.coverage ?? { fromDeg: -90, toDeg: 90 },
        falloffDeg: 25,
      });
      sum += stat(reply.content, question);
      n++;
    }
  }
  return sum / n;
}

const relevance = (reply: string, question: string): number => {
  const words = new Set(contentWords(question));
  const replyWords = reply.toLowerCase().match(/[a-z][a-z'-]{3,}/g) ?? [];
  return replyWords.filter((w) => words.has(w)).length / Math.max(1, replyWords.length);
};
const distinctSentenceShare = (reply: string): number => {
  const sentences = reply.split(/(?<=\.)\s+/);
  return new Set(sentences).size / sentences.length;
};

describe('directive reader', () => {
  it('reads weight pairs from system or user text and strips the directive from the question', () => {
    expect(readDirectiveWeights(ask({ h: 87, v: 50, question: 'q', seed: 0 }))).toEqual({
      helpfulness: 87,
      verbosity: 50,
    });
    const userPlaced = ask({ h: 97, v: -26, question: 'Name three rivers.', seed: 0, placement: 'user' });
    expect(readDirectiveWeights(userPlaced)).toEqual({ helpfulness: 97, verbosity: -26 });
    expect(userQuestion(userPlaced)).toBe('Name three rivers.');
    expect(readDirectiveWeights([{ role: 'user', content: 'what is 2*3?' }])).toBeNull();
    expect(readDirectiveWeights([{ role: 'system', content: 'weighted rating = honesty*60 + speed*80' }])).toEqual({
      honesty: 60,
      speed: 80,
    });
  });
});

describe('generateReply', () => {
  it('is deterministic for (messages, seed, temperature) and varies across seeds', () => {
    const base = {
      messages: ask({ h: 87, v: 50, question: QUESTIONS[0]!, seed: 0 }),
      temperature: 0.7,
      coverage: { fromDeg: -90, toDeg: 90 },
      falloffDeg: 25,
    };
    expect(generateReply({ ...base, seed: 1 })).toEqual(generateReply({ ...base, seed: 1 }));
    const contents = new Set(Array.from({ length: 10 }, (_, seed) => generateReply({ ...base, seed }).content));
    expect(contents.size).toBeGreaterThan(5);
    // Greedy decoding ignores the seed.
    expect(generateReply({ ...base, temperature: 0, seed: 1 }).content).toBe(
      generateReply({ ...base, temperature: 0, seed: 2 }).content,
    );
  });

  it('more verbosity weight → longer replies on average', () => {
    const tokens = (reply: string) => countTokens(reply);
    const short = mean({ h: 97, v: -26 }, tokens);
    const mid = mean({ h: 87, v: 50 }, tokens);
    const long = mean({ h: 71, v: 71 }, tokens);
    expect(short).toBeLessThan(mid);
    expect(mid).toBeLessThan(long);
  });

  it('more helpfulness weight → more of the prompt’s words reused', () => {
    expect(mean({ h: 100, v: 0 }, relevance)).toBeGreaterThan(mean({ h: 50, v: 87 }, relevance));
    expect(mean({ h: 50, v: 87 }, relevance)).toBeGreaterThan(mean({ h: 0, v: 100 }, relevance));
  });

  it('outside the coverage range competence falls off smoothly: more repetition, less relevance', () => {
    const dpa = { fromDeg: -45, toDeg: 0 };
    expect(competenceAt(-20, { coverage: dpa, falloffDeg: 25 })).toBe(1);
    const c = [10, 20, 30, 45].map((a) => competenceAt(a, { coverage: dpa, falloffDeg: 25 }));
    expect(c).toEqual([...c].sort((a, b) => b - a));
    expect(c[0]).toBeGreaterThan(0.9);
    expect(c[3]).toBeLessThan(0.3);
    expect(mean({ h: 71, v: 71, coverage: dpa }, distinctSentenceShare)).toBeLessThan(
      mean({ h: 71, v: 71 }, distinctSentenceShare),
    );
    expect(mean({ h: 71, v: 71, coverage: dpa }, relevance)).toBeLessThan(mean({ h: 71, v: 71 }, relevance));
    // Neighbours closer to the coverage fare better than the target itself: the premise of RPS.
    expect(mean({ h: 87, v: 50, coverage: dpa }, relevance)).toBeGreaterThan(
      mean({ h: 71, v: 71, coverage: dpa }, relevance),
    );
  });

  it('honours max tokens with finish reason length', () => {
    const reply = generateReply({
      messages: ask({ h: 71, v: 71, question: QUESTIONS[1]!, seed: 0 }),
      maxTokens: 7,
      coverage: { fromDeg: -90, toDeg: 90 },
      falloffDeg: 25,
    });
    expect(reply.finishReason).toBe('length');
    expect(reply.completionTokens).toBeLessThanOrEqual(7);
  });
});

describe('tokens', () => {
  it('counts word runs and punctuation', () => {
    expect(countTokens('Hello, world!')).toBe(4);
    expect(countTokens('')).toBe(0);
    expect(truncateTokens('a b c d', 2)).toEqual({ text: 'a b', truncated: true });
  });
});

describe('generateReply: length, prefix informativeness and true attributes', () => {
  const coverage = { fromDeg: -90, toDeg: 90 };
  const reply = (
    seed: number,
    extra: { lengthScale?: number; prefixInformativeness?: number; qualitySpread?: number } = {},
  ) =>
    generateReply({
      messages: ask({ h: 87, v: 50, question: QUESTIONS[seed % QUESTIONS.length]!, seed }),
      seed,
      temperature: 1,
      coverage,
      falloffDeg: 25,
      ...extra,
    });

  it('lengthScale multiplies the length', () => {
    const tokens = (scale: number) =>
      Array.from({ length: 40 }, (_, s) => reply(s, { lengthScale: scale }).completionTokens).reduce((a, b) => a + b);
    expect(tokens(6) / tokens(1)).toBeGreaterThan(4.5);
  });

  it('true attributes: helpfulness is the share of fresh on-topic tokens, verbosity grows with length', () => {
    const r = reply(3, { lengthScale: 4 });
    expect(r.truth.helpfulness).toBeGreaterThan(0);
    expect(r.truth.helpfulness).toBeLessThanOrEqual(100);
    expect(r.truth.verbosity).toBeCloseTo((100 * Math.log(1 + r.completionTokens)) / Math.log(2049), 6);
    // A cut answer is judged as delivered.
    const cut = generateReply({
      ...{ messages: ask({ h: 87, v: 50, question: QUESTIONS[0]!, seed: 3 }) },
      seed: 3,
      temperature: 1,
      coverage,
      falloffDeg: 25,
      lengthScale: 4,
      maxTokens: 10,
    });
    expect(cut.truth.verbosity).toBeLessThan(r.truth.verbosity);
  });

  it('prefixInformativeness: how much an opening predicts the rest is a setting', () => {
    // Correlation, over many answers, between the on-topic share of the opening and the truth of the whole.
    const correlation = (rho: number): number => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let seed = 0; seed < 400; seed++) {
        const r = reply(seed, { lengthScale: 6, qualitySpread: 0.8, prefixInformativeness: rho });
        const opening = r.content
          .split(/(?<=\.)\s+/)
          .slice(0, 8)
          .join(' ');
        xs.push(relevance(opening, QUESTIONS[seed % QUESTIONS.length]!));
        ys.push(r.truth.helpfulness);
      }
      const mx = xs.reduce((a, b) => a + b) / xs.length;
      const my = ys.reduce((a, b) => a + b) / ys.length;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      xs.forEach((x, i) => {
        sxy += (x - mx) * (ys[i]! - my);
        sxx += (x - mx) ** 2;
        syy += (ys[i]! - my) ** 2;
      });
      return sxy / Math.sqrt(sxx * syy);
    };
    const informative = correlation(1);
    const uninformative = correlation(0);
    expect(informative).toBeGreaterThan(uninformative + 0.1);
    // The opening's own sentences still count toward the whole, so even ρ = 0 is not pure noise.
    expect(uninformative).toBeGreaterThan(0);
  });
});
