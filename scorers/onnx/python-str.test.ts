/**
 * Python's str methods and Jinja2's string filters, compared with what CPython and Jinja2 return
 * (`python-str.cases.json`, written by `scripts/python-str-cases.py`; see there to regenerate).
 */
import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { applyStrFilter, callStrMethod } from './python-str.js';

interface Cases {
  generatedBy: string;
  methods: Array<[string, string, unknown[], unknown]>;
  templates: Array<[string, Record<string, unknown>, string]>;
}
const cases = JSON.parse(readFileSync(new URL('./python-str.cases.json', import.meta.url), 'utf8')) as Cases;

describe('Python str methods', () => {
  it.each(
    cases.methods.map(([name, self, args, expected]) => [
      name,
      JSON.stringify(self),
      JSON.stringify(args),
      self,
      args,
      expected,
    ]),
  )('Should return what CPython does: %s on %s with %s', (name, _s, _a, self, args, expected) => {
    expect(callStrMethod(name as string, self, args as unknown[])).toEqual(expected);
  });

  it('Should find cases where @huggingface/jinja differs (else these tests could not fail)', () => {
    const lib = (src: string, s: string) => new Template(src).render({ s });
    expect(lib("{{ s.lstrip('\\n') }}", '\n  Hi')).toBe('Hi'); // Python: '  Hi'
    expect(callStrMethod('lstrip', '\n  Hi', ['\n'])).toBe('  Hi');
    expect(lib('{{ s.title() }}', 'hELLO')).toBe('HELLO'); // Python: 'Hello'
    expect(lib('{{ s.strip() }}', '\ufeffx\x85')).toBe('x\x85'); // Python: '\ufeffx'
  });

  it('Should take split/rsplit keywords and refuse unknown ones, as CPython does', () => {
    expect(
      callStrMethod(
        'split',
        'a,b,c',
        [],
        new Map<string, unknown>([
          ['sep', ','],
          ['maxsplit', 1],
        ]),
      ),
    ).toEqual(['a', 'b,c']);
    expect(callStrMethod('rsplit', 'a b c', [], new Map([['maxsplit', 1]]))).toEqual(['a b', 'c']);
    expect(() => callStrMethod('split', 'a', [], new Map([['sepp', ',']]))).toThrow(
      /unexpected keyword argument 'sepp'/,
    );
    expect(() => callStrMethod('strip', 'a', [], new Map([['chars', 'a']]))).toThrow(/takes no keyword arguments/);
    expect(() => callStrMethod('split', 'a', [''])).toThrow(/empty separator/);
    expect(() => callStrMethod('strip', null, [])).toThrow(/'NoneType' object has no attribute 'strip'/);
  });

  it('Should apply Jinja2 filters to strings only', () => {
    expect(applyStrFilter('trim', ' x ', [])).toBe('x');
    expect(applyStrFilter('trim', 'xax', [], new Map([['chars', 'x']]))).toBe('a');
    expect(applyStrFilter('title', "it's a-b (c)", [])).toBe("It's A-B (C)");
    expect(() => applyStrFilter('trim', 5, [])).toThrow(/Cannot apply filter "trim"/);
  });
});
