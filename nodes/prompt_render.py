"""Prompt rendering for the engine: `nodes.templates.render`, minus Jinja's compile step for
the templates most prompts are.

Jinja compiles every distinct template to Python before its first render (about half a
millisecond each), and the prompts of a large graph are all distinct. A template that is only
text and `{{ name }}`, `{{ name.key }}`, `{{ name['key'] }}` or `{{ name[0] }}` expressions is
rendered here straight from its parsed form (cached by `nodes.templates.parse`, which
validation already filled), with the sandbox's own attribute and item lookup, the same
strict undefined handling and the same JSON rendering of lists and objects. Anything else
(filters, loops, conditions…) goes through `nodes.templates.render`. tests/test_engine.py
checks that both give the same text.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, nodes as jinja_nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .templates import TemplateError, parse, render

# NOTE: the sandbox lookups must match nodes/templates.py's environment (undefined=StrictUndefined).
_sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
_Part = str | tuple[str, tuple[tuple[bool, Any], ...]]
_EXPRESSION = re.compile(r'\{\{\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*)\s*\}\}')
_LOOKUP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]')
_JINJA_OPENER = re.compile(r'\{[{%#]')
# Words Jinja reads as constants or operators, never as names.
_RESERVED = frozenset('true false none True False None and or not in is if else elif for endfor recursive '
                      'block extends include import from as with without context set'.split())


def render_prompt(source: str, context: dict[str, Any]) -> str:
    """Render a template over `context` exactly as `nodes.templates.render` does; faster when simple."""
    plan = _plan(source)
    if plan is None:
        return render(source, context)
    pieces = []
    try:
        for part in plan:
            if part.__class__ is str:
                pieces.append(part)
                continue
            name, lookups = part
            if name in context:
                value = context[name]
            else:  # as Jinja: a name no node has may be one of its globals (`range`, `lipsum`…)
                value = _sandbox.globals[name] if name in _sandbox.globals else _sandbox.undefined(name=name)
            for is_attribute, key in lookups:
                value = _sandbox.getattr(value, key) if is_attribute else _sandbox.getitem(value, key)
            if isinstance(value, (dict, list)):
                pieces.append(json.dumps(value, ensure_ascii=False))
            else:
                pieces.append(str(value))
    except UndefinedError as error:
        raise TemplateError(f'undefined value: {error.message}') from None
    except SecurityError as error:
        raise TemplateError(f'refused by the template sandbox: {error}') from None
    except Exception as error:  # as nodes.templates.render: a lookup can raise anything
        raise TemplateError(f'{type(error).__name__}: {error}') from None
    return ''.join(pieces)


@lru_cache(maxsize=8192)
def _plan(source: str) -> tuple[_Part, ...] | None:
    """The template as text and lookup chains, or None when it needs Jinja proper."""
    return _plan_without_parsing(source) or _plan_from_tree(source)


def _plan_without_parsing(source: str) -> tuple[_Part, ...] | None:
    # Text and plain `{{ a.b[0] }}` only: the common prompt, read without a Jinja parse.
    parts: list[_Part] = []
    position = 0
    for match in _EXPRESSION.finditer(source):
        text = source[position:match.start()]
        if text.endswith('{') or not _add_text(parts, text):  # `{{{ a }}`: Jinja's block opens a brace earlier
            return None
        lookups = tuple((True, attribute) if attribute else (False, int(index))
                        for attribute, index in _LOOKUP.findall(match[2]))
        if match[1] in _RESERVED or any(key in _RESERVED for _, key in lookups):
            return None
        parts.append((match[1], lookups))
        position = match.end()
    if not _add_text(parts, source[position:]):
        return None
    return tuple(parts)


def _add_text(parts: list[_Part], text: str) -> bool:
    if _JINJA_OPENER.search(text):
        return False
    if text:
        parts.append(text.replace('\r\n', '\n').replace('\r', '\n'))  # as Jinja's lexer does
    return True


def _plan_from_tree(source: str) -> tuple[_Part, ...] | None:
    template = parse(source)
    parts: list[_Part] = []
    for statement in template.body:
        if not isinstance(statement, jinja_nodes.Output):
            return None
        for node in statement.nodes:
            if isinstance(node, jinja_nodes.TemplateData):
                parts.append(node.data)
                continue
            lookups: list[tuple[bool, Any]] = []
            while isinstance(node, (jinja_nodes.Getattr, jinja_nodes.Getitem)):
                if isinstance(node, jinja_nodes.Getattr):
                    lookups.append((True, node.attr))
                elif isinstance(node.arg, jinja_nodes.Const) and isinstance(node.arg.value, (str, int)):
                    lookups.append((False, node.arg.value))
                else:
                    return None
                node = node.node
            if not isinstance(node, jinja_nodes.Name):
                return None
            parts.append((node.name, tuple(reversed(lookups))))
    return tuple(parts)
