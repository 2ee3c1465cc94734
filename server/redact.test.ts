import fc from 'fast-check';
import { redactText } from './redact.js';

const keyChars = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'.split(''));
/** Keys as providers issue them: a short prefix and 24–64 random characters. */
const key = fc
  .tuple(fc.constantFrom('sk-', 'sk-proj-', 'hf_', 'gsk_', ''), fc.array(keyChars, { minLength: 24, maxLength: 64 }))
  .map(([prefix, chars]) => prefix + chars.join(''));
/** How an upstream may quote a key: whole, first n + mask + last m, mask + last m, first n + mask. */
const quoted = (k: string) =>
  fc
    .tuple(
      fc.integer({ min: 4, max: 12 }),
      fc.integer({ min: 4, max: 8 }),
      fc.constantFrom('****', '*'.repeat(30), '...', '…', '••••'),
      fc.constantFrom('both', 'prefix', 'suffix', 'whole', 'middle'),
    )
    .map(([head, tail, mask, form]) => {
      if (form === 'whole') return k;
      if (form === 'middle') return k.slice(3, 3 + 10);
      const start = form === 'suffix' ? '' : k.slice(0, head);
      const end = form === 'prefix' ? '' : k.slice(-tail);
      return `${start}${mask}${end}`;
    });

/** The pieces that must never survive: the first 6, the last 4, any 8 consecutive characters. */
function leaked(text: string, k: string): string[] {
  const found = [k.slice(0, 6), k.slice(-4)].filter((f) => text.includes(f));
  for (let i = 0; i + 8 <= k.length; i++) if (text.includes(k.slice(i, i + 8))) found.push(k.slice(i, i + 8));
  return found;
}

describe('redactText', () => {
  it('scrubs the issue reproduction: first 6 and last 4 around masking', () => {
    const out = redactText('Incorrect API key provided: sk-OPE****9XYZ.', ['sk-OPERATOR-0123456789XYZ']);
    expect(out).toBe('Incorrect API key provided: ***.');
  });

  it('no recognisable fragment of any key survives any quoting, in any sentence', () => {
    fc.assert(
      fc.property(
        key.chain((k) => fc.tuple(fc.constant(k), quoted(k))),
        fc.constantFrom('Incorrect API key provided: %s.', 'key "%s" revoked', '{"error":"bad key %s"}', '%s'),
        ([k, q], sentence) => {
          const text = sentence.replace('%s', q);
          expect(leaked(redactText(text, [k]), k)).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves text without the key alone, and ignores secrets too short to matter', () => {
    const text = 'Upstream (openai-compatible) answered 401: Unauthorized. Retry after 2 s.';
    expect(redactText(text, ['sk-OPERATOR-0123456789XYZ'])).toBe(text);
    expect(redactText('abc abc', ['abc'])).toBe('abc abc');
  });

  it('scrubs every configured key, the client keys as well as the upstream one', () => {
    const out = redactText('a=sk-UPSTREAM-key-000111 b=client-key-222333444', [
      'sk-UPSTREAM-key-000111',
      'client-key-222333444',
    ]);
    expect(out).toBe('a=*** b=***');
  });
});
