/**
 * A new project that depends on prefsel's packed tarball, installed the way a user installs it but without network:
 * `npm ci --offline` from npm's cache. The cache holds every dependency after the repository's own `npm ci`; what
 * `--offline` cannot do is resolve version ranges (that needs the registry's metadata), so the project gets a
 * lockfile pinning the tarball and exactly the production packages of the repository's lockfile.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** The repository root. */
export const ROOT = new URL('..', import.meta.url).pathname;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The environment without what an enclosing `npm test` exports (`npm_config_*`, `npm_package_*`: they describe the
 * repository, not the project a command runs in) and without a CUDA install choice inherited from the caller.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'ONNXRUNTIME_NODE_INSTALL'),
  );
  return { ...env, ...extra };
}

/** Runs npm in `cwd`; rejects with npm's output when it fails. */
export async function runNpm(args: readonly string[], cwd: string, env = cleanEnv()): Promise<string> {
  try {
    const { stdout } = await exec(npm, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, { cause: err });
  }
}

/** What `npm pack --json` reports about the tarball. */
export interface Packed {
  readonly tarball: string;
  /** Paths inside the package (`dist/index.js`, `package.json`…). */
  readonly files: readonly string[];
}

/** Packs the repository (already built) into `dest`. */
export async function pack(dest: string): Promise<Packed> {
  // --ignore-scripts: the caller built already, and prepack's build output would interleave with the JSON.
  const [report] = JSON.parse(await runNpm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest], ROOT));
  return { tarball: join(dest, report.filename), files: report.files.map((f: { path: string }) => f.path) };
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

/**
 * Writes a project in `dir` depending on `tarball` (copied in, as `file:`), with a lockfile made of the
 * repository's production entries, then installs it with `npm ci --offline`. `env` reaches onnxruntime-node's
 * install script.
 */
export async function installPacked(dir: string, tarball: string, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const name = basename(tarball);
  copyFileSync(tarball, join(dir, name));
  const repoPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const pkg = { name: 'prefsel-consumer', version: '1.0.0', private: true, type: 'module', dependencies: {} };
  pkg.dependencies = { prefsel: `file:${name}` };
  const packages: Record<string, unknown> = {
    '': { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies },
    'node_modules/prefsel': {
      version: repoPkg.version,
      resolved: `file:${name}`,
      integrity,
      license: repoPkg.license,
      dependencies: repoPkg.dependencies,
      bin: repoPkg.bin,
      engines: repoPkg.engines,
    },
  };
  // prefsel sits at node_modules/prefsel and its dependencies where they sit in the repository: the same tree.
  for (const [path, entry] of Object.entries(repoLock.packages)) {
    if (path.startsWith('node_modules/') && !entry.dev && !entry.devOptional) packages[path] = entry;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const lock = { name: pkg.name, version: pkg.version, lockfileVersion: 3, requires: true, packages };
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await runNpm(['ci', '--offline', '--no-audit', '--no-fund'], dir, env);
}
