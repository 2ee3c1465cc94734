/**
 * @module prompts
 * The built-in prompt set of the selection-quality benchmark: short, single-turn user requests across everyday
 * topics, written for this repository. Order is fixed, so a prompt's index (and the seed derived from it) is
 * stable across runs; `--quick` takes a prefix.
 */

const TOPICS = [
  'Explain how a refrigerator keeps food cold.',
  'What is the difference between weather and climate?',
  'How do I make a simple tomato sauce?',
  'Give me tips for a first job interview.',
  'Why is the sky blue?',
  'How does compound interest work?',
  'Suggest a plan to learn basic Spanish in three months.',
  'What are the main causes of the French Revolution?',
  'How do vaccines train the immune system?',
  'Explain recursion to a new programmer.',
  'What should I pack for a weekend hiking trip?',
  'How can I improve my sleep?',
  'Describe how photosynthesis works.',
  'What is a good way to start running regularly?',
  'Explain the rules of chess briefly.',
  'How do I write a polite complaint email?',
  'What is inflation and why does it matter?',
  'How does a bill become law in a parliament?',
  'Give advice for keeping houseplants alive.',
  'Explain what a database index is.',
  'How do noise-cancelling headphones work?',
  'What are healthy breakfast ideas?',
  'How do I prepare for a long flight?',
  'Explain the water cycle.',
  'What makes a good presentation?',
  'How do electric cars differ from petrol cars?',
  'Explain supply and demand with an example.',
  'How can I reduce food waste at home?',
  'What is machine learning?',
  'How should I choose a laptop for university?',
  'Explain how the internet routes a message.',
  'What are the benefits of reading fiction?',
  'How do I negotiate a salary offer?',
  'Why do leaves change colour in autumn?',
  'What is the greenhouse effect?',
  'How do I start a vegetable garden on a balcony?',
  'Explain the difference between a virus and a bacterium.',
  'What is a budget and how do I make one?',
  'How do solar panels produce electricity?',
  'Give tips for studying for exams.',
  'Explain how a bicycle stays upright.',
  'What is the purpose of a central bank?',
  'How can I be a better listener?',
  'How do earthquakes happen?',
  'Explain version control to a designer.',
  'What are good habits for remote work?',
  'How does the human heart pump blood?',
  'What should I consider before adopting a dog?',
  'Explain what an API is.',
  'How do tides work?',
  'What are some ways to learn to cook?',
  'How does a credit score work?',
  'Explain the basics of nutrition labels.',
  'Why is biodiversity important?',
  'How do I write a clear bug report?',
  'What is the difference between a lake and a pond?',
  'How do airplanes generate lift?',
  'Give advice for moving to a new city.',
  'Explain what encryption protects.',
  'How do I brew good coffee at home?',
  'What is the scientific method?',
  'How can a small business find customers?',
  'Explain how muscles grow stronger.',
  'What are the pros and cons of public transport?',
] as const;

/** One prompt of the set. */
export interface BenchPrompt {
  /** Stable index, also the basis of its seed. */
  id: number;
  content: string;
}

/** The built-in prompts (64), in fixed order. */
export const PROMPTS: readonly BenchPrompt[] = TOPICS.map((content, id) => ({ id, content }));

/**
 * `n` prompts from id `firstId` (default: the first `n`); beyond the built-in set it cycles with a suffix, so larger
 * runs still get distinct requests (and distinct seeds). Disjoint id ranges give disjoint prompt sets.
 */
export function promptSet(n: number, firstId = 0): BenchPrompt[] {
  return Array.from({ length: n }, (_, i) => {
    const id = firstId + i;
    const base = TOPICS[id % TOPICS.length]!;
    const round = Math.floor(id / TOPICS.length);
    return { id, content: round === 0 ? base : `${base} (Variant ${round + 1}.)` };
  });
}
