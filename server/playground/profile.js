// The playground's profile panel: ask for two answers for a user (no preference, so the user's learned direction
// selects them), let a person pick the better one, send the pick as feedback, and draw the learned direction moving
// on the attribute plane (its history faded, its uncertainty as a wedge). Model text is only set as textContent.
import { controls } from './controls.js';
import { svgEl } from './plot.js';

const $ = (id) => document.getElementById(id);
const state = { pair: null, history: [], busy: false, loadedFor: null };
const R = 44;

function headers() {
  const key = $('api-key').value.trim();
  return { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
}
const user = () => $('profile-user').value.trim();
const path = () => `/v1/preferences/${encodeURIComponent(user())}`;
const say = (text) => {
  $('profile-status').textContent = text;
};

async function call(method, url, body) {
  const res = await fetch(url, { method, headers: headers(), ...(body ? { body: JSON.stringify(body) } : {}) });
  const json = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

function setBusy(busy) {
  state.busy = busy;
  for (const id of ['profile-compare', 'profile-forget', 'pick-a', 'pick-b']) $(id).disabled = busy;
}

/** Two candidates for the user, selected under their profile (or the default for a new user). */
async function compare() {
  if (state.busy) return;
  if (!user()) return void say('Give a user id first.');
  setBusy(true);
  try {
    // The user's stored profile first, so the drawing starts where they are (the first call opens the database).
    if (state.loadedFor !== user()) await loadProfile();
    say(`Generating two answers for ${user()}…`);
    const prompt = $('prompt').value.trim() || 'How should I prepare for a job interview?';
    const json = await call('POST', '/v1/chat/completions', {
      model: $('model').value.trim(),
      user: user(),
      messages: [{ role: 'user', content: prompt }],
      selection: { k: 2, return_candidates: true },
    });
    const ok = (json.selection?.candidates ?? []).filter((c) => c.status === 'ok' && c.scores);
    if (ok.length < 2) throw new Error('fewer than two scored answers came back; try again');
    state.pair = { responseId: json.id, a: ok[0], b: ok[1] };
    $('pair-a').textContent = ok[0].content ?? '';
    $('pair-b').textContent = ok[1].content ?? '';
    $('profile-pair').hidden = false;
    say('Which answer is better? Pick one.');
  } catch (err) {
    say(`Could not get two answers: ${err.message}`);
  } finally {
    setBusy(false);
  }
}

/** Sends the pick, then draws the new direction and asks for the next pair. */
async function pick(which) {
  if (state.busy || !state.pair) return;
  const { responseId, a, b } = state.pair;
  const chosen = which === 'a' ? a : b;
  setBusy(true);
  try {
    const result = await call('POST', `${path()}/feedback`, {
      type: 'choice',
      response_id: responseId,
      chosen: chosen.index,
      shown: [a.index, b.index],
      feedback_id: crypto.randomUUID(),
    });
    state.pair = null;
    $('profile-pair').hidden = true;
    show(result.profile);
  } catch (err) {
    say(`Feedback failed: ${err.message}`);
    return void setBusy(false);
  }
  setBusy(false);
  await compare();
}

async function forget() {
  if (state.busy || !user()) return;
  try {
    await call('DELETE', path());
    say(`Forgot ${user()}.`);
  } catch (err) {
    say(err.message.startsWith('No preference profile') ? `${user()} had no profile.` : err.message);
  }
  state.history = [];
  state.pair = null;
  $('profile-pair').hidden = true;
  $('profile-facts').textContent = 'No picks yet.';
  draw(null);
}

function show(profile) {
  state.history.push(profile);
  const n = profile.feedback.choices + profile.feedback.edits;
  const angle = Number.isFinite(profile.angle_deg) ? `${profile.angle_deg.toFixed(1)}°` : 'off the plane';
  $('profile-facts').textContent =
    `${n} pick${n === 1 ? '' : 's'} · direction ${angle} · uncertainty ±${profile.uncertainty_deg.toFixed(1)}°`;
  draw(profile);
}

/** The plane of the angle attributes: unit circle, axes, past directions faded, the current one with its wedge. */
function draw(profile) {
  const svg = $('profile-plot');
  svg.replaceChildren();
  const [x, y] = controls.anglePair;
  svgEl('circle', { cx: 0, cy: 0, r: R, class: 'pp-circle' }, svg);
  svgEl('line', { x1: -R - 4, y1: 0, x2: R + 4, y2: 0, class: 'pp-axis' }, svg);
  svgEl('line', { x1: 0, y1: -R - 4, x2: 0, y2: R + 4, class: 'pp-axis' }, svg);
  svgEl('text', { x: R + 2, y: 8, class: 'pp-label', 'text-anchor': 'end' }, svg, x);
  svgEl('text', { x: 2, y: -R + 2, class: 'pp-label' }, svg, y);
  const point = (deg, r = R) => [r * Math.cos((deg * Math.PI) / 180), -r * Math.sin((deg * Math.PI) / 180)];
  const shown = state.history.filter((p) => Number.isFinite(p.angle_deg));
  shown.forEach((p, i) => {
    if (i === shown.length - 1) return;
    const [px, py] = point(p.angle_deg, R * 0.9);
    svgEl('line', { x1: 0, y1: 0, x2: px, y2: py, class: 'pp-past', 'data-step': i }, svg);
  });
  $('profile-caption').textContent = profile
    ? `Learned direction of ${profile.user} in the ${x}–${y} plane, after each pick (faded: earlier).`
    : 'No picks yet: the user has the server default direction.';
  if (!profile || !Number.isFinite(profile.angle_deg)) return;
  const spread = Math.min(89, profile.uncertainty_deg);
  const [ax, ay] = point(profile.angle_deg - spread);
  const [bx, by] = point(profile.angle_deg + spread);
  svgEl('path', { d: `M0 0 L${ax} ${ay} A${R} ${R} 0 0 0 ${bx} ${by} Z`, class: 'pp-wedge' }, svg);
  const [cx, cy] = point(profile.angle_deg);
  svgEl(
    'line',
    { x1: 0, y1: 0, x2: cx, y2: cy, class: 'pp-now', id: 'profile-ray', 'data-angle': profile.angle_deg },
    svg,
  );
}

/** Wires the panel. Nothing is fetched until a person asks: the profile database opens on first use. */
export function wireProfile() {
  $('profile-compare').addEventListener('click', compare);
  $('profile-forget').addEventListener('click', forget);
  $('pick-a').addEventListener('click', () => pick('a'));
  $('pick-b').addEventListener('click', () => pick('b'));
  $('profile-user').addEventListener('change', () => {
    state.loadedFor = null;
    state.history = [];
    draw(null);
  });
  draw(null);
  say('Press "Compare two answers" to start teaching this user.');
}

/** Shows the user's stored profile, or says there is none yet. */
async function loadProfile() {
  state.history = [];
  state.loadedFor = user();
  draw(null);
  say(`Loading the profile of ${user()}…`);
  try {
    show(await call('GET', path()));
  } catch {
    $('profile-facts').textContent = 'No picks yet.';
  }
}
