""""Tidy up": a layered layout, each node one column right of its furthest upstream node.

Columns are the longest path from a source (so every edge points right); within a column,
nodes are ordered by the mean row of their upstream nodes, which untangles most crossings,
and ties keep their current top-to-bottom order.
"""
from __future__ import annotations

from collections.abc import Mapping

from nodes.dag import LiveDag
from nodes.graph import Node

COLUMN_WIDTH = 280
ROW_HEIGHT = 140


def layers(node_ids: list[str], dag: LiveDag) -> list[list[str]]:
    """The nodes in topological layers: layer k holds the nodes whose longest upstream path has k edges."""
    pending = {node_id: len(dag.predecessors(node_id)) for node_id in node_ids}
    depth = dict.fromkeys(node_ids, 0)
    ready = [node_id for node_id in node_ids if pending[node_id] == 0]
    while ready:
        node_id = ready.pop()
        for successor in dag.successors(node_id):
            depth[successor] = max(depth[successor], depth[node_id] + 1)
            pending[successor] -= 1
            if pending[successor] == 0:
                ready.append(successor)
    result: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node_id in node_ids:
        result[depth[node_id]].append(node_id)
    return result


def tidy_positions(nodes: Mapping[str, Node], dag: LiveDag) -> dict[str, tuple[int, int]]:
    """A position for every node: columns left to right, each column centred on the first one's middle."""
    by_position = sorted(nodes, key=lambda node_id: (nodes[node_id].position.y, nodes[node_id].position.x))
    row: dict[str, float] = {}
    positions: dict[str, tuple[int, int]] = {}
    origin_x = min((node.position.x for node in nodes.values()), default=0)
    origin_y = min((node.position.y for node in nodes.values()), default=0)
    columns = layers(by_position, dag)
    tallest = max((len(column) for column in columns), default=0)
    for index, column in enumerate(columns):
        if index:  # a stable sort: ties keep their current order
            column.sort(key=lambda node_id: _mean_upstream_row(node_id, dag, row))
        offset = (tallest - len(column)) / 2
        for place, node_id in enumerate(column):
            row[node_id] = place + offset
            positions[node_id] = (round(origin_x + index * COLUMN_WIDTH), round(origin_y + (place + offset) * ROW_HEIGHT))
    return positions


def _mean_upstream_row(node_id: str, dag: LiveDag, row: dict[str, float]) -> float:
    upstream = [row[predecessor] for predecessor in dag.predecessors(node_id)]
    return sum(upstream) / len(upstream) if upstream else float('inf')
