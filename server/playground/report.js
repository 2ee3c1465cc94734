// Turns the server's `selection` report into one shape the page draws from. The wire format is snake_case
// (middleware/http/report.ts: offset_deg, latency_ms, timings.generation_ms, `chosen` as an index, `content`); the
// engine's camelCase Selection (core/types.ts) is accepted too, so the page also renders a report from an embedding
// app that returns the engine's object as is.

const pick = (obj, ...keys) => {
  for (const k of keys) if (obj && obj[k] !== undefined && obj[k] !== null) return obj[k];
  return undefined;
};

/** An array in attribute order or a record keyed by attribute, as a record. */
function byAttribute(value, attributes) {
  if (Array.isArray(value)) return Object.fromEntries(attributes.map((a, i) => [a, Number(value[i])]));
  if (value && typeof value === 'object') return value;
  return null;
}

function direction(d, attributes) {
  if (!d) return null;
  return {
    weights: byAttribute(pick(d, 'weights') ?? pick(d, 'vector'), attributes) ?? {},
    offsetDeg: pick(d, 'offsetDeg', 'offset_deg'),
    angleDeg: pick(d, 'angleDeg', 'angle_deg'),
    source: pick(d, 'source'),
  };
}

function textOf(c) {
  return pick(c, 'content', 'text') ?? c.message?.content ?? c.completion?.choices?.[0]?.message?.content ?? '';
}

/**
 * @param {object} sel the response's top-level `selection`
 * @returns {{ strategy: string, attributes: string[], target: object | null, candidates: object[], usage: object,
 *   timings: { generationMs?: number, scoringMs?: number, totalMs?: number }, pruning: object | null }}
 */
export function normalizeSelection(sel) {
  const target0 = pick(sel, 'target');
  const attributes = [...(pick(sel, 'attributes') ?? Object.keys(target0?.weights ?? {}))];
  const chosenIndex = typeof sel.chosen === 'number' ? sel.chosen : pick(sel.chosen, 'index');
  const candidates = (pick(sel, 'candidates') ?? []).map((c, i) => {
    const index = pick(c, 'index') ?? i;
    return {
      index,
      direction: direction(c.direction, attributes),
      status: c.status ?? 'ok',
      text: textOf(c),
      scores: byAttribute(c.scores, attributes),
      projection: pick(c, 'projection'),
      rank: pick(c, 'rank'),
      chosen: Boolean(c.chosen) || index === chosenIndex,
      usage: c.usage,
      latencyMs: pick(c, 'latencyMs', 'latency_ms'),
      finishReason: pick(c, 'finishReason', 'finish_reason'),
      error: c.error,
      completionTokens: pick(c, 'completionTokens', 'completion_tokens'),
      partials: (pick(c, 'partials', 'partial_scores') ?? []).map((p) => ({
        round: p.round,
        tokens: p.tokens,
        finished: p.finished,
        projection: p.projection,
        forecast: p.forecast,
        atMs: pick(p, 'atMs', 'at_ms'),
      })),
      pruned: c.pruned ? { ...c.pruned, atMs: pick(c.pruned, 'atMs', 'at_ms') } : null,
    };
  });
  const pr = pick(sel, 'pruning');
  const t = pick(sel, 'timings') ?? {};
  return {
    strategy: pick(sel, 'strategy') ?? 'rps',
    attributes,
    target: direction(target0, attributes),
    candidates,
    usage: pick(sel, 'usage'),
    timings: {
      generationMs: pick(t, 'generationMs', 'generation_ms'),
      scoringMs: pick(t, 'scoringMs', 'scoring_ms'),
      totalMs: pick(t, 'totalMs', 'total_ms'),
    },
    pruning: pr
      ? {
          schedule: pr.schedule ?? [],
          forecast: pr.forecast ?? null,
          rounds: (pr.rounds ?? []).map((r) => ({ ...r, atMs: pick(r, 'atMs', 'at_ms') })),
          committed: pr.committed ? { ...pr.committed, atMs: pick(pr.committed, 'atMs', 'at_ms') } : null,
          tokens: {
            completion: pr.tokens?.completion,
            counted: pr.tokens?.counted,
            savedEstimate: pick(pr.tokens, 'savedEstimate', 'saved_estimate'),
          },
        }
      : null,
  };
}

/** The two attributes to plot: the previous choice if still valid, else the angle pair, else the target's two largest. */
export function pickAxes(report, previous, anglePair) {
  const has = (pair) => pair && pair[0] !== pair[1] && pair.every((a) => report.attributes.includes(a));
  if (has(previous)) return previous;
  if (has(anglePair)) return [...anglePair];
  const w = report.target?.weights ?? {};
  const ranked = [...report.attributes].sort((a, b) => Math.abs(w[b] ?? 0) - Math.abs(w[a] ?? 0));
  return [ranked[0] ?? 'x', ranked[1] ?? ranked[0] ?? 'y'];
}

/** How a direction was made, as people read it (the report's `direction.source`). */
export function describeSource(d) {
  const names = { grid: 'grid', cap: 'cap', target: 'target' };
  return (d && names[d.source]) || '–';
}

/** `1234` → `1.23 s`, `87.4` → `87 ms`. */
export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/**
 * A direction as people read it. Short (tables, meta lines): its angle in 2-D, else its offset from the target.
 * Long (details): the angle or the weights, plus the offset.
 */
export function describeDirection(d, { short = false } = {}) {
  if (!d) return 'none (no directive)';
  const offset = Number.isFinite(d.offsetDeg)
    ? d.offsetDeg < 0.05
      ? 'the target'
      : `${d.offsetDeg.toFixed(1)}° from target`
    : '';
  const angle = Number.isFinite(d.angleDeg) ? `${Math.round(d.angleDeg)}°` : '';
  if (short) return angle ? `${angle}${offset ? ` (${offset})` : ''}` : offset || '–';
  const what =
    angle ||
    Object.entries(d.weights)
      .map(([a, v]) => `${a} ${v.toFixed(2)}`)
      .join(', ');
  const made =
    d.source === 'grid'
      ? '; a point of the authors’ grid'
      : d.source === 'cap'
        ? '; from the cap'
        : d.source === 'target'
          ? '; the target itself'
          : '';
  return `${offset ? `${what} (${offset})` : what}${made}`;
}
