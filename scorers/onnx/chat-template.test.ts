/**
 * Chat templates render with Python's string semantics: the same text Jinja2 gives (`python-str.cases.json`, from
 * `scripts/python-str-cases.py`), including Qwen3's template, whose `content.lstrip('\n')` must keep a response's
 * leading spaces.
 */
import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { qwen3TokenizerFiles } from '../onnx-build/qwen3.js';
import { compileChatTemplate } from './chat-template.js';

interface Cases {
  templates: Array<[string, Record<string, unknown>, string]>;
  qwen3Chats: Array<[Array<{ role: string; content: string }>, string]>;
}
const cases = JSON.parse(readFileSync(new URL('./python-str.cases.json', import.meta.url), 'utf8')) as Cases;

describe('compileChatTemplate', () => {
  it.each(cases.templates.map(([src, ctx, expected]) => [src, ctx, expected]))(
    'Should render %s as Jinja2 does',
    (src, ctx, expected) => {
      expect(compileChatTemplate(src as string).render(ctx as Record<string, unknown>)).toBe(expected);
    },
  );

  it("Should render Qwen3's template as transformers does, where @huggingface/jinja alone does not", () => {
    const source = (JSON.parse(readFileSync(qwen3TokenizerFiles().config, 'utf8')) as { chat_template: string })
      .chat_template;
    const template = compileChatTemplate(source);
    let differs = 0;
    for (const [messages, expected] of cases.qwen3Chats) {
      const context = { messages, add_generation_prompt: false };
      expect(template.render(context)).toBe(expected);
      if (new Template(source).render(context) !== expected) differs++;
    }
    expect(differs).toBeGreaterThan(0);
  });

  it('Should leave everything else to the library: globals, loops, macros, namespaces, other filters', () => {
    const src =
      '{% macro up(x) %}{{ x | upper }}{% endmacro %}{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}{% endfor %}' +
      "{{ up('a') }}{{ ns.n }}{{ 'a-b'.replace('-', '+') }}{{ [3, 1] | sort | join(',') }}{{ bos_token }}";
    expect(compileChatTemplate(src).render({ bos_token: '<s>' })).toBe('A3a+b1,3<s>');
    expect(() => compileChatTemplate("{{ raise_exception('bad') }}").render({})).toThrow(/bad/);
  });

  it('Should not rewrite attribute reads that share a method name (`doc.title`)', () => {
    expect(compileChatTemplate('{{ doc.title }}').render({ doc: { title: 'hELLO' } })).toBe('hELLO');
  });
});
