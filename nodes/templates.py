"""Prompt templates: sandboxed Jinja2 over the outputs of upstream nodes.

A template names upstream nodes by id (`{{ plan.steps }}`); lists and objects render as JSON
so that a model sees data, not Python reprs.

Jinja compiles every distinct template to Python before its first render (about half a
millisecond each), and the prompts of a large graph are all distinct. A template that is only
text and `{{ name }}`, `{{ name.key }}`, `{{ name['key'] }}` or `{{ name[0] }}` expressions —
what most prompts are — is rendered straight from its parsed form instead, with the
sandbox's own attribute and item lookup, the same strict undefined handling and the same
JSON rendering of lists and objects. Anything else (filters, loops, conditions…) is rendered
by Jinja (`render_with_jinja`). tests/test_templates.py checks that both give the same text.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes as jinja_nodes
from jinja2.exceptions import SecurityError, UndefinedError

from .template_limits import MAX_OUTPUT_CHARS, REFUSED_GLOBALS, BoundedSandbox, TemplateLimitError, \
    check_clock, start_clock, stop_clock


class TemplateError(ValueError):
    """A template that cannot be parsed or rendered; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(value, ensure_ascii=False), made once


def _finalize(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return _to_json(value)
    return value


_environment = BoundedSandbox(undefined=StrictUndefined, finalize=_finalize,
                                             autoescape=False, keep_trailing_newline=True)


@lru_cache(maxsize=8192)
def parse(source: str) -> jinja_nodes.Template:
    """Parse a template (cached); raise `TemplateError` with the line of a syntax error."""
    try:
        return _environment.parse(source)
    except TemplateSyntaxError as error:
        raise TemplateError(f'line {error.lineno}: {error.message}', error.lineno) from None


# Most prompts are plain text with `{{ node.field }}` substitutions. Such a template is valid Jinja
# and reads exactly the names it substitutes, so it needs no parse (validate on thousands of nodes).
_SIMPLE_EXPRESSION = re.compile(r"\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*\s*-?\}\}")
_JINJA_OPENER = re.compile(r'\{[{%#]')


# Names Jinja provides itself; a template reading one means Jinja's, unless a node has that id.
BUILTIN_NAMES = frozenset(_environment.globals) | {'loop', 'caller', 'varargs', 'kwargs'}
REFUSED_NAMES = REFUSED_GLOBALS  # Jinja's, but not available in templates (see template_limits)


@lru_cache(maxsize=8192)
def referenced_names(source: str) -> frozenset[str]:
    """The top-level names a template reads and does not set itself (node ids, or Jinja's
    `BUILTIN_NAMES`); raise `TemplateError` if it does not parse."""
    names = set()
    if not _JINJA_OPENER.search(_SIMPLE_EXPRESSION.sub(lambda match: names.add(match[1]) or '', source)):
        return frozenset(names)
    tree = parse(source)
    loaded = {name.name for name in tree.find_all(jinja_nodes.Name) if name.ctx == 'load'}
    stored = {name.name for name in tree.find_all(jinja_nodes.Name) if name.ctx in ('store', 'param')}
    return frozenset(loaded - stored)


def render(source: str, context: dict[str, Any]) -> str:
    """Render a template over `context`; raise `TemplateError` on any failure."""
    plan = _plan(source)
    if plan is None:
        return render_with_jinja(source, context)
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
                value = _globals[name] if name in _globals else _environment.undefined(name=name)
            for is_attribute, key in lookups:
                if is_attribute:
                    # A plain dict's key that is not one of dict's own attributes: what the sandbox's
                    # getattr ends up returning, without its failed attribute lookup first.
                    if value.__class__ is dict and key not in _DICT_ATTRIBUTES and key in value:
                        value = value[key]
                    else:
                        value = _environment.getattr(value, key)
                else:
                    value = _environment.getitem(value, key)
            if value.__class__ is str:
                pieces.append(value)
            elif isinstance(value, (dict, list)):
                pieces.append(_to_json(value))
            else:
                pieces.append(str(value))
    except UndefinedError as error:
        raise TemplateError(f'undefined value: {error.message}') from None
    except SecurityError as error:
        raise TemplateError(f'refused by the template sandbox: {error}') from None
    except Exception as error:  # as Jinja's render: a lookup can raise anything
        raise TemplateError(f'{type(error).__name__}: {error}') from None
    text = ''.join(pieces)
    if len(text) > MAX_OUTPUT_CHARS:
        raise _too_long()
    return text


def is_plain(source: str) -> bool:
    """Whether `render` reads this template straight from its lookups, without Jinja: such a
    render is bounded by its inputs and needs no containment. False if it does not parse."""
    try:
        return _plan(source) is not None
    except TemplateError:
        return False


def _too_long() -> TemplateError:
    return TemplateError(f'the rendered text is longer than {MAX_OUTPUT_CHARS:,} characters, the limit for a template')


def render_with_jinja(source: str, context: dict[str, Any]) -> str:
    """Render a template with Jinja proper (compiled, cached); what `render` does for any template.

    Bounded: the deadline and the output length are checked at every piece of output, and the
    sandbox refuses the operations that would make a huge value (template_limits).
    """
    start_clock()
    try:
        pieces, length = [], 0
        for piece in _compiled(source).generate(context):
            length += len(piece)
            if length > MAX_OUTPUT_CHARS:
                raise _too_long()
            check_clock()
            pieces.append(piece)
        return ''.join(pieces)
    except TemplateLimitError as error:
        raise TemplateError(f'refused: {error}') from None
    except MemoryError:
        raise TemplateError('the template needed more memory than a template may use') from None
    except RecursionError:
        raise TemplateError('the template nests too deeply (a recursive macro or loop?)') from None
    except UndefinedError as error:
        raise TemplateError(f'undefined value: {error.message}') from None
    except SecurityError as error:
        raise TemplateError(f'refused by the template sandbox: {error}') from None
    except TemplateError:
        raise
    except Exception as error:  # a template can raise anything: a filter on a wrong type, …
        raise TemplateError(f'{type(error).__name__}: {error}') from None
    finally:
        stop_clock()


@lru_cache(maxsize=1024)
def _compiled(source: str):
    parse(source)  # raises TemplateError with a line number
    return _environment.from_string(source)


# -- the plan of a simple template: text, and lookup chains from a name ----------------------------

_Part = str | tuple[str, tuple[tuple[bool, Any], ...]]
_globals = _environment.globals
_DICT_ATTRIBUTES = frozenset(dir(dict))
_EXPRESSION = re.compile(r'\{\{\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*)\s*\}\}')
_LOOKUP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]')
# Words Jinja reads as constants or operators, never as names.
_RESERVED = frozenset('true false none True False None and or not in is if else elif for endfor recursive '
                      'block extends include import from as with without context set'.split())


@lru_cache(maxsize=8192)
def _plan(source: str) -> tuple[_Part, ...] | None:
    """The template as text and lookup chains, or None when it needs Jinja proper."""
    return _plan_without_parsing(source) or _plan_from_tree(source)


def _plan_without_parsing(source: str) -> tuple[_Part, ...] | None:
    # Text and plain `{{ a.b[0] }}` only: the common prompt, read without a Jinja parse.
    pieces = _EXPRESSION.split(source)  # text, name, lookups, text, name, lookups, …, text
    parts: list[_Part] = []
    last = len(pieces) - 1
    for index in range(0, len(pieces), 3):
        text = pieces[index]
        if '{' in text and (_JINJA_OPENER.search(text) or index < last and text.endswith('{')):
            return None  # Jinja syntax, or `{{{ a }}` (whose block opens a brace earlier)
        if text:
            parts.append(text.replace('\r\n', '\n').replace('\r', '\n') if '\r' in text else text)  # as Jinja's lexer
        if index < last:
            name, chain = pieces[index + 1], pieces[index + 2]
            lookups = tuple((True, attribute) if attribute else (False, int(number))
                            for attribute, number in _LOOKUP.findall(chain)) if chain else ()
            if name in _RESERVED or any(key in _RESERVED for _, key in lookups):
                return None
            parts.append((name, lookups))
    return tuple(parts)


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
