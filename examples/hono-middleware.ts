// Preference selection inside an existing Hono app, scored by the built-in ONNX reference reward model: run with
// `npx tsx examples/hono-middleware.ts`. Set UPSTREAM_URL (e.g. http://localhost:8000/v1 for vLLM) and
// UPSTREAM_MODEL to use a real model; without UPSTREAM_URL the example starts the simulated upstream itself.
import { Hono } from 'hono';
import { createOpenAICompatibleGenerator, createSelector, preferenceResponses, preferenceSelection } from '../index.js';
import { createOnnxScorer, ensureReferenceModel } from '../scorers/index.js';

const sim = process.env.UPSTREAM_URL
  ? undefined
  : await (await import('../upstream-sim/index.js')).startSimulatedUpstream();
const generator = createOpenAICompatibleGenerator({ baseUrl: process.env.UPSTREAM_URL ?? sim!.url });

// Builds the reference model into .models/reference on first use; point modelDir at any exported reward model.
const scorer = await createOnnxScorer({ modelDir: await ensureReferenceModel(), device: 'auto' });
const selector = createSelector({ generator, scorer });
const app = new Hono()
  .post('/v1/chat/completions', preferenceSelection({ selector }))
  .post('/v1/responses', preferenceResponses({ selector }));

// A client request, answered in-process here; `serve(app)` from @hono/node-server puts it on a port.
const res = await app.request('/v1/chat/completions', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-preference': 'angle=30' },
  body: JSON.stringify({
    model: process.env.UPSTREAM_MODEL ?? 'prefsel-sim',
    messages: [{ role: 'user', content: 'How do I keep bread fresh?' }],
  }),
});
const body = (await res.json()) as { choices: { message: { content: string } }[] };
console.log('Status:', res.status);
console.log(
  'Strategy:',
  res.headers.get('x-selection-strategy'),
  '· candidates:',
  res.headers.get('x-selection-candidates'),
);
console.log('Chosen:', body.choices[0]?.message.content);
await scorer.close();
await sim?.close();
