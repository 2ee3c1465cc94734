// The playground's controller: sends one chat request with `return_candidates: true` and renders the answer,
// timings, plot, candidate list and details. Model text is only ever set as textContent, never as HTML.
import {
  controls,
  finishControls,
  loadInfo,
  loadModels,
  preferenceBody,
  radioValue,
  wireControls,
} from './controls.js';
import { prefersZoom, renderPlot } from './plot.js';
import { wireProfile } from './profile.js';
import { describeDirection, describeSource, fmtMs, normalizeSelection, pickAxes } from './report.js';
import { renderTimeline } from './timeline.js';

const $ = (id) => document.getElementById(id);
const STRATEGY_NAMES = { rps: 'RPS', best_of_n: 'Best-of-N', none: 'None' };
const state = { report: null, axes: null, selected: null, controller: null };
const fmt = (v, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const setStatus = (text) => {
  $('status').textContent = text;
};
const node = (tag, props) => Object.assign(document.createElement(tag), props);

function authHeaders() {
  const key = $('api-key').value.trim();
  return key ? { authorization: `Bearer ${key}` } : {};
}

// ---- request ---------------------------------------------------------------------------------------------------

function showError(title, detail) {
  $('error').replaceChildren(
    node('strong', { textContent: title }),
    ...(detail ? [node('p', { textContent: detail })] : []),
  );
  $('error').hidden = false;
  $('error').scrollIntoView({ block: 'nearest' });
}

function setBusy(busy) {
  $('send').disabled = busy;
  $('send').textContent = busy ? 'Sending…' : 'Send';
  $('cancel').hidden = !busy;
  $('ask').setAttribute('aria-busy', String(busy));
}

function requestBody(prompt, preference) {
  const body = {
    model: $('model').value.trim(),
    messages: [{ role: 'user', content: prompt }],
    preference,
    selection: {
      strategy: radioValue('strategy'),
      k: Number($('k').value),
      radius_deg: Number($('radius').value),
      return_candidates: true,
    },
  };
  if (body.selection.strategy !== 'none') {
    // "Fast" sends the engine's own fast settings; the plain box, the server's default settings.
    const fast = $('prune-fast').checked;
    body.selection.prune = fast ? (controls.pruneFast ?? true) : $('prune').checked;
  }
  const maxTokens = Number($('max-tokens').value);
  if (maxTokens > 0) body.max_tokens = maxTokens;
  return body;
}

async function send() {
  if (state.controller) return;
  const prompt = $('prompt').value.trim();
  const preference = preferenceBody();
  $('error').hidden = true;
  if (!prompt) return void (showError('Write a prompt first.'), $('prompt').focus());
  if (!preference) return void showError('Give at least one attribute a non-zero weight.');
  if (!$('model').value.trim()) return void (showError('Choose or type a model.'), $('model').focus());
  const body = requestBody(prompt, preference);
  // Stale results next to a new request would mislead; they go until the new answer arrives.
  state.report = null;
  for (const id of ['answer', 'plot-card', 'timeline-card', 'list-card', 'details']) $(id).hidden = true;
  state.controller = new AbortController();
  setBusy(true);
  const { strategy, k } = body.selection;
  setStatus(
    strategy === 'none'
      ? 'Generating one answer…'
      : `Generating and scoring ${k} candidates (${STRATEGY_NAMES[strategy]})…`,
  );
  $('status').scrollIntoView({ block: 'nearest' });
  const started = performance.now();
  try {
    const res = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
      signal: state.controller.signal,
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* shown raw below */
    }
    if (!res.ok || !json || json.error) {
      // The OpenAI error shape: { error: { message, type, param, code } }; anything else is shown raw.
      const e = json?.error ?? {};
      const facts = [e.type, e.code, e.param ? `param: ${e.param}` : null].filter(Boolean).join(' · ');
      showError(
        `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${facts ? ` — ${facts}` : ''}`,
        e.message ?? (text.slice(0, 500) || 'The server sent no body.'),
      );
      return void setStatus(`Request failed with HTTP ${res.status}.`);
    }
    render(json, performance.now() - started, k);
  } catch (err) {
    if (err.name === 'AbortError') return void setStatus('Cancelled.');
    showError('Could not reach the server.', String(err.message ?? err));
    setStatus('Request failed: network error.');
  } finally {
    setBusy(false);
    state.controller = null;
  }
}

// ---- results ---------------------------------------------------------------------------------------------------

/** Fills a <dl>; with `grouped`, each pair sits in a <div> (valid in a dl) so a grid can lay pairs out as tiles. */
function fillFacts(dl, facts, grouped = false) {
  dl.replaceChildren();
  for (const [k, v] of facts) {
    if (v === undefined || v === null || v === '') continue;
    // A value may be [main, sub]: the sub line (a breakdown) is set smaller under the main figure.
    const [main, sub] = Array.isArray(v) ? v : [v];
    const dd = node('dd', { textContent: main });
    if (sub) dd.append(node('small', { textContent: sub }));
    const pair = [node('dt', { textContent: k }), dd];
    if (!grouped) {
      dl.append(...pair);
      continue;
    }
    const tile = node('div', { className: 'metric' });
    tile.append(...pair);
    dl.append(tile);
  }
}

function render(json, roundTripMs, requestedK) {
  const report = json.selection ? normalizeSelection(json.selection) : null;
  state.report = report;
  state.selected = null;
  const chosen = report?.candidates.find((c) => c.chosen);
  $('answer-text').textContent = json.choices?.[0]?.message?.content ?? chosen?.text ?? '';
  const scored = Number.isFinite(chosen?.projection);
  $('answer-meta').textContent = [
    chosen ? `Candidate #${chosen.index + 1} of ${report.candidates.length}` : 'No selection report',
    chosen && !scored ? 'passed through unscored' : null,
    scored ? `projection ${fmt(chosen.projection, 3)}` : null,
    chosen?.direction ? describeDirection(chosen.direction, { short: true }) : null,
    json.model,
  ]
    .filter(Boolean)
    .join(' · ');
  const u = json.usage ?? report?.usage;
  const byStatus = {};
  for (const c of report?.candidates ?? []) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
  fillFacts(
    $('metrics'),
    [
      ['Generation', fmtMs(report?.timings.generationMs)],
      ['Scoring', fmtMs(report?.timings.scoringMs)],
      ['Total (server)', fmtMs(report?.timings.totalMs)],
      ['Round trip', fmtMs(roundTripMs)],
      ['Tokens', u ? [String(u.total_tokens), `${u.prompt_tokens} in + ${u.completion_tokens} out`] : '–'],
      [
        'Candidates',
        report
          ? Object.entries(byStatus)
              .map(([st, n]) => `${n} ${st}`)
              .join(' · ')
          : '–',
      ],
      [
        'Pruning',
        report?.pruning
          ? [
              `≈${report.pruning.tokens.savedEstimate} tokens saved`,
              report.pruning.committed
                ? `streamed from ${report.pruning.committed.tokens} tokens (${fmtMs(report.pruning.committed.atMs)})`
                : 'no early commit',
            ]
          : undefined,
      ],
    ],
    true,
  );
  $('answer').hidden = false;
  if (report) {
    controls.attributes = report.attributes;
    state.axes = pickAxes(report, state.axes, controls.anglePair);
    $('zoom').checked = prefersZoom(report, state.axes);
    fillAxisSelects();
    // Nothing to plot without scores (strategy none passes the upstream's answer through unscored).
    if (report.candidates.some((c) => c.scores)) drawPlot();
    drawTimeline();
    drawList();
  }
  // Every selecting strategy makes k candidates; say so should a report ever hold fewer.
  const asked =
    requestedK > 0 && report && report.strategy !== 'none' && report.candidates.length < requestedK
      ? ` (${requestedK} requested)`
      : '';
  const count = report
    ? `${report.candidates.length} candidate${report.candidates.length === 1 ? '' : 's'}${asked}, `
    : '';
  setStatus(`Done in ${fmtMs(roundTripMs)}: ${count}chosen answer shown.`);
  $('answer').scrollIntoView({ block: 'nearest' });
}

function fillAxisSelects() {
  for (const [i, id] of [
    [0, 'axis-x'],
    [1, 'axis-y'],
  ]) {
    $(id).replaceChildren(...state.report.attributes.map((a) => new Option(a, a, false, a === state.axes[i])));
  }
  $('col-x').textContent = state.axes[0];
  $('col-y').textContent = state.axes[1];
}

function drawPlot() {
  if (!state.report?.candidates.some((c) => c.scores)) return;
  $('plot-card').hidden = false;
  const opts = { axes: state.axes, zoom: $('zoom').checked, selected: state.selected, onPoint };
  $('plot-caption').textContent = renderPlot($('plot'), state.report, opts).caption;
}

function drawTimeline() {
  const caption = renderTimeline($('timeline'), state.report);
  $('timeline-card').hidden = caption === null;
  if (caption !== null) $('timeline-caption').textContent = caption;
}

function drawList() {
  const rows = [...state.report.candidates].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.index - b.index);
  const tbody = $('cands').tBodies[0];
  tbody.replaceChildren();
  for (const c of rows) {
    const tr = tbody.insertRow();
    tr.className = `${c.chosen ? 'chosen' : ''}${state.selected === c.index ? ' selected' : ''}`;
    const btn = node('button', { type: 'button', className: 'link', textContent: `#${c.index + 1}` });
    btn.setAttribute('aria-label', `Show candidate ${c.index + 1}${c.chosen ? ' (chosen)' : ''}`);
    btn.addEventListener('click', () => select(c, true));
    tr.insertCell().append(btn);
    tr.insertCell().textContent = describeDirection(c.direction, { short: true });
    tr.insertCell().textContent = describeSource(c.direction);
    tr.insertCell().textContent = fmt(c.scores?.[state.axes[0]]);
    tr.insertCell().textContent = fmt(c.scores?.[state.axes[1]]);
    tr.insertCell().textContent = fmt(c.projection, 3);
    const status = tr.insertCell();
    status.textContent = c.chosen ? 'chosen' : c.status;
    status.className = `st st-${c.chosen ? 'chosen' : c.status}`;
  }
  $('list-card').hidden = false;
}

function onPoint(c, el, how) {
  const tip = $('tip');
  if (how === 'leave') return void (tip.hidden = true);
  if (how === 'select') return select(c, false);
  const snippet = c.text.length > 220 ? `${c.text.slice(0, 220)}…` : c.text;
  tip.replaceChildren(
    node('strong', {
      textContent: `#${c.index + 1}${c.chosen ? ' · chosen' : ''} · projection ${fmt(c.projection, 3)}`,
    }),
    node('span', { textContent: snippet || '(no text)' }),
  );
  tip.hidden = false;
  const wrap = tip.parentElement.getBoundingClientRect();
  const box = el.getBoundingClientRect();
  const x = box.left + box.width / 2 - wrap.left;
  const y = box.top - wrap.top;
  // Keep the tip inside the plot: left of the point in the right half, below it in the top third.
  const left = x > wrap.width / 2 ? x - tip.offsetWidth - 14 : x + 14;
  tip.style.left = `${Math.max(4, Math.min(left, wrap.width - tip.offsetWidth - 4))}px`;
  tip.style.top = `${y < wrap.height / 3 ? y + box.height + 6 : Math.max(4, y - tip.offsetHeight - 6)}px`;
}

function select(c, fromList) {
  state.selected = c.index;
  $('details-title').textContent = `Candidate #${c.index + 1}${c.chosen ? ' (chosen)' : ''}`;
  fillFacts($('details-facts'), [
    ['Status', c.status + (c.error ? `: ${c.error.message}${c.error.status ? ` (HTTP ${c.error.status})` : ''}` : '')],
    ['Direction', describeDirection(c.direction)],
    [
      'Scores',
      c.scores
        ? Object.entries(c.scores)
            .map(([a, v]) => `${a} ${fmt(v, 3)}`)
            .join(' · ')
        : null,
    ],
    ['Projection', fmt(c.projection, 3)],
    ['Rank', Number.isFinite(c.rank) ? String(c.rank + 1) : null],
    ['Latency', fmtMs(c.latencyMs)],
    ['Tokens', c.usage ? `${c.usage.prompt_tokens} in · ${c.usage.completion_tokens} out` : null],
    ['Finish', c.finishReason],
    [
      'Cut',
      c.pruned
        ? `at ${c.pruned.tokens} tokens (${fmtMs(c.pruned.atMs)}), partial score ${fmt(c.pruned.projection, 3)}`
        : null,
    ],
  ]);
  $('details-text').textContent = c.text || '(no text)';
  $('details').hidden = false;
  drawList();
  for (const g of $('plot').querySelectorAll('.pt'))
    g.classList.toggle('selected', g.dataset.index === String(c.index));
  $('details').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  // From the list, focus follows to the panel; from the plot it stays on the point so arrowing through continues.
  if (fromList) $('details').focus({ preventScroll: true });
}

// ---- start-up --------------------------------------------------------------------------------------------------

$('ask').addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
$('cancel').addEventListener('click', () => state.controller?.abort());
$('prompt').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    send();
  }
});
$('api-key').addEventListener('change', () => loadModels(authHeaders()));
for (const [i, id] of [
  [0, 'axis-x'],
  [1, 'axis-y'],
]) {
  $(id).addEventListener('change', () => {
    state.axes[i] = $(id).value;
    fillAxisSelects();
    // Nothing to plot without scores (strategy none passes the upstream's answer through unscored).
    if (state.report.candidates.some((c) => c.scores)) drawPlot();
    drawList();
  });
}
$('zoom').addEventListener('change', drawPlot);
// The plot is drawn at its pixel width (legible text on phones), so redraw when that width changes.
let lastWidth = 0;
new ResizeObserver(([entry]) => {
  const width = Math.round(entry.contentRect.width);
  if (width !== lastWidth && state.report) drawPlot();
  lastWidth = width;
}).observe($('plot-card'));
wireControls();
await Promise.all([loadInfo(), loadModels(authHeaders())]);
finishControls();
wireProfile();
// Lets tests (and scripts) know the controls reflect the server's attributes and defaults.
document.body.dataset.ready = 'true';
