// SVG drawing for the playground: the attribute-plane plot and the preference dial. Plain ES module, no build step.
// Geometry convention: x grows right, y grows up (SVG y is flipped in one place, the frame's y()).

const NS = 'http://www.w3.org/2000/svg';
let M = { l: 56, r: 18, t: 18, b: 48 };
// Drawn at the element's own pixel size (not a scaled viewBox) so text stays legible on a phone; set per render.
let W = 560;
let H = 420;

/** Creates an SVG element with attributes (and optional text), appended to `parent` when given. */
export function svgEl(name, attrs = {}, parent = null, text = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** About `count` round tick values covering [min, max]. */
function niceTicks(min, max, count = 5) {
  const span = max - min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  // 1-2-5 steps only: a 2.5 step would need one more decimal than its neighbours to print exactly.
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return { ticks, digits: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

/**
 * One scale for both axes, so angles on screen are the true angles between directions. With `zoom` off the origin
 * is in view and rays start there (projection is measured from it). With `zoom` on, the view fits the candidates and
 * the rays start behind their centre along the target: differences in projection (what the ranking uses) are
 * unchanged by where the rays start, and the candidates stop being a dot when they sit far from the origin.
 */
function makeFrame(points, target, zoom) {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const centre = points.length
    ? { x: xs.reduce((a, b) => a + b, 0) / xs.length, y: ys.reduce((a, b) => a + b, 0) / ys.length }
    : { x: 0, y: 0 };
  const spread = points.length ? Math.max(...points.map((p) => Math.hypot(p.x - centre.x, p.y - centre.y)), 1e-6) : 1;
  const tn = Math.hypot(target.x, target.y) || 1;
  const anchor = zoom
    ? { x: centre.x - (target.x / tn) * spread * 1.6, y: centre.y - (target.y / tn) * spread * 1.6 }
    : { x: 0, y: 0 };
  const rayLength = zoom
    ? spread * 3
    : points.length
      ? Math.max(...points.map((p) => Math.hypot(p.x, p.y)), 1e-6) * 1.1
      : 1;
  // The frame holds the points, the anchor and a ray's reach along the target.
  const allX = [...xs, anchor.x, anchor.x + (target.x / tn) * rayLength];
  const allY = [...ys, anchor.y, anchor.y + (target.y / tn) * rayLength];
  let [x0, x1, y0, y1] = [Math.min(...allX), Math.max(...allX), Math.min(...allY), Math.max(...allY)];
  const pad = Math.max(x1 - x0, y1 - y0) * 0.1 || 0.5;
  [x0, x1, y0, y1] = [x0 - pad, x1 + pad, y0 - pad, y1 + pad];
  const s = Math.max((x1 - x0) / pw, (y1 - y0) / ph);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  x0 = cx - (s * pw) / 2;
  x1 = cx + (s * pw) / 2;
  y0 = cy - (s * ph) / 2;
  y1 = cy + (s * ph) / 2;
  return { x: (v) => M.l + (v - x0) / s, y: (v) => M.t + ph - (v - y0) / s, x0, x1, y0, y1, anchor, rayLength };
}

/** True when the candidates would shrink to a dot with the origin in view. */
export function prefersZoom(report, axes) {
  const pts = report.candidates.filter((c) => c.scores).map((c) => [c.scores[axes[0]] ?? 0, c.scores[axes[1]] ?? 0]);
  if (pts.length < 2) return false;
  const cx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const cy = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  const spread = Math.max(...pts.map((p) => Math.hypot(p[0] - cx, p[1] - cy)));
  return spread < Math.hypot(cx, cy) * 0.35;
}

/**
 * Greedy label placement: each label takes the first of eight spots around its point that overlaps no placed
 * label or point, so close candidates stay readable without a layout library.
 */
function placeLabels(items) {
  const boxes = items.map((it) => ({ x0: it.px - 7, x1: it.px + 7, y0: it.py - 7, y1: it.py + 7 }));
  const outside = (b) => b.x0 < 2 || b.x1 > W - 2 || b.y0 < 2 || b.y1 > H - 2;
  const hits = (b) => outside(b) || boxes.some((o) => b.x0 < o.x1 && b.x1 > o.x0 && b.y0 < o.y1 && b.y1 > o.y0);
  const spots = [
    [10, -8],
    [10, 16],
    [-10, -8],
    [-10, 16],
    [0, -14],
    [0, 24],
    [16, 4],
    [-16, 4],
  ];
  for (const it of items) {
    const w = it.text.length * 6.6;
    let chosen = null;
    for (const [dx, dy] of spots) {
      const anchorX = dx > 0 ? 'start' : dx < 0 ? 'end' : 'middle';
      const x0 = anchorX === 'start' ? it.px + dx : anchorX === 'end' ? it.px + dx - w : it.px - w / 2;
      const b = { x0, x1: x0 + w, y0: it.py + dy - 11, y1: it.py + dy + 2 };
      if (!hits(b) || chosen === null) chosen = { dx, dy, anchorX, b };
      if (!hits(b)) break;
    }
    boxes.push(chosen.b);
    it.place(chosen);
  }
}

function drawAxes(svg, f, axes) {
  const g = svgEl('g', { class: 'axes-g' }, svg);
  const xt = niceTicks(f.x0, f.x1, 6);
  const yt = niceTicks(f.y0, f.y1, 5);
  for (const t of xt.ticks) {
    svgEl('line', { class: 'grid', x1: f.x(t), x2: f.x(t), y1: M.t, y2: H - M.b }, g);
    svgEl('text', { class: 'tick', x: f.x(t), y: H - M.b + 16, 'text-anchor': 'middle' }, g, t.toFixed(xt.digits));
  }
  for (const t of yt.ticks) {
    svgEl('line', { class: 'grid', x1: M.l, x2: W - M.r, y1: f.y(t), y2: f.y(t) }, g);
    svgEl('text', { class: 'tick', x: M.l - 6, y: f.y(t) + 4, 'text-anchor': 'end' }, g, t.toFixed(yt.digits));
  }
  if (f.x0 <= 0 && f.x1 >= 0) svgEl('line', { class: 'zero', x1: f.x(0), x2: f.x(0), y1: M.t, y2: H - M.b }, g);
  if (f.y0 <= 0 && f.y1 >= 0) svgEl('line', { class: 'zero', x1: M.l, x2: W - M.r, y1: f.y(0), y2: f.y(0) }, g);
  svgEl('rect', { class: 'frame', x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }, g);
  svgEl(
    'text',
    { class: 'axis-label', x: M.l + (W - M.l - M.r) / 2, y: H - 10, 'text-anchor': 'middle' },
    g,
    `${axes[0]} score →`,
  );
  const yl = svgEl('text', { class: 'axis-label', 'text-anchor': 'middle' }, g, `${axes[1]} score →`);
  yl.setAttribute('transform', `translate(16 ${M.t + (H - M.t - M.b) / 2}) rotate(-90)`);
}

/** In-plane components of a direction; its length is < 1 when it also weighs attributes off this plane. */
function inPlane(weights, axes) {
  return { x: weights?.[axes[0]] ?? 0, y: weights?.[axes[1]] ?? 0 };
}

function ray(g, f, dir, cls, withHead) {
  const end = { x: f.anchor.x + dir.x * f.rayLength, y: f.anchor.y + dir.y * f.rayLength };
  const attrs = { class: cls, x1: f.x(f.anchor.x), y1: f.y(f.anchor.y), x2: f.x(end.x), y2: f.y(end.y) };
  if (withHead) attrs['marker-end'] = 'url(#head)';
  return { line: svgEl('line', attrs, g), end };
}

/** Wires a point's pointer, focus and keyboard events to `onPoint(c, el, 'enter' | 'leave' | 'select')`. */
function bindPoint(g, c, ownRay, onPoint) {
  // Hovering or focusing a point also lights up the direction it was generated under.
  const enter = () => {
    ownRay?.classList.add('lit');
    onPoint(c, g, 'enter');
  };
  const leave = () => {
    ownRay?.classList.remove('lit');
    onPoint(c, g, 'leave');
  };
  g.addEventListener('pointerenter', enter);
  g.addEventListener('pointerleave', leave);
  g.addEventListener('focus', enter);
  g.addEventListener('blur', leave);
  g.addEventListener('click', () => onPoint(c, g, 'select'));
  g.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    onPoint(c, g, 'select');
  });
}

/**
 * Draws the plot into `svg` (cleared first) at the element's current width.
 * @param {SVGSVGElement} svg
 * @param {object} report normalized selection (report.js `normalizeSelection`)
 * @param {{ axes: [string, string], zoom: boolean, selected: number | null, onPoint(c, el, how): void }} opts
 * @returns {{ caption: string }}
 */
export function renderPlot(svg, report, { axes, zoom, selected, onPoint }) {
  W = Math.max(280, Math.round(svg.clientWidth || svg.parentElement?.clientWidth || 560));
  H = Math.round(W < 520 ? W : Math.min(W * 0.68, 480));
  M = W < 520 ? { l: 46, r: 10, t: 12, b: 42 } : { l: 56, r: 18, t: 18, b: 48 };
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('height', String(H));
  svg.replaceChildren();
  const defs = svgEl('defs', {}, svg);
  const head = svgEl(
    'marker',
    {
      id: 'head',
      viewBox: '0 0 10 10',
      refX: 8,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    },
    defs,
  );
  svgEl('path', { d: 'M0,0 L10,5 L0,10 z', class: 'head' }, head);
  svgEl('clipPath', { id: 'clip' }, defs).appendChild(
    svgEl('rect', { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b }),
  );

  const points = report.candidates
    .filter((c) => c.scores && Number.isFinite(c.scores[axes[0]]) && Number.isFinite(c.scores[axes[1]]))
    .map((c) => ({ c, x: c.scores[axes[0]], y: c.scores[axes[1]] }));
  const target = inPlane(report.target?.weights, axes);
  const f = makeFrame(points, target, zoom);
  drawAxes(svg, f, axes);
  const body = svgEl('g', { 'clip-path': 'url(#clip)' }, svg);

  const chosen = points.find((p) => p.c.chosen);
  const tn = Math.hypot(target.x, target.y);
  // The chosen point's equal-projection line: every score on it projects exactly as high onto the target.
  if (chosen && tn > 1e-9) {
    const along = { x: -target.y / tn, y: target.x / tn };
    const L = (f.x1 - f.x0) * 2;
    svgEl(
      'line',
      {
        class: 'iso',
        x1: f.x(chosen.x - along.x * L),
        y1: f.y(chosen.y - along.y * L),
        x2: f.x(chosen.x + along.x * L),
        y2: f.y(chosen.y + along.y * L),
      },
      body,
    );
  }
  const rays = new Map();
  for (const c of report.candidates) {
    if (c.direction)
      rays.set(
        c.index,
        ray(
          body,
          f,
          inPlane(c.direction.weights, axes),
          `ray${c.status === 'ok' ? '' : ' ray-failed'}${c.direction.source === 'cap' ? ' ray-cap' : ''}`,
          false,
        ).line,
      );
  }
  const labels = [];
  if (report.target && tn > 1e-9) {
    const r = ray(body, f, { x: target.x / tn, y: target.y / tn }, 'target', true);
    const angle = report.target.angleDeg;
    const text = `target${Number.isFinite(angle) ? ` ${Math.round(angle)}°` : ''}`;
    const node = svgEl('text', { class: 'target-label' }, svg, text);
    labels.push({
      px: f.x(r.end.x),
      py: f.y(r.end.y),
      text,
      place: (p) => placeText(node, f.x(r.end.x), f.y(r.end.y), p),
    });
  }

  const pts = svgEl('g', { class: 'points' }, svg);
  // Generation order, so Tab walks #1, #2, … as labelled; the chosen ring is drawn on top of every point.
  for (const p of points) {
    const { c } = p;
    const [px, py] = [f.x(p.x), f.y(p.y)];
    const g = svgEl(
      'g',
      {
        class: `pt${c.chosen ? ' chosen' : ''}${selected === c.index ? ' selected' : ''}`,
        tabindex: 0,
        role: 'button',
        'data-index': c.index,
        transform: `translate(${px} ${py})`,
        'aria-label': `Candidate ${c.index + 1}${c.chosen ? ', chosen' : ''}: ${axes[0]} ${fmt(p.x)}, ${axes[1]} ${fmt(p.y)}, projection ${fmt(c.projection, 3)}`,
      },
      pts,
    );
    svgEl('circle', { class: 'hit', r: 14 }, g);
    svgEl('circle', { class: 'dot', r: c.chosen ? 7 : 6 }, g);
    bindPoint(g, c, rays.get(c.index), onPoint);
    const text = c.chosen ? `#${c.index + 1} chosen` : `#${c.index + 1}`;
    const node = svgEl('text', { class: c.chosen ? 'chosen-label' : 'pt-label', 'aria-hidden': 'true' }, svg, text);
    labels.push({ px, py, text, place: (pl) => placeText(node, px, py, pl) });
  }
  if (chosen) {
    const ring = svgEl(
      'g',
      { class: 'chosen-mark', transform: `translate(${f.x(chosen.x)} ${f.y(chosen.y)})`, 'aria-hidden': 'true' },
      svg,
    );
    svgEl('circle', { class: 'halo', r: 12 }, ring);
  }
  // Chosen and target labels first: they matter most, so they get the best spots.
  labels.sort(
    (a, b) =>
      Number(b.text.includes('chosen') || b.text.startsWith('target')) -
      Number(a.text.includes('chosen') || a.text.startsWith('target')),
  );
  placeLabels(labels);

  const unscored = report.candidates.length - points.length;
  const parts = [
    `${points.length} candidate${points.length === 1 ? '' : 's'} at their ${axes[0]} and ${axes[1]} scores; both axes share one scale, so angles are true.`,
  ];
  if (zoom)
    parts.push('Zoomed: rays start behind the candidates, not at the origin; projection differences are unchanged.');
  if (unscored) parts.push(`${unscored} without scores (failed, excluded or not scored) appear in the list only.`);
  if (report.attributes.length > 2) parts.push('Directions are projected onto this plane.');
  const bySource = (source) => report.candidates.filter((c) => c.direction?.source === source).length;
  if (bySource('grid') > 0 && bySource('cap') > 0) {
    parts.push(
      `${bySource('grid')} directions are points of the authors' grid (dashed) and ${bySource('cap')} complete k from the cap (dash-dot): the grid held fewer than k points within θmax.`,
    );
  }
  return { caption: parts.join(' ') };
}

function placeText(node, px, py, { dx, dy, anchorX }) {
  node.setAttribute('x', String(px + dx));
  node.setAttribute('y', String(py + dy));
  node.setAttribute('text-anchor', anchorX);
}
