/**
 * `--config FILE`: settings by flag name through the same rules as the flags (flags and variables win), `${NAME}`
 * from the environment, and the `scorers:` / `models:` sections. The repository's annotated example must load.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, describeConfig, loadConfig, type ServerConfig } from './config.js';

const dir = mkdtempSync(join(tmpdir(), 'prefsel-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string) => {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
};
const load = (argv: string[], env: NodeJS.ProcessEnv = {}): ServerConfig => {
  const loaded = loadConfig(argv, env);
  if (loaded.help) throw new Error('help');
  return loaded.config;
};

describe('configuration file', () => {
  it('reads settings by flag name, typed, and lets variables and flags override them', () => {
    const path = file('k: 3\nmax-k: 8\nmodel-map: { gpt: llama }\napi-key: [a, b]\nbody-limit: 1mb\n');
    const config = load(['--config', path]);
    expect(config).toMatchObject({
      k: 3,
      maxK: 8,
      modelMap: { gpt: 'llama' },
      apiKeys: ['a', 'b'],
      bodyLimit: 1024 ** 2,
    });
    expect(load(['--config', path, '--k', '4'], { PREFSEL_K: '5' }).k).toBe(4);
    expect(load([], { PREFSEL_CONFIG: path, PREFSEL_K: '5' }).k).toBe(5);
  });

  it('checks file values by the flags’ rules and says where the value came from', () => {
    const path = file('k: 30\n');
    expect(() => load(['--config', path])).toThrow(ConfigError);
    expect(() => load(['--config', path])).toThrow(`${path}: k = "30": must be an integer in [1, 16]; got 30`);
    expect(() => load(['--config', file('strategy: best\n')])).toThrow(
      /strategy = "best": must be one of rps, best_of_n, none/,
    );
  });

  it('replaces ${NAME} from the environment and refuses an unset one', () => {
    const path = file('upstream-url: ${UP}\nupstream-api-key: "${KEY}"\n');
    const config = load(['--config', path], { UP: 'http://h:1/v1', KEY: 'sk-x' });
    expect(config.upstreamUrl).toBe('http://h:1/v1');
    expect(describeConfig(config).upstreamApiKey).toBe('***');
    expect(() => load(['--config', path], { UP: 'http://h:1/v1' })).toThrow(
      /upstream-api-key: \$\{KEY\} names an environment variable that is not set/,
    );
  });

  it('names unknown keys, bad YAML, missing files and bad sections', () => {
    expect(() => load(['--config', file('maxk: 3\n')])).toThrow(/unknown key "maxk". Did you mean "max-k"\?/);
    expect(() => load(['--config', file('k: [\n')])).toThrow(/not valid YAML/);
    expect(() => load(['--config', join(dir, 'nope.yaml')])).toThrow(/cannot read the file \(ENOENT\)/);
    expect(() =>
      load(['--config', file('scorers:\n  s: { type: kserve, endpoints: [http://a:1], model: m }\n')]),
    ).toThrow(/scorers.s.model-dir/);
    expect(() =>
      load(['--config', file('scorers:\n  s: { type: vllm, endpoints: [http://a:1], model: m }\n')]),
    ).toThrow(/needs model-dir .* or labels/);
    expect(() => load(['--config', file('models:\n  - { id: m, upstream-url: ftp://x }\n')])).toThrow(
      /models.0.upstream-url/,
    );
  });

  it('loads the annotated example in the repository', () => {
    const example = resolve(fileURLToPath(import.meta.url), '../../prefsel.example.yaml');
    const config = load(['--config', example], {
      REDIS_URL: 'redis://127.0.0.1:6379',
      PREFSEL_CLIENT_KEY_TEAM_A: 'ka',
      PREFSEL_CLIENT_KEY_TEAM_B: 'kb',
      SCORER_TOKEN: 't',
    });
    expect(Object.keys(config.scorers)).toEqual(['reference', 'armorm', 'skywork', 'deberta']);
    expect(config.models.map((m) => m.id)).toEqual(['llama-3.1-8b', 'qwen3-8b']);
    expect(config).toMatchObject({ k: 5, keyRequests: 100, userTokens: 40000, redisFailure: 'open' });
    const shown = describeConfig(config) as {
      scorers: Record<string, { headers?: Record<string, string> }>;
      apiKeys: string[];
      redisUrl: string;
    };
    expect(shown.scorers.armorm!.headers).toEqual({ authorization: '***' });
    expect(shown.apiKeys).toEqual(['***', '***']);
    expect(shown.redisUrl).toBe('***');
  });
});
