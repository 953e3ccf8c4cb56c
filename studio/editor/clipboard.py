"""Copy and paste of nodes: a fragment of a graph, pasted with fresh ids.

Templates inside a pasted fragment that name other nodes of the fragment are rewritten to
name their copies, so a pasted pipeline works on its own; references to nodes outside the
fragment are left as they are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jinja2 import Environment, TemplateSyntaxError

from nodes.graph import Edge, Node, Position
from nodes.kinds import KINDS

OFFSET = 40
"""How far (in pixels, right and down) each successive paste lands from the originals."""

_lexer = Environment(keep_trailing_newline=True)


@dataclass(frozen=True)
class Fragment:
    """Copied nodes and the edges between them (detached copies: later edits do not reach them)."""
    nodes: tuple[Node, ...]
    edges: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, nodes: Iterable[Node], edges: Iterable[tuple[str, str]]) -> Fragment:
        return cls(tuple(node.model_copy(deep=True) for node in nodes), tuple(edges))


def paste(fragment: Fragment, taken: Callable[[str], bool], offset: int = OFFSET) -> tuple[list[Node], list[Edge]]:
    """New nodes and edges for the fragment: fresh ids (`plan` → `plan_2`), positions shifted by `offset`."""
    from .state import fresh_id  # NOTE: state imports this module; the id rule lives there

    renames: dict[str, str] = {}
    for node in fragment.nodes:
        renames[node.id] = fresh_id(node.id, lambda candidate: taken(candidate) or candidate in renames.values())
    nodes = []
    for node in fragment.nodes:
        copy = node.model_copy(deep=True, update={'id': renames[node.id]})
        copy.position = Position(x=node.position.x + offset, y=node.position.y + offset)
        kind = KINDS.get(node.kind)
        for key in kind.template_keys if kind else ():
            if isinstance(copy.config.get(key), str):
                copy.config[key] = rename_references(copy.config[key], renames)
        nodes.append(copy)
    edges = [Edge(source=renames[source], target=renames[target]) for source, target in fragment.edges
             if source in renames and target in renames]
    return nodes, edges


def rename_references(source: str, renames: dict[str, str]) -> str:
    """The template with every top-level name in `renames` replaced (attributes like `x.plan` are not names).

    A template that does not parse, or whose tokens do not give back the exact text, is returned unchanged.
    """
    if not renames or not any(old in source for old in renames):
        return source
    try:
        _lexer.parse(source)
        tokens = list(_lexer.lex(source))
    except TemplateSyntaxError:
        return source
    if ''.join(value for _, _, value in tokens) != source:
        return source
    pieces = []
    previous = None  # the last token that is not whitespace
    for _, token_type, value in tokens:
        if token_type == 'name' and value in renames and previous != ('operator', '.'):
            value = renames[value]
        pieces.append(value)
        if token_type != 'whitespace':
            previous = (token_type, value)
    return ''.join(pieces)
