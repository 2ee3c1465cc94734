/**
 * The package as users get it: built, packed, installed into a new project without network (onnxruntime-node's
 * CUDA download kept off the way the README tells dependents), then used from plain Node ESM, from TypeScript that
 * checks library declarations, through the README examples (one selection with the ONNX reference scorer), and as
 * the `prefsel serve` command. One build, one pack and one offline install serve every check (CI has 2 cores).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startSimulatedUpstream, type SimulatedUpstream } from '../upstream-sim/index.js';
import { cleanEnv, installPacked, pack, ROOT, runNpm, type Packed } from './packed-project.js';
import { freePort, portInUse, startUntil, stopWith } from './processes.js';

const exec = promisify(execFile);
/** A safety limit, not a timing assertion: tsc with skipLibCheck: false and the ONNX runs are slow on a busy 2-core machine. */
const SLOW = 300_000;
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

let work: string;
let app: string;
let packed: Packed;
let sim: SimulatedUpstream;

/** Runs `node args…` in the installed project and returns stdout; failures carry stderr. */
async function node(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  try {
    return (await exec(process.execPath, args, { cwd: app, env: cleanEnv(env), timeout: 240_000 })).stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err });
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'prefsel-pack-'));
  app = join(work, 'app');
  await runNpm(['run', 'build'], ROOT);
  packed = await pack(work);
  // The README's step for npm 10 and 11, which run dependency install scripts (npm 12 no longer does).
  await installPacked(app, packed.tarball, cleanEnv({ ONNXRUNTIME_NODE_INSTALL: 'skip' }));
  sim = await startSimulatedUpstream();
}, 900_000);

afterAll(async () => {
  await sim?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('Should ship every runtime file beside its compiled module, and no test, fixture or bench', () => {
    const files = new Set(packed.files);
    const modules = packed.files.filter((f) => /^dist\/.+\.js$/.test(f));
    // dist/ itself is left out: the repository root beside index.ts holds configuration, not runtime files.
    for (const folder of new Set(modules.map((f) => dirname(f)).filter((f) => f !== 'dist'))) {
      const source = join(ROOT, folder.slice('dist/'.length));
      for (const entry of readdirSync(source, { withFileTypes: true })) {
        const { name } = entry;
        if (!entry.isFile() || /\.(ts|md)$/.test(name) || name.includes('.test.') || name.startsWith('.')) continue;
        expect(files, `${folder}/${name}`).toContain(`${folder}/${name}`);
      }
    }
    // Files a module loads by a literal relative URL (new URL('./x', import.meta.url)) are in the package.
    for (const module of modules) {
      const code = readFileSync(join(ROOT, module), 'utf8');
      for (const [, rel] of code.matchAll(/new URL\('(\.{1,2}\/[^']+)', import\.meta\.url\)/g)) {
        const target = new URL(rel!, pathToFileURL(join('/', module))).pathname.slice(1);
        expect(files, `${module} loads ${rel}`).toContain(target);
      }
    }
    expect(
      packed.files.filter((f) =>
        /\.test\.|^(test|bench|examples|scripts)\/|(bert|wordpiece|tiny-decoder)\.js$/.test(f),
      ),
    ).toEqual([]);
  });

  it(
    'Should pass publint (exports, types, files)',
    async () => {
      const { stdout } = await exec(join(ROOT, 'node_modules/.bin/publint'), ['--strict'], {
        cwd: ROOT,
        env: cleanEnv(),
      });
      expect(stdout).toMatch(/All good/);
    },
    SLOW,
  );

  it(
    'Should import every entry point from plain Node ESM',
    async () => {
      const script = `
      const entries = ['prefsel', 'prefsel/middleware', 'prefsel/scorers', 'prefsel/server'];
      for (const e of entries) console.log(e, Object.keys(await import(e)).length);
      const { createSelector } = await import('prefsel');
      const { createOnnxScorer } = await import('prefsel/scorers');
      const { loadConfig } = await import('prefsel/server');
      console.log(typeof createSelector, typeof createOnnxScorer, typeof loadConfig);`;
      const out = await node(['--input-type=module', '-e', script]);
      expect(out).toMatch(/^prefsel [1-9]\d*$/m);
      expect(out).toMatch(/^prefsel\/server [1-9]\d*$/m);
      expect(out).toMatch(/^function function function$/m);
    },
    SLOW,
  );

  it(
    'Should type-check against its declarations under NodeNext with skipLibCheck: false',
    async () => {
      writeFileSync(
        join(app, 'consumer.ts'),
        `import { createFunctionScorer, createSelector, type Selection } from 'prefsel';
import { createOpenAICompatibleGenerator, preferenceSelection, parsePreference } from 'prefsel/middleware';
import { createOnnxScorer, ensureReferenceModel, type OnnxScorer } from 'prefsel/scorers';
import { compose, createApp, loadConfig } from 'prefsel/server';
const scorer = createFunctionScorer({ attributes: ['a', 'b'], score: ({ response }) => ({ a: response.length, b: 1 }) });
const selector = createSelector({ generator: createOpenAICompatibleGenerator({ baseUrl: 'http://127.0.0.1:1/v1' }), scorer });
export const handler = preferenceSelection({ selector });
export const pick = (s: Selection): string | undefined => s.chosen.message?.content ?? undefined;
export const load = async (): Promise<OnnxScorer> => createOnnxScorer({ modelDir: await ensureReferenceModel() });
export const parts = [parsePreference, compose, createApp, loadConfig] as const;
`,
      );
      const tsconfig = {
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      };
      writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
      const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
      await expect(node([tsc, '-p', 'tsconfig.json'])).resolves.toBe('');
    },
    SLOW,
  );

  it(
    'Should run the README examples against the installed package, one selection through the ONNX reference scorer',
    async () => {
      for (const example of ['custom-scorer.ts', 'hono-middleware.ts']) {
        const code = readFileSync(join(ROOT, 'examples', example), 'utf8')
          .replaceAll(`'../index.js'`, `'prefsel'`)
          .replaceAll(`'../scorers/index.js'`, `'prefsel/scorers'`);
        writeFileSync(join(app, example), code);
      }
      const custom = await node(['--import', TSX, 'custom-scorer.ts'], { UPSTREAM_URL: sim.url });
      expect(custom).toMatch(/^Chosen: \S+/m);
      const hono = await node(['--import', TSX, 'hono-middleware.ts'], { UPSTREAM_URL: sim.url });
      expect(hono).toMatch(/^Status: 200$/m);
      expect(hono).toMatch(/^Strategy: rps · candidates: 5$/m);
    },
    SLOW,
  );

  it(
    'Should serve from node_modules/.bin/prefsel and stop on SIGTERM',
    async () => {
      const port = await freePort();
      const started = await startUntil(join(app, 'node_modules/.bin/prefsel'), ['serve', '--port', String(port)], {
        cwd: app,
        env: cleanEnv(),
        ready: /prefsel is ready/,
        timeoutMs: 180_000,
      });
      try {
        const origin = `http://127.0.0.1:${port}`;
        const page = await fetch(`${origin}/`);
        expect(page.status).toBe(200);
        const res = await fetch(`${origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-preference': 'angle=20' },
          body: JSON.stringify({
            model: 'prefsel-sim',
            messages: [{ role: 'user', content: 'How do I boil an egg?' }],
          }),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-selection-strategy')).toBe('rps');
      } finally {
        expect(await stopWith(started, 'SIGTERM', 60_000)).toBe(0);
      }
      expect(await portInUse(port)).toBe(false);
    },
    SLOW,
  );

  it(
    'Should say the session worker is missing, not blame the graph, when an install lost it',
    async () => {
      const worker = join(app, 'node_modules/prefsel/dist/scorers/onnx/session-worker.mjs');
      renameSync(worker, `${worker}.away`);
      try {
        const script = `
        import { createOnnxScorer, ensureReferenceModel } from 'prefsel/scorers';
        const modelDir = await ensureReferenceModel();
        try { await createOnnxScorer({ modelDir, device: 'cpu', logger: { info() {}, warn() {} } }); }
        catch (err) { console.log(err.name + ': ' + err.message); }`;
        const out = await node(['--input-type=module', '-e', script]);
        expect(out).toMatch(/^SessionWorkerMissingError: The ONNX session worker \S+session-worker\.mjs is missing/m);
        expect(out).not.toMatch(/graph/);
      } finally {
        renameSync(`${worker}.away`, worker);
      }
    },
    SLOW,
  );
});
