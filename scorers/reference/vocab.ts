/**
 * @module reference/vocab
 * Per-token tables the reference model's graph looks up: whether a token carries content (not a stop word, not
 * punctuation), and a canonical id shared by its case and leading-space variants (`Paris`, ` paris` → one id),
 * so "the response mentions what the prompt asked about" can be computed from token ids alone.
 */

/** Common English function words; they say nothing about topic, so they do not count as content. */
const STOP_WORDS = new Set(
  `a an the and or but if then else of to in on at by for with from as into onto than that this these those it its
  is are was were be been being am do does did done have has had having i me my we our you your he him his she her
  they them their what which who whom whose when where why how all any both each few more most other some such no
  nor not only own same so too very can will just should would could may might must shall there here about above
  below up down out over under again further once also s t re ve ll d m don let us like get got one`.split(/\s+/),
);

/** Tables indexed by token id, each of length `size`. */
export interface VocabTables {
  /** 1 for content tokens, 0 otherwise (special tokens, punctuation, stop words, single letters). */
  readonly content: Float32Array;
  /** The lowest id with the same lower-cased, space-stripped text. */
  readonly canonical: Int32Array;
  /** Table length: every id the graph can see is clipped below it. */
  readonly size: number;
}

/** GPT-2 byte-level BPE writes a leading space as `Ġ` and a newline as `Ċ`; strip them to get the word. */
function wordOf(token: string): string {
  return token.replace(/^[\u0120\u010a]+/u, '').toLowerCase();
}

function isContent(word: string): boolean {
  const alnum = word.replace(/[^a-z0-9]/g, '');
  if (alnum.length !== word.length) return false; // punctuation, or bytes of non-ASCII text
  if (/^[0-9]+$/.test(word)) return true; // numbers answer questions ("42")
  return word.length >= 2 && !STOP_WORDS.has(word);
}

/**
 * Builds the tables from a `tokenizer.json` BPE vocabulary (`model.vocab`: token → id). Ids without a vocabulary
 * entry (added/special tokens) are non-content and their own canonical id.
 */
export function buildVocabTables(vocab: Readonly<Record<string, number>>, size: number): VocabTables {
  const content = new Float32Array(size);
  const canonical = Int32Array.from({ length: size }, (_, i) => i);
  const firstByWord = new Map<string, number>();
  // Visit ids in ascending order so the canonical id does not depend on the JSON's key order.
  const entries = Object.entries(vocab)
    .filter(([, id]) => id >= 0 && id < size)
    .sort((a, b) => a[1] - b[1]);
  for (const [token, id] of entries) {
    const word = wordOf(token);
    if (!isContent(word)) continue;
    content[id] = 1;
    const first = firstByWord.get(word);
    if (first === undefined) firstByWord.set(word, id);
    else canonical[id] = first;
  }
  return { content, canonical, size };
}
