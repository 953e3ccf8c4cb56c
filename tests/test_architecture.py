"""The layers hold: imports go studio -> storage -> nodes, nodes has no UI or database code, and no
module of a layer imports, even lazily or for types only, a module that imports it back."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports anywhere in it (top level, in functions, under TYPE_CHECKING)."""
    name = module_name(path)
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    found = set()
    for statement in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(statement, ast.Import):
            found.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            if statement.level:
                base = package.split('.')
                base = base[:len(base) - statement.level + 1]
                origin = '.'.join(base + ([statement.module] if statement.module else []))
            else:
                origin = statement.module or ''
            found.add(origin)
            found.update(f'{origin}.{alias.name}' for alias in statement.names)  # `from . import x`
    return found


def import_graph(layer: str) -> nx.DiGraph:
    modules = {module_name(path): path for path in (ROOT / layer).rglob('*.py')}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for imported in imports_of(path):
            if imported in modules and imported != name:
                graph.add_edge(name, imported)
    return graph


@pytest.mark.parametrize('layer', ('nodes', 'storage'))
def test_no_import_circle_within_a_layer(layer):
    graph = import_graph(layer)
    circles = list(nx.simple_cycles(graph))
    assert not circles, 'import circles: ' + '; '.join(' -> '.join(circle + circle[:1]) for circle in circles)


@pytest.mark.parametrize('layer, forbidden', [
    ('nodes', ('storage', 'studio', 'nicegui', 'sqlalchemy', 'sqlmodel', 'fastapi', 'starlette')),
    ('storage', ('studio', 'nicegui')),
])
def test_a_layer_never_imports_upward(layer, forbidden):
    offending = sorted(f'{module_name(path)} imports {imported}'
                       for path in (ROOT / layer).rglob('*.py') for imported in imports_of(path)
                       if imported.split('.')[0] in forbidden)
    assert not offending


def test_the_walker_sees_a_lazy_circle(tmp_path, monkeypatch):
    """The check above would catch the circle the engine once had (engine -> kinds -> agent -> engine)."""
    package = tmp_path / 'demo'
    (package / 'kinds').mkdir(parents=True)
    (package / '__init__.py').write_text('')
    (package / 'engine.py').write_text('from .kinds import agent\n')
    (package / 'kinds' / '__init__.py').write_text('')
    (package / 'kinds' / 'agent.py').write_text('def run():\n    from ..engine import step\n')
    monkeypatch.setattr(__import__(__name__), 'ROOT', tmp_path)
    assert list(nx.simple_cycles(import_graph('demo')))
