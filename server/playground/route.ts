/**
 * @module playground
 * The playground page at `GET /`: a dependency-free HTML page, four small plain ES modules and one stylesheet that let a
 * person send a chat request with a preference and see the selection (target and sampled directions, every
 * candidate at its scores, the chosen one). The assets are static text read once when the routes are built, so the
 * proxy needs no build step at run time.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { Bound } from '../../core/bounds.js';
import type { Selector } from '../../core/selector.js';
import { RPS_GRID } from '../../middleware/neighbourhood.js';
import { PRUNE_FAST } from '../../middleware/prune-options.js';
import { SELECTION_BOUNDS } from '../../middleware/selection-options.js';

/** What the page shows before the first request: the scorer's attributes, the selector's defaults and its bounds. */
export interface PlaygroundInfo {
  /** Attribute names in scorer order. */
  attributes: readonly string[];
  /** The two attributes `{ angle_deg }` refers to (x, y of the dial). */
  angleAttributes: readonly [string, string];
  /** Server-wide defaults the controls start from. */
  /** `prune` is on when the server prunes by default (its settings object, or `true`). */
  defaults: { strategy: string; k: number; radius_deg: number; prune: boolean };
  /** The engine's own bounds, so a control can never offer a value the server refuses. */
  limits: { k: Bound; radius_deg: Bound };
  /** The authors' grid of plane angles (the default neighbourhood), drawn as a band on the dial. */
  grid: typeof RPS_GRID;
  /** The engine's fast pruning settings (`PRUNE_FAST`), sent as `selection.prune` when the page's "fast" box is on. */
  pruneFast: typeof PRUNE_FAST;
}

/** Options of {@link playgroundRoutes}. */
export interface PlaygroundOptions {
  /**
   * The engine, read for its attributes, defaults and limits (served as `/playground/info.json`). Without it the
   * page falls back to helpfulness/verbosity and learns the real attributes from the first selection report.
   */
  readonly selector?: Pick<Selector, 'attributes' | 'angleAttributes' | 'defaults' | 'limits'>;
}

/** Files served, by URL path; `/` is the page itself. */
const ASSETS = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/playground/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/playground/controls.js': { file: 'controls.js', type: 'text/javascript; charset=utf-8' },
  '/playground/plot.js': { file: 'plot.js', type: 'text/javascript; charset=utf-8' },
  '/playground/profile.js': { file: 'profile.js', type: 'text/javascript; charset=utf-8' },
  '/playground/report.js': { file: 'report.js', type: 'text/javascript; charset=utf-8' },
  '/playground/timeline.js': { file: 'timeline.js', type: 'text/javascript; charset=utf-8' },
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
  return {
    attributes: selector.attributes,
    angleAttributes: selector.angleAttributes,
    defaults: {
      strategy: selector.defaults.strategy,
      k: selector.defaults.k,
      radius_deg: selector.defaults.radius_deg,
      prune: selector.defaults.prune !== false,
    },
    limits: {
      k: { ...SELECTION_BOUNDS.k, max: selector.limits.maxK },
      radius_deg: SELECTION_BOUNDS.radius_deg,
    },
    grid: RPS_GRID,
    pruneFast: PRUNE_FAST,
  };
}

/**
 * Routes of the playground: `GET /` (the page), `GET /playground/{app,controls,plot,report,timeline}.js`, `GET /playground/style.css` and
 * `GET /playground/info.json` (attributes and defaults, 404 when no selector was given). Files are read once, here.
 *
 * @param {PlaygroundOptions} [options]
 * @param {Selector} [options.selector] the engine, for attributes, defaults and limits
 * @returns a Hono app to mount with `app.route('/', playgroundRoutes(...))`
 * @example
 * const app = new Hono();
 * app.route('/', playgroundRoutes({ selector }));
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
