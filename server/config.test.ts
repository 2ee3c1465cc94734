import { OPERATIONAL_DEFAULTS } from '../middleware/create-selector.js';
import { BASE_DEFAULTS } from '../middleware/selection-options.js';
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  configSchema,
  settingsTable,
  describeConfig,
  helpText,
  loadConfig,
  unknownVariables,
} from './config.js';

const load = (argv: string[], env: Record<string, string> = {}) => {
  const loaded = loadConfig(argv, env);
  if (loaded.help) throw new Error('unexpected help');
  return loaded.config;
};

describe('server config', () => {
  it('Should default to the offline demo on 127.0.0.1:8080', () => {
    const config = load([]);
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      strategy: 'rps',
      k: 5,
      radiusDeg: 30,
      device: 'auto',
    });
    expect(config.upstreamUrl).toBeUndefined();
    expect(config.rewardModel).toBeUndefined();
    expect(config.bodyLimit).toBe(4 * 1024 * 1024);
  });

  it('Should read PREFSEL_* variables and let flags win', () => {
    const config = load(['--k', '7', '--model-map', 'gpt-4o=llama', '--model-map', 'small=qwen'], {
      PREFSEL_K: '3',
      PREFSEL_PORT: '9000',
      PREFSEL_UPSTREAM_URL: 'http://localhost:8000/v1',
      PREFSEL_API_KEYS: 'a-key-1, a-key-2',
      PREFSEL_BODY_LIMIT: '512kb',
      PREFSEL_PREFERENCE: 'helpfulness=0.8,verbosity=0.6',
    });
    expect(config.k).toBe(7);
    expect(config.port).toBe(9000);
    expect(config.upstreamUrl).toBe('http://localhost:8000/v1');
    expect(config.modelMap).toEqual({ 'gpt-4o': 'llama', small: 'qwen' });
    expect(config.apiKeys).toEqual(['a-key-1', 'a-key-2']);
    expect(config.bodyLimit).toBe(512 * 1024);
    expect(config.preference).toEqual({ helpfulness: 0.8, verbosity: 0.6 });
  });

  it('Should read the extra forwarded fields as a list', () => {
    expect(load([]).forwardParams).toEqual([]);
    expect(load([], { PREFSEL_FORWARD_PARAMS: 'top_k, chat_template_kwargs' }).forwardParams).toEqual([
      'top_k',
      'chat_template_kwargs',
    ]);
  });

  it('Should read the default pruning as on, off or the engine settings object', () => {
    expect(load([]).prune).toBe(false);
    expect(load(['--prune', 'on']).prune).toBe(true);
    expect(load([], { PREFSEL_PRUNE: '{"schedule":[32,96],"keep_fraction":0.25}' }).prune).toEqual({
      schedule: [32, 96],
      keep_fraction: 0.25,
    });
    expect(load(['--upstream-continuous-usage', 'on']).upstreamContinuousUsage).toBe(true);
  });

  it('Should accept the angle form of the default preference', () => {
    expect(load(['--preference', 'angle=30']).preference).toEqual({ angle_deg: 30 });
  });

  const bad: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['a non-numeric port', ['--port', 'eighty'], {}, /--port.*"eighty"/],
    ['a port out of range', [], { PREFSEL_PORT: '70000' }, /PREFSEL_PORT.*"70000"/],
    ['an unknown strategy', ['--strategy', 'magic'], {}, /--strategy.*rps.*best_of_n.*none/s],
    ['k above max-k', ['--k', '20'], {}, /--k .*must be an integer in \[1, 16\]; got 20/],
    ['k above a raised max-k', ['--max-k', '32', '--k', '40'], {}, /--k .*must be an integer in \[1, 32\]; got 40/],
    ['max-k above the engine limit', ['--max-k', '100'], {}, /--max-k .*must be an integer in \[1, 64\]; got 100/],
    ['a radius of 0', ['--radius-deg', '0'], {}, /--radius-deg .*must be a number in \(0, 90\]; got 0/],
    ['an all-zero preference', ['--preference', 'helpfulness=0'], {}, /needs at least one non-zero weight/],
    ['a non-URL upstream', ['--upstream-url', 'localhost:8000'], {}, /--upstream-url.*http\(s\) URL/],
    ['a bad model map', ['--model-map', 'nonsense'], {}, /CLIENT_MODEL=UPSTREAM_MODEL/],
    ['a bad size', ['--body-limit', 'huge'], {}, /4mb/],
    ['a bad preference', ['--preference', 'helpfulness'], {}, /angle=30/],
    ['an unknown flag', ['--prot', '1'], {}, /Unknown option '--prot'/],
    ['an unknown device', [], { PREFSEL_DEVICE: 'tpu' }, /PREFSEL_DEVICE.*cuda/],
    ['a forwarded field hf reads', ['--forward-params', 'top_k,data'], {}, /--forward-params.*"data".*never/],
    ['a forwarded prefsel extension', [], { PREFSEL_FORWARD_PARAMS: 'selection' }, /FORWARD_PARAMS.*"selection"/],
    ['a forwarded camelCase name', ['--forward-params', 'accessToken'], {}, /--forward-params.*"accessToken"/],
    ['a pruning setting out of range', ['--prune', '{"keep_fraction":1.5}'], {}, /--prune.*keep_fraction.*\(0, 1\)/],
    ['a pruning schedule out of order', [], { PREFSEL_PRUNE: '{"schedule":[64,32]}' }, /PREFSEL_PRUNE.*schedule.1/],
    ['pruning that is not on, off or JSON', ['--prune', 'yes'], {}, /--prune.*on, off or a JSON object/],
  ];
  it.each(bad)('Should stop on %s with a message that says what to fix', (_name, argv, env, message) => {
    expect(() => loadConfig(argv, env)).toThrow(ConfigError);
    expect(() => loadConfig(argv, env)).toThrow(message);
  });

  it('Should hide secrets in errors and in the printed configuration', () => {
    expect(() => loadConfig(['--api-key', ''], { PREFSEL_UPSTREAM_API_KEY: 'sk-secret-value' })).not.toThrow(
      /sk-secret/,
    );
    const shown = JSON.stringify(
      describeConfig(load(['--api-key', 'client-secret'], { PREFSEL_UPSTREAM_API_KEY: 'sk-secret-value' })),
    );
    expect(shown).not.toContain('sk-secret-value');
    expect(shown).not.toContain('client-secret');
    expect(shown).toContain('"upstreamApiKey":"***"');
  });

  it('Should answer --help with every flag and its variable', () => {
    expect(loadConfig(['--help'], {})).toEqual({ help: true });
    const text = helpText();
    for (const name of ['--upstream-url', 'PREFSEL_UPSTREAM_URL', '--model-map', '--reward-model', '--keep-alive-ms']) {
      expect(text).toContain(name);
    }
  });

  it('Should take every engine default from the engine and say it in --help', () => {
    const config = load([]);
    expect(config).toMatchObject({
      k: BASE_DEFAULTS.k,
      radiusDeg: BASE_DEFAULTS.radius_deg,
      seed: BASE_DEFAULTS.seed,
      strategy: BASE_DEFAULTS.strategy,
      maxK: OPERATIONAL_DEFAULTS.maxK,
      deadlineMs: OPERATIONAL_DEFAULTS.deadlineMs,
      candidateTimeoutMs: OPERATIONAL_DEFAULTS.candidateTimeoutMs,
      maxConcurrency: OPERATIONAL_DEFAULTS.maxConcurrentUpstream,
      maxQueue: OPERATIONAL_DEFAULTS.maxQueuedUpstream,
    });
    const text = helpText();
    expect(text).toMatch(new RegExp(`--k N +PREFSEL_K\\n.*Default ${BASE_DEFAULTS.k}\\.`));
    expect(text).toMatch(new RegExp(`--deadline-ms MS .*\\n.*Default ${OPERATIONAL_DEFAULTS.deadlineMs}\\.`));
  });

  it('Should validate typed values (as a configuration file gives them) with the same schema', () => {
    const parsed = configSchema.safeParse({
      k: 3,
      modelMap: { a: 'b' },
      preference: { angle_deg: 10 },
      bodyLimit: 1024,
    });
    expect(parsed.success && parsed.data).toMatchObject({ k: 3, modelMap: { a: 'b' }, preference: { angle_deg: 10 } });
    expect(configSchema.safeParse({ radiusDeg: 0 }).success).toBe(false);
  });

  it('Should warn about an unknown PREFSEL_* variable, naming the closest setting', () => {
    expect(unknownVariables({ PREFSEL_PORTT: '9000', PREFSEL_API_KEY: 'x', PREFSEL_ZZZ: '1', HOME: '/' })).toEqual([
      'PREFSEL_API_KEY is ignored: no such setting. Did you mean PREFSEL_API_KEYS?',
      'PREFSEL_PORTT is ignored: no such setting. Did you mean PREFSEL_PORT?',
      'PREFSEL_ZZZ is ignored: no such setting. Run "prefsel serve --help" for every setting.',
    ]);
    expect(unknownVariables({ PREFSEL_PORT: '1', PREFSEL_K: '2' })).toEqual([]);
  });

  it('Should keep the settings table of server/README.md generated from the same declarations', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    const block = /<!-- settings:start[^>]*-->\n([\s\S]*?)\n<!-- settings:end -->/.exec(readme)?.[1];
    // On failure, paste the expected table between the markers.
    expect(block).toBe(settingsTable());
  });
});
