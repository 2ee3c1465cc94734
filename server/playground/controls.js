// The request form's preference and selection controls: the angle dial, per-attribute weight sliders, strategy, k
// and radius, plus start-up loading of the server's attributes, defaults and models.
import { svgEl } from './plot.js';

const $ = (id) => document.getElementById(id);
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(2) : '–');

/** What the controls know about the server; `anglePair` is what `{ angle_deg }` means (x, y of the dial). */
export const controls = {
  attributes: ['helpfulness', 'verbosity'],
  anglePair: ['helpfulness', 'verbosity'],
  weights: {},
  /** The authors' grid of plane angles (the default neighbourhood), from the server; null until known. */
  grid: null,
  /** The engine's fast pruning settings (`PRUNE_FAST`), from the server; null until known (the box then sends `true`). */
  pruneFast: null,
};

export const radioValue = (name) => document.querySelector(`input[name="${name}"]:checked`).value;

function angleWeights(deg) {
  const r = (deg * Math.PI) / 180;
  return { [controls.anglePair[0]]: Math.cos(r), [controls.anglePair[1]]: Math.sin(r) };
}

/**
 * The dial: x = first angle attribute, y = second; the hand is θ and the wedge is ±radius (RPS only). The band on
 * the rim is the authors' grid: inside it (within θmax) the neighbourhood is grid points; outside, the cap completes k.
 * Purely visual (aria-hidden): the range input beside it is the accessible control.
 */
function renderDial(svg, { angleDeg, radiusDeg, showWedge }) {
  svg.replaceChildren();
  const R = 46;
  const pt = (deg, r = R) => [r * Math.cos((deg * Math.PI) / 180), -r * Math.sin((deg * Math.PI) / 180)];
  svgEl('circle', { class: 'dial-face', r: R }, svg);
  if (showWedge && controls.grid) {
    const { fromDeg, toDeg } = controls.grid;
    const [ax, ay] = pt(fromDeg, R - 2);
    const [bx, by] = pt(toDeg, R - 2);
    const large = toDeg - fromDeg > 180 ? 1 : 0;
    svgEl('path', { class: 'dial-grid', d: `M${ax},${ay} A${R - 2},${R - 2} 0 ${large} 0 ${bx},${by}` }, svg);
  }
  svgEl('line', { class: 'dial-axis', x1: -R, x2: R, y1: 0, y2: 0 }, svg);
  svgEl('line', { class: 'dial-axis', x1: 0, x2: 0, y1: -R, y2: R }, svg);
  if (showWedge && radiusDeg > 0) {
    const [ax, ay] = pt(angleDeg - radiusDeg);
    const [bx, by] = pt(angleDeg + radiusDeg);
    svgEl(
      'path',
      { class: 'dial-wedge', d: `M0,0 L${ax},${ay} A${R},${R} 0 ${radiusDeg > 90 ? 1 : 0} 0 ${bx},${by} z` },
      svg,
    );
  }
  const [tx, ty] = pt(angleDeg, R - 5);
  svgEl('line', { class: 'dial-hand', x1: 0, y1: 0, x2: tx, y2: ty }, svg);
  svgEl('circle', { class: 'dial-knob', cx: tx, cy: ty, r: 5 }, svg);
  svgEl('circle', { class: 'dial-hub', r: 2.5 }, svg);
}

/** Re-renders the outputs, hint and dial from the inputs, and disables what the strategy ignores. */
export function refreshPreference() {
  const deg = Number($('angle').value);
  const strategy = radioValue('strategy');
  $('angle-out').textContent = `${deg}°`;
  $('k-out').textContent = $('k').value;
  $('radius-out').textContent = `${$('radius').value}°`;
  const w = angleWeights(deg);
  $('angle-hint').textContent = controls.anglePair.map((a) => `${a}\u00a0${fmt(w[a])}`).join(' · ');
  renderDial($('dial'), { angleDeg: deg, radiusDeg: Number($('radius').value), showWedge: strategy === 'rps' });
  // Disabled rather than hidden, so the layout does not jump when the strategy changes.
  $('k').disabled = strategy === 'none';
  $('radius').disabled = strategy !== 'rps';
}

function buildWeightSliders() {
  const box = $('pref-weights');
  box.replaceChildren();
  for (const a of controls.attributes) {
    const id = `w-${a.replace(/[^a-z0-9_-]/gi, '_')}`;
    const row = Object.assign(document.createElement('div'), { className: 'range-row' });
    const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: `${a} ` });
    const out = document.createElement('output');
    out.htmlFor = id;
    const input = Object.assign(document.createElement('input'), {
      type: 'range',
      id,
      min: '-1',
      max: '1',
      step: '0.05',
    });
    input.value = String(controls.weights[a] ?? 0);
    out.textContent = Number(input.value).toFixed(2);
    input.addEventListener('input', () => {
      controls.weights[a] = Number(input.value);
      out.textContent = Number(input.value).toFixed(2);
    });
    label.append(out);
    row.append(label, input);
    box.append(row);
  }
}

function switchMode() {
  const weights = radioValue('mode') === 'weights';
  if (weights) {
    // Start the sliders where the dial points, so switching shows the same preference in the other form.
    const w = angleWeights(Number($('angle').value));
    for (const a of controls.attributes) controls.weights[a] = Math.round((w[a] ?? 0) * 20) / 20;
    buildWeightSliders();
  } else {
    const [x, y] = controls.anglePair.map((a) => controls.weights[a] ?? 0);
    if (x || y) $('angle').value = String(Math.round((Math.atan2(y, x) * 180) / Math.PI));
    refreshPreference();
  }
  $('pref-weights').hidden = !weights;
  $('pref-angle').hidden = weights;
}

/** The request's `preference` field, or null when every weight is zero. */
export function preferenceBody() {
  if (radioValue('mode') === 'angle') return { angle_deg: Number($('angle').value) };
  const entries = Object.entries(controls.weights).filter(([, v]) => v !== 0);
  return entries.length ? Object.fromEntries(entries) : null;
}

/**
 * Sets a range input's ends from one of the engine's bounds (`{ min, max, minExclusive }`), so the slider can only
 * produce values the server accepts: an excluded minimum starts the slider one step above it.
 */
function applyBound(input, bound) {
  if (!bound || !Number.isFinite(bound.min) || !Number.isFinite(bound.max)) return;
  const step = Number(input.step) || 1;
  input.min = String(bound.minExclusive ? bound.min + step : bound.min);
  input.max = String(bound.max);
}

/** Applies `/playground/info.json` (attributes, angle pair, defaults); the page's own defaults stand without it. */
export async function loadInfo() {
  try {
    const res = await fetch('/playground/info.json');
    if (!res.ok) return;
    const info = await res.json();
    if (Array.isArray(info.attributes) && info.attributes.length) controls.attributes = [...info.attributes];
    if (Array.isArray(info.angleAttributes) && info.angleAttributes.length === 2)
      controls.anglePair = [...info.angleAttributes];
    applyBound($('k'), info.limits?.k);
    applyBound($('radius'), info.limits?.radius_deg);
    if (Number.isFinite(info.grid?.fromDeg) && Number.isFinite(info.grid?.toDeg)) controls.grid = info.grid;
    const d = info.defaults ?? {};
    if (d.k) $('k').value = String(d.k);
    if (Number.isFinite(d.radius_deg)) $('radius').value = String(d.radius_deg);
    if (typeof d.prune === 'boolean') $('prune').checked = d.prune;
    if (info.pruneFast && typeof info.pruneFast === 'object') controls.pruneFast = info.pruneFast;
    const radio = document.querySelector(`input[name="strategy"][value="${d.strategy}"]`);
    if (radio) radio.checked = true;
  } catch {
    /* the page's defaults stand */
  }
}

/** Suggests models from `GET /v1/models` and starts with the first; the field stays free text either way. */
export async function loadModels(headers) {
  try {
    const res = await fetch('/v1/models', { headers });
    if (!res.ok) return;
    const ids = ((await res.json()).data ?? []).map((m) => m.id).filter(Boolean);
    $('model-list').replaceChildren(...ids.map((id) => new Option(id, id)));
    if (!$('model').value && ids[0]) $('model').value = ids[0];
  } catch {
    /* free text only */
  }
}

/** Wires the preference and selection inputs; call once, then `loadInfo()` and `finishControls()`. */
export function wireControls() {
  for (const id of ['angle', 'k', 'radius']) $(id).addEventListener('input', refreshPreference);
  for (const r of document.querySelectorAll('input[name="strategy"]')) r.addEventListener('change', refreshPreference);
  for (const r of document.querySelectorAll('input[name="mode"]')) r.addEventListener('change', switchMode);
  // Dragging on the dial moves the range input, which stays the single source of truth.
  const dial = $('dial');
  const drag = (e) => {
    if (e.type !== 'pointerdown' && !(e.buttons & 1)) return;
    const box = dial.getBoundingClientRect();
    const deg =
      (Math.atan2(box.top + box.height / 2 - e.clientY, e.clientX - (box.left + box.width / 2)) * 180) / Math.PI;
    $('angle').value = String(Math.round(Math.max(-90, Math.min(90, deg))));
    refreshPreference();
  };
  dial.addEventListener('pointerdown', (e) => {
    dial.setPointerCapture(e.pointerId);
    drag(e);
  });
  dial.addEventListener('pointermove', drag);
}

/** Builds what depends on the server's attributes (after `loadInfo()`). */
export function finishControls() {
  $('dial-x').textContent = controls.anglePair[0];
  $('dial-y').textContent = controls.anglePair[1];
  if (controls.grid) {
    const { fromDeg, toDeg, stepDeg } = controls.grid;
    $('grid-note').textContent =
      `Rim band: the authors' grid (${fromDeg}°…${toDeg}°, ${stepDeg}° steps). ` +
      'Short of k points within θmax, the cap completes k.';
    $('grid-note').hidden = false;
  }
  buildWeightSliders();
  refreshPreference();
}
