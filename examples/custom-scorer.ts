// Robust Preference Selection with your own scorer, no server: run with `npx tsx examples/custom-scorer.ts`.
// Set UPSTREAM_URL (e.g. http://localhost:8000/v1 for vLLM) and UPSTREAM_MODEL to use a real model; without
// UPSTREAM_URL the example starts the simulated upstream itself.
import { createFunctionScorer, createOpenAICompatibleGenerator, createSelector } from '../index.js';

const sim = process.env.UPSTREAM_URL
  ? undefined
  : await (await import('../upstream-sim/index.js')).startSimulatedUpstream();
const generator = createOpenAICompatibleGenerator({ baseUrl: process.env.UPSTREAM_URL ?? sim!.url });

// Any function of (conversation, response) → one score per attribute.
const scorer = createFunctionScorer({
  attributes: ['helpfulness', 'verbosity'],
  score: ({ messages, response }) => {
    const asked = new Set(
      String(messages.at(-1)?.content)
        .toLowerCase()
        .match(/\w{4,}/g),
    );
    const words = response.toLowerCase().match(/\w+/g) ?? [];
    return { helpfulness: words.filter((w) => asked.has(w)).length, verbosity: Math.log1p(words.length) };
  },
});

const selector = createSelector({ generator, scorer });
const selection = await selector.select({
  params: {
    model: process.env.UPSTREAM_MODEL ?? 'prefsel-sim',
    messages: [{ role: 'user', content: 'How should I water a fern?' }],
  },
  preference: { helpfulness: 0.9, verbosity: 0.3 }, // or { angle_deg: 20 }
});
for (const c of selection.ranked) console.log(c.rank, c.direction?.angleDeg, c.projection?.toFixed(2), c.scores);
console.log('\nChosen:', selection.chosen.message?.content);
await sim?.close();
