"""Prompt templates: sandboxed Jinja2 over the outputs of upstream nodes.

A template names upstream nodes by id (`{{ plan.steps }}`); lists and objects render as JSON
so that a model sees data, not Python reprs.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes as jinja_nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateError(ValueError):
    """A template that cannot be parsed or rendered; `line` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _finalize(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


_environment = ImmutableSandboxedEnvironment(undefined=StrictUndefined, finalize=_finalize,
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


@lru_cache(maxsize=1024)
def _compiled(source: str):
    parse(source)  # raises TemplateError with a line number
    return _environment.from_string(source)


def render(source: str, context: dict[str, Any]) -> str:
    """Render a template over `context`; raise `TemplateError` on any failure."""
    try:
        return _compiled(source).render(context)
    except UndefinedError as error:
        raise TemplateError(f'undefined value: {error.message}') from None
    except SecurityError as error:
        raise TemplateError(f'refused by the template sandbox: {error}') from None
    except TemplateError:
        raise
    except Exception as error:  # a template can raise anything: a filter on a wrong type, …
        raise TemplateError(f'{type(error).__name__}: {error}') from None
