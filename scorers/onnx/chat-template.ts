/**
 * @module onnx/chat-template
 * Compiles a chat template with `@huggingface/jinja` and renders it with Python's string semantics, as
 * transformers' `apply_chat_template` (Jinja2 in Python) does. After parsing, calls of the `str` methods and the
 * string filters whose JavaScript versions differ ({@link PY_STR_METHODS}, {@link JINJA_STR_FILTERS}) are rewritten
 * into calls of two functions passed in the render context, which implement the Python behaviour
 * (`onnx/python-str.ts`). Everything else (globals, tests, control flow) stays the library's: a rewrite of the
 * parsed tree, not a patched or forked library, so library updates keep applying.
 */
import { Template } from '@huggingface/jinja';
import { applyStrFilter, callStrMethod, JINJA_STR_FILTERS, PY_STR_METHODS } from './python-str.js';
import type { Kwargs } from './python-str.js';

/** Context names of the two helpers; unlikely to meet a template's own variables. */
const STR_METHOD = '__prefsel_py_str_method__';
const STR_FILTER = '__prefsel_py_str_filter__';

interface Node {
  type: string;
  [key: string]: unknown;
}

const isNode = (v: unknown): v is Node =>
  v !== null && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string';
const identifier = (value: string): Node => ({ type: 'Identifier', value });
const stringLiteral = (value: string): Node => ({ type: 'StringLiteral', value });
const call = (callee: Node, args: unknown[]): Node => ({ type: 'CallExpression', callee, args });

/** `x.name(args)` → `STR_METHOD(x, 'name', args)`, for the methods Python semantics take over. */
function rewriteMethodCall(node: Node): Node | undefined {
  if (node.type !== 'CallExpression' || !isNode(node.callee)) return undefined;
  const member = node.callee;
  if (member.type !== 'MemberExpression' || member.computed !== false || !isNode(member.property)) return undefined;
  const name = member.property.type === 'Identifier' ? String(member.property.value) : '';
  if (!PY_STR_METHODS.has(name)) return undefined;
  return call(identifier(STR_METHOD), [member.object, stringLiteral(name), ...(node.args as unknown[])]);
}

/** `x | name` and `x | name(args)` → `STR_FILTER(x, 'name', args)`, for the filters Jinja2 semantics take over. */
function rewriteFilter(node: Node): Node | undefined {
  if (node.type !== 'FilterExpression' || !isNode(node.filter)) return undefined;
  const f = node.filter;
  const [name, args] =
    f.type === 'Identifier'
      ? [String(f.value), []]
      : f.type === 'CallExpression' && isNode(f.callee) && f.callee.type === 'Identifier'
        ? [String(f.callee.value), f.args as unknown[]]
        : ['', []];
  if (!JINJA_STR_FILTERS.has(name)) return undefined;
  return call(identifier(STR_FILTER), [node.operand, stringLiteral(name), ...args]);
}

/** Rewrites the tree bottom-up, in place (children first, so chains such as `a.split(x)[0].strip()` work). */
function rewrite(node: Node): Node {
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value)) node[key] = value.map((v: unknown) => (isNode(v) ? rewrite(v) : v));
    else if (value instanceof Map) {
      // Dict literals: keys and values are expressions.
      node[key] = new Map([...value].map(([k, v]) => [isNode(k) ? rewrite(k) : k, isNode(v) ? rewrite(v) : v]));
    } else if (isNode(value)) node[key] = rewrite(value);
  }
  return rewriteMethodCall(node) ?? rewriteFilter(node) ?? node;
}

/** The JavaScript value inside one of the library's runtime values (`{ type: 'StringValue', value }`…). */
const valueOf = (v: unknown): unknown => (v !== null && typeof v === 'object' && 'value' in v ? v.value : v);

/**
 * Arguments as the library hands them to a context function: runtime values unwrapped one level (arrays and
 * tuples stay arrays of runtime values), keyword arguments last, as a Map of runtime values.
 */
function unwrap(raw: unknown[]): { args: unknown[]; kwargs: Kwargs } {
  const plain = (v: unknown): unknown => (Array.isArray(v) ? v.map((x: unknown) => plain(valueOf(x))) : v);
  const last = raw.at(-1);
  const kwargs: Kwargs =
    last instanceof Map ? new Map([...last].map(([k, v]: [string, unknown]) => [k, plain(valueOf(v))])) : new Map();
  const args = (last instanceof Map ? raw.slice(0, -1) : raw).map(plain);
  return { args, kwargs };
}

const strMethod = (self: unknown, name: string, ...raw: unknown[]) => {
  const { args, kwargs } = unwrap(raw);
  return callStrMethod(name, self, args, kwargs);
};
const strFilter = (value: unknown, name: string, ...raw: unknown[]) => {
  const { args, kwargs } = unwrap(raw);
  return applyStrFilter(name, value, args, kwargs);
};

/** A compiled chat template. */
export interface ChatTemplate {
  /** Renders with `context` (`messages`, `add_generation_prompt`, special tokens…); throws what the template raises. */
  render(context: Record<string, unknown>): string;
}

/** Parses `source` once; rendering is then Python-faithful for the string methods and filters above. */
export function compileChatTemplate(source: string): ChatTemplate {
  const template = new Template(source);
  template.parsed = rewrite(template.parsed as unknown as Node) as unknown as Template['parsed'];
  return {
    render: (context) => template.render({ ...context, [STR_METHOD]: strMethod, [STR_FILTER]: strFilter }),
  };
}
