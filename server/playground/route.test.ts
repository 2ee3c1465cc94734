import { Hono } from 'hono';
import type { SelectorDefaults } from '../../core/selector.js';
import { playgroundRoutes } from './route.js';

const defaults = { strategy: 'rps', k: 5, radius_deg: 30, prune: false } as SelectorDefaults;
const selector = {
  attributes: ['helpfulness', 'verbosity', 'coherence'],
  angleAttributes: ['coherence', 'helpfulness'] as const,
  defaults,
  limits: { maxK: 12 },
};

describe('playgroundRoutes', () => {
  it('Should serve the page at / with a strict content security policy', async () => {
    const res = await playgroundRoutes().request('http://localhost/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/playground/app.js">');
    expect(html).toContain('href="/playground/style.css"');
  });

  it('Should serve every module the page imports, with a JavaScript content type', async () => {
    const routes = playgroundRoutes();
    const pending = ['/playground/app.js'];
    const seen = new Set<string>();
    // Follow the import graph so a new module that the route does not serve fails here, not in a browser.
    while (pending.length) {
      const path = pending.pop()!;
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await routes.request(`http://localhost${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const text = await res.text();
      for (const m of text.matchAll(/from '\.\/([\w-]+\.js)'/g)) pending.push(`/playground/${m[1]}`);
    }
    expect([...seen].sort()).toEqual([
      '/playground/app.js',
      '/playground/controls.js',
      '/playground/plot.js',
      '/playground/profile.js',
      '/playground/report.js',
      '/playground/timeline.js',
    ]);
  });

  it('Should serve the stylesheet as CSS', async () => {
    const res = await playgroundRoutes().request('http://localhost/playground/style.css');
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await res.text()).toContain('[hidden]');
  });

  it("Should report the selector's attributes, defaults and the engine's bounds as info.json", async () => {
    const res = await playgroundRoutes({ selector }).request('http://localhost/playground/info.json');
    expect(await res.json()).toEqual({
      attributes: ['helpfulness', 'verbosity', 'coherence'],
      angleAttributes: ['coherence', 'helpfulness'],
      defaults: { strategy: 'rps', k: 5, radius_deg: 30, prune: false },
      // The selector's maxK caps k; radius is the engine's (0, 90], so no control can offer a refused 0.
      limits: { k: { min: 1, max: 12, integer: true }, radius_deg: { min: 0, max: 90, minExclusive: true } },
      grid: { fromDeg: -40, toDeg: 40, stepDeg: 5 },
      // The "fast" box sends the engine's own fast settings.
      pruneFast: { schedule: [64, 128, 256], keep_fraction: 0.5, commit_at_last: true, forecast: true },
    });
  });

  it('Should answer info.json with an OpenAI-shaped 404 when no selector was given', async () => {
    const res = await playgroundRoutes().request('http://localhost/playground/info.json');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('Should mount under an app without shadowing its other routes', async () => {
    const app = new Hono();
    app.get('/healthz', (c) => c.json({ status: 'ok' }));
    app.route('/', playgroundRoutes({ selector }));
    expect((await app.request('http://localhost/healthz')).status).toBe(200);
    expect((await app.request('http://localhost/')).status).toBe(200);
    expect((await app.request('http://localhost/playground/missing.js')).status).toBe(404);
  });
});
