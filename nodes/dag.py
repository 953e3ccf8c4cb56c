"""The editor's live acyclicity check: would this edge close a cycle, and along which path?

Adding u→v closes a cycle iff u is reachable from v. `LiveDag` keeps a topological order
up to date as edges come and go (Pearce & Kelly, 2006), so most checks answer from the order
alone, and the rest search only the nodes between the two ends in that order.
"""
from __future__ import annotations

from collections.abc import Iterable


class LiveDag:
    """A directed acyclic graph that refuses, and explains, any edge that would close a cycle."""

    def __init__(self, nodes: Iterable[str] = (), edges: Iterable[tuple[str, str]] = ()) -> None:
        self._successors: dict[str, set[str]] = {}
        self._predecessors: dict[str, set[str]] = {}
        self._order: dict[str, int] = {}
        self._next_order = 0
        for node in nodes:
            self.add_node(node)
        for source, target in edges:
            cycle = self.add_edge(source, target)
            if cycle:
                raise ValueError(f'edge {source} -> {target} closes a cycle: {" -> ".join(cycle)}')

    def __contains__(self, node: str) -> bool:
        return node in self._order

    def add_node(self, node: str) -> None:
        if node not in self._order:
            self._successors[node] = set()
            self._predecessors[node] = set()
            self._order[node] = self._next_order
            self._next_order += 1

    def remove_node(self, node: str) -> None:
        for target in self._successors.pop(node, ()):
            self._predecessors[target].discard(node)
        for source in self._predecessors.pop(node, ()):
            self._successors[source].discard(node)
        self._order.pop(node, None)

    def has_edge(self, source: str, target: str) -> bool:
        return target in self._successors.get(source, ())

    def successors(self, node: str) -> set[str]:
        return self._successors[node]

    def predecessors(self, node: str) -> set[str]:
        return self._predecessors[node]

    def cycle_path(self, source: str, target: str) -> list[str] | None:
        """The cycle that edge source→target would close, as `[source, target, …, source]`,
        or None when the edge keeps the graph acyclic. Both nodes must exist."""
        if source == target:
            return [source, source]
        found, parents = self._search_forward(source, target)
        if not found:
            return None
        path = [source]
        node: str | None = source
        while node != target:
            node = parents[node]
            path.append(node)
        path.reverse()  # target … source
        return [source, *path]

    def add_edge(self, source: str, target: str) -> list[str] | None:
        """Add source→target unless it closes a cycle; return that cycle's path if refused.

        Adding an edge that exists already is accepted and changes nothing.
        """
        self.add_node(source)
        self.add_node(target)
        if source == target:
            return [source, source]
        if target in self._successors[source]:
            return None
        if self._order[target] < self._order[source]:
            found, parents = self._search_forward(source, target)
            if found:
                return self.cycle_path(source, target)
            self._reorder(source, target, forward=set(parents))
        self._successors[source].add(target)
        self._predecessors[target].add(source)
        return None

    def remove_edge(self, source: str, target: str) -> None:
        self._successors.get(source, set()).discard(target)
        self._predecessors.get(target, set()).discard(source)

    def _search_forward(self, source: str, target: str) -> tuple[bool, dict[str, str | None]]:
        """Search from `target` for `source` among nodes ordered no later than `source`."""
        upper = self._order[source]
        parents: dict[str, str | None] = {target: None}
        if self._order[target] > upper:
            return False, parents
        stack = [target]
        order, successors = self._order, self._successors
        while stack:
            node = stack.pop()
            for successor in successors[node]:
                if successor in parents or order[successor] > upper:
                    continue
                parents[successor] = node
                if successor == source:
                    return True, parents
                stack.append(successor)
        return False, parents

    def _reorder(self, source: str, target: str, forward: set[str]) -> None:
        """Shift the order so that `source` and what reaches it come before `target`'s region."""
        lower = self._order[target]
        backward = {source}
        stack = [source]
        order, predecessors = self._order, self._predecessors
        while stack:
            node = stack.pop()
            for predecessor in predecessors[node]:
                if predecessor not in backward and order[predecessor] > lower:
                    backward.add(predecessor)
                    stack.append(predecessor)
        by_order = lambda node: order[node]  # noqa: E731
        moved = sorted(backward, key=by_order) + sorted(forward, key=by_order)
        slots = sorted(order[node] for node in moved)
        for node, slot in zip(moved, slots):
            order[node] = slot
