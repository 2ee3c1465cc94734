/**
 * @module word-bank
 * The simulator's tiny vocabulary: sentence frames with slots, so replies read like English-ish prose without any
 * external data. `{t}` and `{u}` are filled with content words taken from the prompt (on-topic sentences); the
 * other slots come from the lists below.
 */

/** Frames of on-topic sentences; `{t}`/`{u}` are prompt words. */
export const ON_TOPIC_FRAMES = [
  'The key point about {t} is that it {verb} the {noun} directly.',
  'When you look at {t}, the {adj} {noun} usually {verb} {u}.',
  'A practical way to handle {t} is to start with {u} and {verb} the {noun}.',
  'In most cases {t} {verb} {u}, so the {adj} {noun} matters.',
  'Consider {t} first: it {verb} the {noun} and shapes {u}.',
  'For {t}, a {adj} {noun} is the usual answer, especially with {u}.',
  'One concrete example is {t}, where {u} {verb} the {noun}.',
  'To sum up {t}: focus on {u} and keep the {noun} {adj}.',
] as const;

/** Frames of generic sentences that mention nothing from the prompt. */
export const FILLER_FRAMES = [
  'This is something many people think about.',
  'There are many things to consider here.',
  'It really depends on the situation.',
  'As mentioned before, it is important to keep this in mind.',
  'Overall, there are several factors that play a role.',
  'In general, the {noun} can be {adj} in many ways.',
  'Basically, it is a {adj} {noun} that people often discuss.',
  'Of course, every {noun} is a little bit different.',
  'That being said, one should always be careful.',
  'It is worth noting that the {noun} is quite {adj}.',
] as const;

/** Verbs for the `{verb}` slot (third person). */
export const VERBS = ['shapes', 'affects', 'supports', 'explains', 'changes', 'improves', 'limits', 'guides', 'reflects'] as const;
/** Nouns for the `{noun}` slot. */
export const NOUNS = ['result', 'process', 'approach', 'detail', 'outcome', 'method', 'context', 'structure', 'choice'] as const;
/** Adjectives for the `{adj}` slot. */
export const ADJECTIVES = ['clear', 'simple', 'careful', 'useful', 'important', 'common', 'reliable', 'direct', 'broad'] as const;

/** Function words never taken as prompt "content words". */
export const STOP_WORDS = new Set([
  'about', 'above', 'after', 'again', 'also', 'because', 'been', 'before', 'being', 'between', 'both', 'cannot',
  'could', 'does', 'doing', 'down', 'each', 'from', 'further', 'have', 'having', 'here', 'into', 'just', 'like',
  'more', 'most', 'much', 'must', 'only', 'other', 'over', 'please', 'same', 'should', 'some', 'such', 'than', 'that',
  'their', 'them', 'then', 'there', 'these', 'they', 'this', 'those', 'through', 'very', 'want', 'what', 'when',
  'where', 'which', 'while', 'will', 'with', 'would', 'your', 'yours', 'tell', 'give', 'explain', 'describe', 'write',
  'know', 'make', 'need', 'help', 'thanks', 'thank', 'hello',
]);
