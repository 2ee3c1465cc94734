// The pruning timeline: one row per candidate, a bar as long as the tokens it wrote (on one scale for all rows), a
// tick at each decision point it took part in with its partial score, and a line saying when it was cut (decision
// point, tokens, time, partial score) or how it finished. Text only through textContent.
import { fmtMs } from './report.js';

const node = (tag, props) => Object.assign(document.createElement(tag), props);
const fmt = (v, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** One partial score, with the forecast final score it was ranked by when there was one. */
const partialText = (p) =>
  `${fmt(p.projection, 2)}${Number.isFinite(p.forecast) ? ` (forecast ${fmt(p.forecast, 2)})` : ''} @${p.tokens}`;

/** How the partial answers were ranked: by learned forecasts, or not at all in a learning run. */
function forecastText(forecast) {
  if (!forecast) return '';
  return forecast.mode === 'learning'
    ? ` Learning run: nothing cut, so the forecast can learn (${forecast.runs} runs so far).`
    : ` Ranked by forecast final scores (learned from ${forecast.runs} runs).`;
}

/** What happened to one candidate, in words. */
export function candidateStory(c, pruning) {
  if (c.status === 'pruned' && c.pruned) {
    const point = pruning?.schedule?.[c.pruned.round];
    return `cut at the ${point ?? '?'}-token decision (${c.pruned.tokens} tokens, ${fmtMs(c.pruned.atMs)}), partial score ${fmt(c.pruned.projection, 2)}`;
  }
  if (c.status === 'failed')
    return `failed after ${c.completionTokens ?? 0} tokens: ${c.error?.message ?? 'unknown error'}`;
  if (c.status === 'excluded') return `finished, excluded: ${c.error?.message ?? ''}`;
  const committed = pruning?.committed?.index === c.index ? pruning.committed : null;
  const live = committed ? `; streamed live from ${committed.tokens} tokens (${fmtMs(committed.atMs)})` : '';
  return `${c.chosen ? 'chosen' : 'finished'}: ${c.completionTokens ?? '?'} tokens, score ${fmt(c.projection, 2)}${live}`;
}

/**
 * Draws the timeline into an <ol>.
 * @returns a caption summarising the rounds, or null when the report has no pruning.
 */
export function renderTimeline(list, report) {
  const { pruning } = report;
  if (!pruning) return null;
  const longest = Math.max(1, ...report.candidates.map((c) => c.completionTokens ?? 0));
  const rows = [...report.candidates].sort(
    (a, b) => Number(b.chosen) - Number(a.chosen) || (b.completionTokens ?? 0) - (a.completionTokens ?? 0),
  );
  list.replaceChildren(
    ...rows.map((c) => {
      const li = node('li', { className: `tl-row tl-${c.chosen ? 'chosen' : c.status}` });
      const track = node('div', { className: 'tl-track' });
      track.setAttribute('aria-hidden', 'true');
      const bar = node('div', { className: 'tl-bar' });
      bar.style.width = `${(100 * (c.completionTokens ?? 0)) / longest}%`;
      track.append(bar);
      for (const p of c.partials) {
        const tick = node('span', { className: 'tl-tick', title: `${p.tokens} tokens: ${fmt(p.projection, 2)}` });
        tick.style.left = `${(100 * p.tokens) / longest}%`;
        track.append(tick);
      }
      const label = node('span', { className: 'tl-label', textContent: `#${c.index + 1}` });
      const story = node('span', { className: 'tl-story', textContent: candidateStory(c, pruning) });
      const scores = c.partials.length
        ? node('span', {
            className: 'tl-partials',
            textContent: `partial scores: ${c.partials.map(partialText).join(' → ')}`,
          })
        : null;
      li.append(label, track, story, ...(scores ? [scores] : []));
      return li;
    }),
  );
  const rounds = pruning.rounds.map((r) => `${r.tokens} tok: ${r.live.length}→${r.kept.length}`).join(' · ');
  const saved = Number.isFinite(pruning.tokens.savedEstimate) ? `; ≈${pruning.tokens.savedEstimate} tokens saved` : '';
  const how = forecastText(pruning.forecast);
  return rounds
    ? `Decision points ${rounds}${saved}.${how}`
    : `No decision point was reached with more candidates live than kept (short answers finish before the first).${how}`;
}
