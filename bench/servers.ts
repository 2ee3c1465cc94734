/**
 * @module servers
 * Starts the three kinds of server the benchmarks load, each in its own process: the simulated OpenAI upstream,
 * prefsel's proxy and the Portkey gateway (from node_modules, forced onto 127.0.0.1). Also the request bodies and
 * headers that point a client at each of them.
 */
import { resolve } from 'node:path';
import { LOOPBACK_PRELOAD, ROOT, freePort, prefselCommand, startChild, tsxCommand, type ChildServer } from './procs.js';

/** Configuration of the simulated upstream child (passed as is to `startSimulatedUpstream`). */
export interface UpstreamConfig {
  ttftMs: number;
  /** 0 = instant. */
  tokensPerSecond: number;
  /** Directions (degrees) the simulated model was "trained" on; competence falls off outside. */
  coverage?: { fromDeg: number; toDeg: number };
  /** σ of the competence fall-off outside the coverage, degrees (simulator default 25). */
  falloffDeg?: number;
  /** Answer length, prefix informativeness and quality spread (see upstream-sim README). */
  lengthScale?: number;
  prefixInformativeness?: number;
  qualitySpread?: number;
}

/** Configuration of the prefsel child. */
export interface PrefselConfig {
  /** Base URL of the upstream, e.g. `http://127.0.0.1:1234/v1`. */
  upstreamBaseUrl: string;
  /** Default strategy of the server. */
  strategy: 'rps' | 'best_of_n' | 'none';
  k?: number;
  /** `reference` builds/loads the built-in reference reward model. */
  scorer: 'reference';
  /** Upstream calls in flight at once, across requests (the engine's `maxConcurrentUpstream`). */
  maxConcurrentUpstream?: number;
}

/**
 * Starts prefsel exactly as a user does (`server/cli.ts serve`, flags as documented in `serve --help`), for the
 * overhead bench: no benchmark instrumentation in the request path. NODE_ENV=production.
 */
export async function startPrefselCli(options: {
  upstreamBaseUrl: string;
  strategy: PrefselConfig['strategy'];
}): Promise<ChildServer> {
  const port = await freePort();
  return startChild({
    name: 'prefsel-cli',
    command: prefselCommand([
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--upstream-url',
      options.upstreamBaseUrl,
      '--strategy',
      options.strategy,
      '--device',
      'cpu',
    ]),
    env: { NODE_ENV: 'production' },
    port,
    timeoutMs: 180_000,
  });
}

/** Portkey gateway entry inside node_modules. */
export const PORTKEY_ENTRY = resolve(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');

/** Starts the simulated upstream in a child process. */
export async function startUpstream(config: UpstreamConfig): Promise<ChildServer> {
  return startChild({ name: 'upstream-sim', command: tsxCommand('bench/procs/upstream.ts', config) });
}

/** Starts prefsel's proxy in a child process; its READY line also reports the scorer's model shape. */
export async function startPrefsel(config: PrefselConfig): Promise<ChildServer> {
  // 180 s: the first start may build the reference ONNX model.
  return startChild({
    name: 'prefsel',
    command: tsxCommand('bench/procs/prefsel.ts', config),
    env: { NODE_ENV: 'production' },
    timeoutMs: 180_000,
  });
}

/**
 * Starts the Portkey gateway (`build/start-server.js --port=N --headless`) with the loopback preload, because it
 * has no host option and would otherwise listen on every interface. NODE_ENV=production, as a deployment runs it.
 */
export async function startPortkey(): Promise<ChildServer> {
  const port = await freePort();
  return startChild({
    name: 'portkey',
    command: [process.execPath, '--import', LOOPBACK_PRELOAD, PORTKEY_ENTRY, `--port=${port}`, '--headless'],
    env: { NODE_ENV: 'production' },
    port,
  });
}

/**
 * Headers that make Portkey forward to an OpenAI-compatible host, as its source reads them (`x-portkey-provider`,
 * `x-portkey-custom-host`; localhost and 127.0.0.1 are trusted custom hosts by default).
 */
export function portkeyHeaders(upstreamBaseUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': upstreamBaseUrl };
}

/** A small chat request; the same body goes to every target so only the path differs. */
export function chatBody(options: { content: string; maxTokens: number; extra?: Record<string, unknown> }): unknown {
  return {
    model: 'simulated',
    messages: [{ role: 'user', content: options.content }],
    max_tokens: options.maxTokens,
    ...options.extra,
  };
}
