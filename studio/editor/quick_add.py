"""What quick add offers: every node kind, then every example (inserted whole, with fresh ids)."""
from __future__ import annotations

from pathlib import Path

from nodes.kinds import KINDS
from nodes.validation import load_graph

from .clipboard import Fragment

KIND_PREFIX = 'kind:'
EXAMPLE_PREFIX = 'example:'


def quick_add_items(examples: list) -> list[dict]:
    """The canvas's quick-add list (studio/canvas/README.md): kinds (group `Nodes`), then examples."""
    items = [{'id': KIND_PREFIX + kind.name, 'label': kind.label, 'group': 'Nodes', 'icon': kind.icon,
              'detail': kind.description, 'has_inputs': kind.has_inputs, 'has_outputs': kind.has_outputs}
             for kind in KINDS.values()]
    items += [{'id': EXAMPLE_PREFIX + example.path.stem, 'label': example.name, 'group': 'Examples',
               'icon': 'dashboard_customize', 'detail': f'{example.node_count} nodes · {example.description}'}
              for example in examples]
    return items


def example_fragment(item_id: str, examples: list) -> Fragment | None:
    """The nodes and edges of the example an item names (None: no such example, or it no longer loads)."""
    stem = item_id.removeprefix(EXAMPLE_PREFIX)
    path: Path | None = next((example.path for example in examples if example.path.stem == stem), None)
    if path is None:
        return None
    try:
        graph = load_graph(path.read_bytes())
    except (OSError, ValueError):
        return None
    return Fragment.of(graph.nodes, [(edge.source, edge.target) for edge in graph.edges])
