/**
 * Enforces the layer rule: data flows one way, server → middleware → scorers → core, and only the server's
 * composition root names a concrete generator, scorer or the simulated upstream. Test files are exempt: a test
 * may wire real pieces together.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Which top-level folders each layer may import from (besides itself). */
const allowed: Record<string, readonly string[]> = {
  core: [],
  scorers: ['core'],
  'upstream-sim': ['core'],
  stores: ['core'],
  middleware: ['core'],
  server: ['core', 'middleware', 'scorers', 'upstream-sim', 'stores'],
};

/** Concrete implementations only the composition root may import. */
const concrete = ['scorers/onnx/', 'scorers/reference/', 'middleware/generators/', 'upstream-sim/', 'stores/'];
const compositionRoot = 'server/compose.ts';
/** Entry files that only re-export, so embedding users can import concrete pieces by name. */
const entryFiles = ['middleware/index.ts', 'scorers/index.ts', 'stores/index.ts', 'server/index.ts', 'index.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers.map((spec) => relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'));
}

const edges = Object.keys(allowed).flatMap((layer) => {
  let files: string[] = [];
  try {
    files = sourceFiles(join(root, layer));
  } catch {
    return []; // a layer not built yet has no edges
  }
  return files.flatMap((file) => relativeImports(file).map((to) => ({ from: relative(root, file), to })));
});

describe('architecture', () => {
  it('every import points down the layer order', () => {
    const bad = edges.filter(({ from, to }) => {
      const fromLayer = from.split('/')[0]!;
      const toLayer = to.split('/')[0]!;
      return fromLayer !== toLayer && !allowed[fromLayer]!.includes(toLayer);
    });
    expect(bad).toEqual([]);
  });

  it('only the composition root names concrete generators, scorers and the simulator', () => {
    const bad = edges.filter(
      ({ from, to }) =>
        from !== compositionRoot &&
        !entryFiles.includes(from) &&
        concrete.some((prefix) => to.startsWith(prefix) && !from.startsWith(prefix)),
    );
    expect(bad).toEqual([]);
  });

  it('declares each selection rule and each enum once, in its owner', () => {
    // A second zod rule for a selection field, or a second copy of a value list, is how the rules drifted before.
    const declarations: Array<[RegExp, string]> = [
      [/\b(k|radius_deg|neighbourhood|directive_placement)\s*:\s*z\./, 'middleware/selection-options.ts'],
      [/\[\s*'grid',\s*'cap'\s*\]/, 'middleware/selection-options.ts'],
      [/\[\s*'system',\s*'user'\s*\]/, 'middleware/selection-options.ts'],
      [/\[\s*'auto',\s*'cpu',\s*'cuda'\s*\]/, 'scorers/onnx/session.ts'],
    ];
    const files = Object.keys(allowed).flatMap((layer) => {
      try {
        return sourceFiles(join(root, layer));
      } catch {
        return [];
      }
    });
    const bad = declarations.flatMap(([pattern, owner]) =>
      files
        .filter((file) => relative(root, file) !== owner && pattern.test(readFileSync(file, 'utf8')))
        .map((file) => `${relative(root, file)} restates what ${owner} declares (${pattern.source})`),
    );
    expect(bad).toEqual([]);
  });

  it('finds the layers it checks', () => {
    expect(edges.length).toBeGreaterThan(0);
  });
});
