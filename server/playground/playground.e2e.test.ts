/**
 * End to end: the real proxy as `prefsel serve` composes it with the offline defaults (simulated upstream, built-in
 * reference reward model), listening on a free port, driven by Debian's Chromium through playwright-core. Screenshots
 * go to test-output/ (gitignored). Without /usr/bin/chromium the suite is skipped locally and fails in CI (CI=true),
 * where .ci/run installs it.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { pino } from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { compose, type Composed } from '../compose.js';
import { loadConfig } from '../config.js';
import { PRUNE_FAST } from '../../middleware/prune-options.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
const inCI = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);
const skip = !haveChromium && !inCI;
if (skip)
  console.warn(`playground e2e skipped: ${CHROMIUM} not found (apt-get install -y chromium); in CI it must run.`);

/** The wire report's fields this test reads (middleware/http/report.ts). */
interface WireSelection {
  chosen: number;
  candidates: Array<{ index: number; status: string; content: string | null; scores: Record<string, number> | null }>;
}

describe.skipIf(skip)('playground in Chromium against the offline server', () => {
  let composed: Composed;
  let server: ServerType;
  let context: BrowserContext;
  let page: Page;
  let origin: string;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing: .ci/run must install Debian's chromium.`);
    const loaded = loadConfig(['--port', '0'], {});
    if (loaded.help) throw new Error('unexpected --help');
    composed = await compose(loaded.config, { logger: pino({ level: 'silent' }) });
    server = await new Promise<ServerType>((ready) => {
      const s = serve({ fetch: composed.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
    });
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A fresh profile per run: no cache or storage carried over from another run.
    profile = mkdtempSync(join(tmpdir(), 'prefsel-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    mkdirSync(OUT, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await new Promise((done) => (server ? server.close(done) : done(undefined)));
    await composed?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('Should show k candidates, the chosen answer and the timings after a send', async () => {
    const k = 5;
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready="true"]');
    // Controls come from the server: the model list, the scorer's attributes, the defaults.
    expect(await page.inputValue('#model')).not.toBe('');
    expect(await page.getAttribute('#k', 'max')).toBe('16');
    // Every form control has an accessible name (a <label> or aria-label).
    const unlabelled = await page.$$eval('input, select, textarea', (els) =>
      els
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label'))
        .map((e) => e.id || e.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    await page.fill('#prompt', 'How do I keep a sourdough starter alive?');
    await page.fill('#angle', '35');
    await page.fill('#k', String(k));
    await page.fill('#radius', '30');
    expect(await page.textContent('#angle-out')).toBe('35°');

    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
    await page.click('#send');
    const response = await answered;
    expect(response.status()).toBe(200);
    const selection = ((await response.json()) as { selection: WireSelection }).selection;
    await page.waitForSelector('#answer:not([hidden])');
    await page.waitForSelector('#plot .pt');

    // Every candidate is a point at its scores; the offline upstream never fails, so that is k points.
    expect(selection.candidates).toHaveLength(k);
    expect(await page.locator('#plot .pt').count()).toBe(k);
    expect(await page.locator('#plot .pt.chosen').count()).toBe(1);
    expect(await page.locator('#plot line.ray').count()).toBe(k);
    expect(await page.locator('#plot line.target').count()).toBe(1);
    expect(await page.locator('#cands tbody tr').count()).toBe(k);
    const chosen = selection.candidates.find((c) => c.index === selection.chosen)!;
    expect((await page.textContent('#answer-text'))?.trim()).toBe(chosen.content?.trim());
    expect(await page.getAttribute('#plot .pt.chosen', 'data-index')).toBe(String(selection.chosen));
    const metrics = await page.textContent('#metrics');
    for (const label of ['Generation', 'Scoring', 'Total (server)', 'Tokens']) expect(metrics).toContain(label);
    expect(await page.textContent('#status')).toMatch(/^Done/);

    // Hover shows a candidate's text; keyboard focus + Enter opens its details.
    const other = selection.candidates.find((c) => c.index !== selection.chosen)!;
    const point = page.locator(`#plot .pt[data-index="${other.index}"]`);
    await point.hover();
    await page.waitForSelector('#tip:not([hidden])');
    expect(await page.textContent('#tip')).toContain(`#${other.index + 1}`);
    await point.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#details:not([hidden])');
    expect(await page.textContent('#details-title')).toBe(`Candidate #${other.index + 1}`);
    expect((await page.textContent('#details-text'))?.trim()).toBe(other.content?.trim());

    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(OUT, 'playground-desktop.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('Should fit a 375 px phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForFunction(() => document.querySelector('#plot')!.getBoundingClientRect().width < 360);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUT, 'playground-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('Should offer only values the server accepts and give k candidates beyond the grid, saying how each was made', async () => {
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready="true"]');
    // The slider ranges are the engine's bounds: radius (0, 90] starts one step above 0, k ends at max-k.
    expect(await page.getAttribute('#radius', 'min')).toBe('1');
    expect(await page.getAttribute('#radius', 'max')).toBe('90');
    expect(await page.getAttribute('#k', 'min')).toBe('1');
    await page.fill('#radius', '0');
    expect(await page.inputValue('#radius')).toBe('1');
    expect(await page.textContent('#grid-note')).toContain('-40°…40°');

    // 60° is beyond the authors' grid: it holds 3 points within 30°, the cap completes the 5.
    await page.fill('#prompt', 'How do I keep bread fresh?');
    await page.fill('#angle', '60');
    await page.fill('#k', '5');
    await page.fill('#radius', '30');
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
    await page.click('#send');
    expect((await answered).status()).toBe(200);
    await page.waitForSelector('#list-card:not([hidden])');
    expect(await page.textContent('#status')).not.toContain('requested');
    const madeBy = await page.$$eval('#cands tbody tr', (rows) =>
      rows.map((r) => (r as HTMLTableRowElement).cells[2]!.textContent).sort(),
    );
    expect(madeBy).toEqual(['cap', 'cap', 'grid', 'grid', 'grid']);
    expect(await page.locator('#plot line.ray-cap').count()).toBe(2);
    expect(await page.textContent('#plot-caption')).toContain('complete k from the cap');
    expect(pageErrors).toEqual([]);
  });

  it("Should show the server's error message and status plainly", async () => {
    // The slider cannot go past the server's max-k; force it, as a hand-written request could.
    await page.$eval('#k', (el) => {
      const input = el as HTMLInputElement;
      input.max = '999';
      input.value = '999';
    });
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
    await page.click('#send');
    expect((await answered).status()).toBe(400);
    await page.waitForSelector('#error:not([hidden])');
    const error = await page.textContent('#error');
    expect(error).toContain('HTTP 400');
    expect(error).toContain('selection.k');
    expect(await page.isHidden('#answer')).toBe(true);
    expect(await page.textContent('#status')).toContain('HTTP 400');
    await page.screenshot({ path: join(OUT, 'playground-error.png') });
  });

  it('Should show the pruning timeline: when each candidate was cut and at what partial score', async () => {
    // A server that prunes by default, early enough for the simulator's short answers (25–120 tokens).
    const loaded = loadConfig(['--port', '0', '--prune', '{"schedule":[8,16]}'], {});
    if (loaded.help) throw new Error('unexpected --help');
    const pruning = await compose(loaded.config, { logger: pino({ level: 'silent' }) });
    const local = await new Promise<ServerType>((ready) => {
      const s = serve({ fetch: pruning.app.fetch, port: 0, hostname: '127.0.0.1' }, () => ready(s));
    });
    try {
      await page.goto(`http://127.0.0.1:${(local.address() as AddressInfo).port}/`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.isChecked('#prune')).toBe(true);
      await page.fill('#prompt', 'How do I keep a sourdough starter alive?');
      await page.fill('#k', '6');
      const answered = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
      await page.click('#send');
      const selection = ((await (await answered).json()) as { selection: WireSelection & { pruning: unknown } })
        .selection;
      await page.waitForSelector('#timeline-card:not([hidden])');
      const cut = selection.candidates.filter((c) => c.status === 'pruned');
      expect(cut.length).toBeGreaterThan(0);
      expect(await page.locator('#timeline li').count()).toBe(selection.candidates.length);
      expect(await page.locator('#timeline li.tl-pruned').count()).toBe(cut.length);
      const story = await page.textContent('#timeline');
      expect(story).toMatch(/cut at the (8|16)-token decision \(\d+ tokens, [\d.]+ m?s\), partial score -?\d/);
      expect(await page.textContent('#timeline-caption')).toMatch(/^Decision points 8 tok: 6→3/);
      expect(await page.locator('#cands .st-pruned').count()).toBe(cut.length);
      await page.screenshot({ path: join(OUT, 'playground-pruning.png'), fullPage: true });

      // "Fast" sends the engine's own fast settings; the first such request teaches the forecast and cuts nothing.
      await page.check('#prune-fast');
      const fastRequest = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'));
      const fastAnswer = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'));
      await page.click('#send');
      expect((await fastRequest).postDataJSON().selection.prune).toEqual(PRUNE_FAST);
      expect((await fastAnswer).headers()['x-selection-forecast']).toBe('learning');
      await page.waitForFunction(() => document.querySelector('#timeline-caption')?.textContent?.includes('Learning'));
      expect(await page.textContent('#timeline-caption')).toMatch(
        /Learning run: nothing cut, so the forecast can learn/,
      );
      expect(await page.locator('#timeline li.tl-pruned').count()).toBe(0);
      expect(pageErrors).toEqual([]);
    } finally {
      await new Promise((done) => local.close(done));
      await pruning.close();
    }
  }, 120_000); // two selections and a server start on a shared 2-core machine
});
