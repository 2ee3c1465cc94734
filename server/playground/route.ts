/**
 * @module playground
 * The playground page at `GET /`: a dependency-free HTML page, four small plain ES modules and one stylesheet that let a
 * person send a chat request with a preference and see the selection (target and sampled directions, every
 * candidate at its scores, the chosen one). The assets are static text read once when the routes are built, so the
 * proxy needs no build step at run time.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { Selector } from '../../core/selector.js';

/** What the page shows before the first request: the scorer's attributes and the selector's defaults. */
export interface PlaygroundInfo {
  /** Attribute names in scorer order. */
  attributes: readonly string[];
  /** The two attributes `{ angle_deg }` refers to (x, y of the dial). */
  angleAttributes?: readonly [string, string];
  /** Server-wide defaults the controls start from. */
  defaults?: { strategy?: string; k?: number; radius_deg?: number };
  /** The server's limits, so the controls cannot ask for what it would refuse. */
  limits?: { maxK?: number };
}

/** Options of {@link playgroundRoutes}. */
export interface PlaygroundOptions {
  /**
   * The engine, read for its attributes and defaults (served as `/playground/info.json`). Without it the page
   * falls back to helpfulness/verbosity and learns the real attributes from the first selection report.
   */
  readonly selector?: Pick<Selector, 'attributes' | 'defaults'>;
  /** The angle form's attributes; default the first two of `selector.attributes`. */
  readonly angleAttributes?: readonly [string, string];
  /** The server's largest `selection.k` (the k slider's maximum). */
  readonly maxK?: number;
}

/** Files served, by URL path; `/` is the page itself. */
const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/playground/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/playground/controls.js': { file: 'controls.js', type: 'text/javascript; charset=utf-8' },
  '/playground/plot.js': { file: 'plot.js', type: 'text/javascript; charset=utf-8' },
  '/playground/report.js': { file: 'report.js', type: 'text/javascript; charset=utf-8' },
  '/playground/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
} as const;

/**
 * Everything the page loads comes from this origin and nothing is inlined, so a strict policy costs nothing and
 * keeps a model's answer (rendered as text, never HTML) from ever running script.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Reads the assets beside this module; throws at start-up (not per request) when one is missing. */
function loadAssets(): Map<string, { body: string; type: string }> {
  const assets = new Map<string, { body: string; type: string }>();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    assets.set(path, { body: readFileSync(new URL(file, import.meta.url), 'utf8'), type });
  }
  return assets;
}

function infoFrom(options: PlaygroundOptions): PlaygroundInfo | null {
  const { selector } = options;
  if (!selector) return null;
  const [a, b] = selector.attributes;
  const angleAttributes =
    options.angleAttributes ?? (a !== undefined && b !== undefined ? ([a, b] as const) : undefined);
  return {
    attributes: selector.attributes,
    ...(angleAttributes ? { angleAttributes } : {}),
    defaults: {
      strategy: selector.defaults.strategy,
      k: selector.defaults.k,
      radius_deg: selector.defaults.radius_deg,
    },
    ...(options.maxK === undefined ? {} : { limits: { maxK: options.maxK } }),
  };
}

/**
 * Routes of the playground: `GET /` (the page), `GET /playground/{app,controls,plot,report}.js`, `GET /playground/style.css` and
 * `GET /playground/info.json` (attributes and defaults, 404 when no selector was given). Files are read once, here.
 *
 * @param {PlaygroundOptions} [options]
 * @param {Selector} [options.selector] the engine, for attributes and defaults
 * @param {number} [options.maxK] the server's largest k
 * @returns a Hono app to mount with `app.route('/', playgroundRoutes(...))`
 * @example
 * const app = new Hono();
 * app.route('/', playgroundRoutes({ selector, maxK: 16 }));
 */
export function playgroundRoutes(options: PlaygroundOptions = {}): Hono {
  const assets = loadAssets();
  const info = infoFrom(options);
  const routes = new Hono();
  for (const [path, asset] of assets) {
    routes.get(path, function playgroundAsset(c) {
      c.header('content-type', asset.type);
      // Small files served from memory: revalidate each load so a restarted server never shows a stale page.
      c.header('cache-control', 'no-cache');
      c.header('x-content-type-options', 'nosniff');
      if (path === '/') {
        c.header('content-security-policy', CONTENT_SECURITY_POLICY);
        c.header('referrer-policy', 'no-referrer');
      }
      return c.body(asset.body);
    });
  }
  routes.get('/playground/info.json', function playgroundInfo(c) {
    if (!info) {
      return c.json(
        {
          error: {
            message: 'No selector was given to the playground.',
            type: 'invalid_request_error',
            param: null,
            code: 'not_found',
          },
        },
        404,
      );
    }
    return c.json(info);
  });
  return routes;
}
