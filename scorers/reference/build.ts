/**
 * @module reference/build
 * CLI: `npx tsx scorers/reference/build.ts [--out dir] [--force]` builds the reference reward model directory.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_REFERENCE_DIR, ensureReferenceModel } from './model-dir.js';

const { values } = parseArgs({
  options: { out: { type: 'string', default: DEFAULT_REFERENCE_DIR }, force: { type: 'boolean', default: false } },
});
const started = performance.now();
const dir = await ensureReferenceModel(values.out, { force: values.force });
console.log(`Reference reward model ready in ${dir} (${Math.round(performance.now() - started)} ms)`);
