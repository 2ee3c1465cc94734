// `tsc` emits only what TypeScript compiles. A module also needs the plain files it loads from beside itself at run
// time (the ONNX session worker `.mjs`, the playground's page, styles and scripts), so after `tsc` this copies every
// such file from each source folder that produced a compiled module into the same folder under dist/. Copying by
// rule rather than by list means a new worker or page cannot be forgotten; test/package.test.ts checks the result.
import { copyFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** Source files that are not runtime assets: TypeScript (compiled), tests, docs, source maps, dotfiles. */
const isRuntimeAsset = (name) =>
  !/\.(ts|mts|cts|md|map)$/.test(name) && !/\.test\./.test(name) && !name.startsWith('.');

/** Folders below dist/ that hold compiled modules (not dist/ itself: the repository root holds configs, no assets). */
function* compiledFolders(dir) {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (dir !== dist && entries.some((e) => e.isFile() && e.name.endsWith('.js'))) yield dir;
  for (const e of entries) if (e.isDirectory()) yield* compiledFolders(join(dir, e.name));
}

let copied = 0;
for (const out of compiledFolders(dist)) {
  const src = join(root, relative(dist, out));
  for (const e of readdirSync(src, { withFileTypes: true })) {
    if (!e.isFile() || !isRuntimeAsset(e.name)) continue;
    copyFileSync(join(src, e.name), join(out, e.name));
    copied++;
  }
}
console.log(`copy-assets: ${copied} runtime files copied into dist/`);
