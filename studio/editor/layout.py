""""Tidy up": a layered layout, each node one column right of its furthest upstream node.

Columns are the longest path from a source (so every edge points right). An edge that spans
several columns holds a place in each column it passes (a placeholder, as in Sugiyama's
layered drawing), so cards tend to leave room for it; within a column, nodes and placeholders
are ordered by the mean row of what feeds them, which untangles most crossings, and ties keep
their current top-to-bottom order. Finally any card that an edge's curve would still pass
behind moves down, until no edge is hidden.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from nodes.dag import LiveDag
from nodes.graph import Node

# NOTE: the canvas's one home of a card's size (studio/canvas/src/card.json).
_CARD = json.loads((Path(__file__).parent.parent / 'canvas' / 'src' / 'card.json').read_text())
CARD_WIDTH: int = _CARD['width']
CARD_HEIGHT: int = _CARD['height']
HANDLE_SIZE: int = _CARD['handle']
COLUMN_WIDTH = CARD_WIDTH + 80
ROW_HEIGHT = CARD_HEIGHT + 52
EDGE_CLEARANCE = 8
"""Pixels kept between an edge's curve and a card it passes."""
_MAX_PUSHES_PER_NODE = 8

Placeholder = tuple[str, str, int]
"""(source, target, column): where an edge spanning several columns crosses a column."""


def layers(node_ids: list[str], dag: LiveDag) -> list[list[str]]:
    """The nodes in topological layers: layer k holds the nodes whose longest upstream path has k edges."""
    depth = _depths(node_ids, dag)
    result: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node_id in node_ids:
        result[depth[node_id]].append(node_id)
    return result


def is_stacked(nodes: Mapping[str, Node]) -> bool:
    """Whether every node sits at one position (a file written without a layout)."""
    positions = {(node.position.x, node.position.y) for node in nodes.values()}
    return len(nodes) > 1 and len(positions) == 1


def tidy_positions(nodes: Mapping[str, Node], dag: LiveDag) -> dict[str, tuple[int, int]]:
    """A position for every node: columns left to right from the graph's top-left corner."""
    by_position = sorted(nodes, key=lambda node_id: (nodes[node_id].position.y, nodes[node_id].position.x))
    depth = _depths(by_position, dag)
    columns: list[list[str | Placeholder]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    feeders: dict[str | Placeholder, list[str | Placeholder]] = {}
    for node_id in by_position:
        columns[depth[node_id]].append(node_id)
    for source in by_position:
        for target in sorted(dag.successors(source)):
            previous: str | Placeholder = source
            for column in range(depth[source] + 1, depth[target]):
                placeholder = (source, target, column)
                columns[column].append(placeholder)
                feeders[placeholder] = [previous]
                previous = placeholder
            feeders.setdefault(target, []).append(previous)

    row: dict[str | Placeholder, float] = {}
    tallest = max((len(column) for column in columns), default=0)
    for index, column in enumerate(columns):
        if index:  # a stable sort: ties keep their current order
            column.sort(key=lambda item: _mean([row[feeder] for feeder in feeders.get(item, [])]))
        offset = (tallest - len(column)) / 2
        for place, item in enumerate(column):
            row[item] = place + offset

    origin_x = min((node.position.x for node in nodes.values()), default=0)
    origin_y = min((node.position.y for node in nodes.values()), default=0)
    place = {node_id: (depth[node_id], row[node_id]) for node_id in by_position}
    _uncover_edges(place, dag)
    top = min((r for _, r in place.values()), default=0)
    return {node_id: (round(origin_x + column * COLUMN_WIDTH), round(origin_y + (r - top) * ROW_HEIGHT))
            for node_id, (column, r) in place.items()}


def hidden_edges(positions: Mapping[str, tuple[float, float]], edges: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(source, target, card) for every edge whose curve, as the canvas draws it, passes behind a card."""
    found = []
    for source, target in edges:
        curve = _Curve(positions[source], positions[target])
        for node_id, (x, y) in positions.items():
            if node_id not in (source, target) and curve.passes_behind(x, y):
                found.append((source, target, node_id))
    return found


def _uncover_edges(place: dict[str, tuple[int, float]], dag: LiveDag) -> None:
    """Move each card that an edge passes behind to the nearest free row of its column that no
    edge passes (placeholders left room, so there are few)."""
    edges = [(source, target) for source in place for target in dag.successors(source)
             if place[target][0] - place[source][0] > 1]
    for _ in range(_MAX_PUSHES_PER_NODE * len(place) if edges else 0):
        covered = _first_covered(place, edges)
        if covered is None:
            return
        node_id, column = covered
        taken = {r for other, (other_column, r) in place.items() if other_column == column and other != node_id}
        through = [_curve(place, source, target) for source, target in edges
                   if place[source][0] < column < place[target][0] and node_id not in (source, target)]
        r = place[node_id][1]
        for step in range(1, 4 * len(place) + 1):
            free = [candidate for candidate in (r - step, r + step) if candidate not in taken and not any(
                curve.passes_behind(column * COLUMN_WIDTH, candidate * ROW_HEIGHT) for curve in through)]
            if free:
                place[node_id] = (column, free[-1])  # below, if both are free: the graph grows downwards
                break


def _curve(place: dict[str, tuple[int, float]], source: str, target: str) -> _Curve:
    (source_column, source_row), (target_column, target_row) = place[source], place[target]
    return _Curve((source_column * COLUMN_WIDTH, source_row * ROW_HEIGHT),
                  (target_column * COLUMN_WIDTH, target_row * ROW_HEIGHT))


def _first_covered(place: dict[str, tuple[int, float]], edges: list[tuple[str, str]]) -> tuple[str, int] | None:
    by_column: dict[int, list[tuple[float, str]]] = {}
    for node_id, (column, r) in place.items():
        by_column.setdefault(column, []).append((r, node_id))
    for source, target in edges:
        curve = _curve(place, source, target)
        for column in range(place[source][0] + 1, place[target][0]):
            for r, node_id in by_column.get(column, []):
                if curve.passes_behind(column * COLUMN_WIDTH, r * ROW_HEIGHT):
                    return node_id, column
    return None


class _Curve:
    """An edge as Vue Flow draws it (a bezier from the source's right handle to the target's left
    handle, both control points halfway across), for telling which cards it passes behind."""

    def __init__(self, source: tuple[float, float], target: tuple[float, float]) -> None:
        self.x1 = source[0] + CARD_WIDTH + HANDLE_SIZE / 2
        self.y1 = source[1] + CARD_HEIGHT / 2
        self.x2 = target[0] - HANDLE_SIZE / 2
        self.y2 = target[1] + CARD_HEIGHT / 2
        self.middle = (self.x1 + self.x2) / 2

    def _at(self, t: float) -> tuple[float, float]:
        u = 1 - t
        x = u ** 3 * self.x1 + 3 * u * u * t * self.middle + 3 * u * t * t * self.middle + t ** 3 * self.x2
        y = u ** 3 * self.y1 + 3 * u * u * t * self.y1 + 3 * u * t * t * self.y2 + t ** 3 * self.y2
        return x, y

    def _t_at_x(self, x: float) -> float:
        # x(t) rises monotonically when the target is right of the source, which tidy guarantees.
        low, high = 0.0, 1.0
        for _ in range(30):
            mid = (low + high) / 2
            if self._at(mid)[0] < x:
                low = mid
            else:
                high = mid
        return low

    def passes_behind(self, x: float, y: float) -> bool:
        left, right = max(x, self.x1), min(x + CARD_WIDTH, self.x2)
        if left >= right:
            return False
        # y(t) is monotonic too, so over the card's width the curve spans the y between its ends there.
        ya, yb = self._at(self._t_at_x(left))[1], self._at(self._t_at_x(right))[1]
        low, high = min(ya, yb) - EDGE_CLEARANCE, max(ya, yb) + EDGE_CLEARANCE
        return low < y + CARD_HEIGHT and high > y


def _depths(node_ids: list[str], dag: LiveDag) -> dict[str, int]:
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
    return depth


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float('inf')
