/**
 * @module svg
 * Hand-rolled, dependency-free SVG charts for the benchmark results: a line chart (numeric x, optional log scale,
 * error bars or bands, reference lines) and a grouped bar chart with error bars. Output is plain SVG 1.1 text that
 * GitHub renders inline; sizes and fonts are fixed so plots from different runs compare by eye.
 */

/** One point; `lo`/`hi` draw an error bar. */
export interface Point {
  x: number;
  y: number;
  lo?: number;
  hi?: number;
}

/** A named series. */
export interface Series {
  name: string;
  points: Point[];
  /** Dashed stroke (for a baseline series). */
  dashed?: boolean;
  /** Stroke/fill colour; default from the palette by position. */
  colour?: string;
  /** Point marker; default circle. Squares set apart a variant of a series (same colour, other configuration). */
  marker?: 'circle' | 'square';
}

/** A horizontal reference line (a target, or 50% for a win rate). */
export interface RefLine {
  y: number;
  label: string;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  refLines?: RefLine[];
  logX?: boolean;
  /** Force the y range (otherwise derived from data, bars and reference lines, padded 5%). */
  yMin?: number;
  yMax?: number;
  /** Shaded x range with a caption (e.g. the simulator's covered range). */
  band?: { from: number; to: number; label: string };
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  title: string;
  yLabel: string;
  categories: string[];
  /** One value per category per series; `lo`/`hi` draw an error bar. */
  series: Array<{ name: string; values: Array<{ y: number; lo?: number; hi?: number }> }>;
  refLines?: RefLine[];
}

const W = 680;
const H = 400;
const M = { top: 40, right: 175, bottom: 50, left: 64 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(v: number): string {
  return Number.isFinite(v) ? (Math.round(v * 100) / 100).toString() : '0';
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 10000) return `${Math.round(v / 1000)}k`;
  return Number(v.toPrecision(4)).toString();
}

function frame(title: string, yLabel: string, xLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function yRange(values: number[], opts: { yMin?: number; yMax?: number }): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = opts.yMin ?? (finite.length ? Math.min(...finite) : 0);
  let hi = opts.yMax ?? (finite.length ? Math.max(...finite) : 1);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [opts.yMin ?? lo - pad, opts.yMax ?? hi + pad];
}

function yAxis(lo: number, hi: number, sy: (v: number) => number, refLines: RefLine[] = []): string[] {
  const out: string[] = [];
  for (const t of niceTicks(lo, hi)) {
    const y = num(sy(t));
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  for (const r of refLines) {
    const y = num(sy(r.y));
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="6 3"/>`);
    out.push(`<text x="${W - M.right - 4}" y="${Number(y) - 4}" text-anchor="end" fill="#555">${esc(r.label)}</text>`);
  }
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  return out;
}

interface LegendEntry {
  name: string;
  colour: string;
  dashed?: boolean | undefined;
  marker?: 'circle' | 'square' | undefined;
}

function legend(entries: LegendEntry[]): string[] {
  return entries.flatMap((e, i) => {
    const y = M.top + 10 + i * 18;
    const x = W - M.right + 12;
    const dash = e.dashed ? ' stroke-dasharray="5 3"' : '';
    const key =
      e.marker === 'square'
        ? `<rect x="${x + 5}" y="${y - 4}" width="8" height="8" fill="${e.colour}"/>`
        : `<line x1="${x}" x2="${x + 18}" y1="${y}" y2="${y}" stroke="${e.colour}" stroke-width="2.5"${dash}/>`;
    return [key, `<text x="${x + 24}" y="${y}" dominant-baseline="middle">${esc(e.name)}</text>`];
  });
}

function marker(kind: Series['marker'], x: number, y: number, colour: string): string {
  return kind === 'square'
    ? `<rect x="${num(x - 4)}" y="${num(y - 4)}" width="8" height="8" fill="${colour}"/>`
    : `<circle cx="${num(x)}" cy="${num(y)}" r="3" fill="${colour}"/>`;
}

/** Palette colour by index, for callers that pair series by colour. */
export function paletteColour(i: number): string {
  return COLOURS[i % COLOURS.length]!;
}

/** Renders a line chart; error bars where points carry `lo`/`hi`. */
export function lineChart(opts: LineChartOptions): string {
  const pts = opts.series.flatMap((s) => s.points);
  const tx = (x: number): number => (opts.logX ? Math.log10(Math.max(x, 1e-12)) : x);
  const xs = pts.map((p) => tx(p.x)).filter(Number.isFinite);
  if (opts.band) xs.push(tx(opts.band.from), tx(opts.band.to));
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  const ys = pts.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]).concat((opts.refLines ?? []).map((r) => r.y));
  const [y0, y1] = yRange(ys, opts);
  const sx = (x: number): number => M.left + ((tx(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const sy = (y: number): number => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const body: string[] = [];
  if (opts.band) {
    const a = Math.max(M.left, sx(opts.band.from));
    const b = Math.min(W - M.right, sx(opts.band.to));
    if (b > a) {
      body.push(
        `<rect x="${num(a)}" y="${M.top}" width="${num(b - a)}" height="${H - M.top - M.bottom}" fill="#f3f7ec"/>`,
      );
      body.push(
        `<text x="${num((a + b) / 2)}" y="${M.top + 14}" text-anchor="middle" fill="#6a8a3a">${esc(opts.band.label)}</text>`,
      );
    }
  }
  body.push(...yAxis(y0, y1, sy, opts.refLines));
  const xTicks = opts.logX ? [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b) : niceTicks(x0, x1);
  for (const t of xTicks) {
    body.push(`<text x="${num(sx(t))}" y="${H - M.bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  const colourOf = (s: Series, i: number): string => s.colour ?? COLOURS[i % COLOURS.length]!;
  opts.series.forEach((s, i) => {
    const colour = colourOf(s, i);
    const ok = s.points.filter((p) => Number.isFinite(p.y) && Number.isFinite(tx(p.x))).sort((a, b) => a.x - b.x);
    const d = ok.map((p, j) => `${j ? 'L' : 'M'}${num(sx(p.x))} ${num(sy(p.y))}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (d) body.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    for (const p of ok) {
      if (p.lo !== undefined && p.hi !== undefined && Number.isFinite(p.lo) && Number.isFinite(p.hi)) {
        const x = num(sx(p.x));
        body.push(
          `<line x1="${x}" x2="${x}" y1="${num(sy(p.lo))}" y2="${num(sy(p.hi))}" stroke="${colour}" stroke-width="1.2"/>`,
        );
      }
      body.push(marker(s.marker, sx(p.x), sy(p.y), colour));
    }
  });
  body.push(
    ...legend(
      opts.series.map((s, i) => ({ name: s.name, colour: colourOf(s, i), dashed: s.dashed, marker: s.marker })),
    ),
  );
  return frame(opts.title, opts.yLabel, opts.xLabel, body);
}

/** Renders a grouped bar chart with optional error bars. */
export function barChart(opts: BarChartOptions): string {
  const ys = opts.series.flatMap((s) => s.values.flatMap((v) => [v.y, v.lo ?? v.y, v.hi ?? v.y]));
  const [y0, y1] = yRange([0, ...ys, ...(opts.refLines ?? []).map((r) => r.y)], { yMin: 0 });
  const sy = (y: number): number => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const groupW = (W - M.left - M.right) / Math.max(1, opts.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, opts.series.length);
  const body = yAxis(y0, y1, sy, opts.refLines);
  opts.categories.forEach((cat, c) => {
    const gx = M.left + c * groupW + groupW * 0.1;
    body.push(`<text x="${num(gx + groupW * 0.4)}" y="${H - M.bottom + 16}" text-anchor="middle">${esc(cat)}</text>`);
    opts.series.forEach((s, i) => {
      const v = s.values[c];
      if (!v || !Number.isFinite(v.y)) return;
      const x = gx + i * barW;
      const top = sy(Math.max(0, v.y));
      body.push(
        `<rect x="${num(x)}" y="${num(top)}" width="${num(barW - 2)}" height="${num(sy(0) - top)}" fill="${COLOURS[i % COLOURS.length]}"/>`,
      );
      if (v.lo !== undefined && v.hi !== undefined && Number.isFinite(v.lo) && Number.isFinite(v.hi)) {
        const cx = num(x + barW / 2 - 1);
        body.push(
          `<line x1="${cx}" x2="${cx}" y1="${num(sy(v.lo))}" y2="${num(sy(v.hi))}" stroke="#222" stroke-width="1.2"/>`,
        );
      }
    });
  });
  body.push(...legend(opts.series.map((s, i) => ({ name: s.name, colour: COLOURS[i % COLOURS.length]! }))));
  return frame(opts.title, opts.yLabel, '', body);
}
