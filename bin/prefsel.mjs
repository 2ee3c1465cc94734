#!/usr/bin/env node
// The `prefsel` command. In a source checkout (server/cli.ts is there) it runs the TypeScript CLI under tsx, a dev
// dependency, so a stale dist/ from an earlier build is never what runs; an installed package ships no sources and
// runs the compiled CLI in dist/.
import { existsSync } from 'node:fs';

const source = new URL('../server/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/server/cli.js', import.meta.url).href);
}
