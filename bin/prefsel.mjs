#!/usr/bin/env node
// The `prefsel` command. A built package (`npm run build`) runs the compiled CLI; a source checkout registers tsx
// (a runtime dependency) so the TypeScript CLI runs without a build step.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/server/cli.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/cli.ts');
}
