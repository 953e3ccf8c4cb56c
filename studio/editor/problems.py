"""Validation problems of the graph being edited, kept up to date edit by edit.

`validate_graph` over a whole graph costs about half a millisecond per node, too much for every
keystroke in a 2,400-node graph. A node's problems depend only on its own config and, for each
name its templates read, whether that node exists and is upstream of it. So the tracker keeps,
per node, the names its templates read and their state; an edit re-checks only the nodes it can
affect, and a node is validated again (by `validate_graph` over a tiny graph: the node and
stand-ins for the nodes it names) only when its config or the state of a reference changed.
The messages are therefore exactly those of the validator.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from nodes.dag import LiveDag
from nodes.graph import Edge, Graph, Node, Position
from nodes.validation import Problem, template_references, validate_graph

MISSING, UPSTREAM, NOT_UPSTREAM = 'missing', 'upstream', 'not_upstream'


def display_message(problem: Problem) -> str:
    """The problem's sentence without the `node "x": ` prefix, for showing on or beside that node."""
    if problem.node_id:
        return problem.message.removeprefix(f'node "{problem.node_id}": ')
    return problem.message


class ProblemTracker:
    """The problems of every node of a graph under edit.

    :param nodes: the session's nodes by id (read, never changed here)
    :param dag: the session's edges
    """

    def __init__(self, nodes: dict[str, Node], dag: LiveDag) -> None:
        self._nodes = nodes
        self._dag = dag
        self._references: dict[str, frozenset[str]] = {}
        self._referrers: dict[str, set[str]] = defaultdict(set)
        self._states: dict[str, dict[str, str]] = {}
        self._problems: dict[str, tuple[Problem, ...]] = {}
        self._failing: set[str] = set()
        self._not_upstream: set[str] = set()
        self._bits: dict[str, int] = {}
        self._to_validate: set[str] = set()
        self._to_recheck: set[str] = set()

    def problems(self, node_id: str) -> tuple[Problem, ...]:
        return self._problems.get(node_id, ())

    def messages(self, node_id: str) -> list[str]:
        return [display_message(problem) for problem in self._problems.get(node_id, ())]

    def nodes_with_problems(self) -> set[str]:
        return set(self._failing)

    @property
    def count(self) -> int:
        """How many problems the graph's nodes have."""
        return sum(len(self._problems[node_id]) for node_id in self._failing)

    def check_all(self) -> None:
        """Validate the whole graph once (on opening it)."""
        for node_id, node in self._nodes.items():
            self._index(node_id, node)
        ancestors = self._ancestor_bits(self._nodes)
        for node_id in self._nodes:
            self._set_states(node_id, self._reference_states(node_id, ancestors))
        edges = [Edge.model_construct(source=source, target=target)
                 for source in self._nodes for target in self._dag.successors(source)]
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in validate_graph(Graph.model_construct(name='check', nodes=list(self._nodes.values()),
                                                            edges=edges)):
            if problem.node_id in self._nodes:
                grouped[problem.node_id].append(problem)
        self._problems = {node_id: tuple(problems) for node_id, problems in grouped.items()}
        self._failing = set(self._problems)
        self._to_validate.clear()
        self._to_recheck.clear()

    # What an edit tells the tracker (after the session has made the change).
    def node_added(self, node_id: str) -> None:
        self._index(node_id, self._nodes[node_id])
        self._to_validate.add(node_id)
        self._to_recheck |= self._referrers.get(node_id, set())

    def node_removed(self, node_id: str) -> None:
        for name in self._references.pop(node_id, ()):
            self._referrers[name].discard(node_id)
        self._states.pop(node_id, None)
        self._problems.pop(node_id, None)
        self._failing.discard(node_id)
        self._not_upstream.discard(node_id)
        self._to_validate.discard(node_id)
        self._to_recheck.discard(node_id)
        self._to_recheck |= self._referrers.get(node_id, set())

    def config_changed(self, node_id: str) -> None:
        for name in self._references.get(node_id, ()):
            self._referrers[name].discard(node_id)
        self._index(node_id, self._nodes[node_id])
        self._to_validate.add(node_id)

    def edge_added(self, source: str, target: str) -> None:
        # More paths: only a reference that was not upstream can change state.
        self._to_recheck |= self._not_upstream

    def edge_removed(self, source: str, target: str) -> None:
        # Fewer paths: only what lies downstream of the edge can lose an upstream node.
        stack, seen = [target], {target}
        while stack:
            for successor in self._dag.successors(stack.pop()):
                if successor not in seen:
                    seen.add(successor)
                    stack.append(successor)
        self._to_recheck |= {node_id for node_id in seen if self._references.get(node_id)}

    def flush(self) -> dict[str, list[str]]:
        """Bring every affected node up to date; return those whose problems changed, with their messages."""
        pending = (self._to_validate | self._to_recheck) & self._nodes.keys()
        validate = self._to_validate & pending
        self._to_validate, self._to_recheck = set(), set()
        ancestors = self._ancestor_bits(node_id for node_id in pending if self._references.get(node_id))
        changed: dict[str, list[str]] = {}
        for node_id in sorted(pending):
            states = self._reference_states(node_id, ancestors)
            if node_id not in validate and states == self._states.get(node_id, {}):
                continue
            self._set_states(node_id, states)
            problems = self._validate_node(node_id, states)
            if problems != self._problems.get(node_id, ()):
                self._problems[node_id] = problems
                (self._failing.add if problems else self._failing.discard)(node_id)
                changed[node_id] = [display_message(problem) for problem in problems]
        return changed

    def _index(self, node_id: str, node: Node) -> None:
        references = template_references(node)
        self._references[node_id] = references
        for name in references:
            self._referrers[name].add(node_id)

    def _set_states(self, node_id: str, states: dict[str, str]) -> None:
        self._states[node_id] = states
        if NOT_UPSTREAM in states.values():
            self._not_upstream.add(node_id)
        else:
            self._not_upstream.discard(node_id)

    def _reference_states(self, node_id: str, ancestors: dict[str, int]) -> dict[str, str]:
        states = {}
        for name in self._references.get(node_id, ()):
            if name not in self._nodes:
                states[name] = MISSING
            elif ancestors[node_id] & self._bit(name):
                states[name] = UPSTREAM
            else:
                states[name] = NOT_UPSTREAM
        return states

    def _validate_node(self, node_id: str, states: dict[str, str]) -> tuple[Problem, ...]:
        stand_ins = [Node.model_construct(id=name, kind='input', title='', position=Position(x=0, y=0), config={})
                     for name, state in states.items() if state != MISSING and name != node_id]
        edges = [Edge.model_construct(source=name, target=node_id) for name, state in states.items()
                 if state == UPSTREAM]
        graph = Graph.model_construct(name='check', nodes=[self._nodes[node_id], *stand_ins], edges=edges)
        return tuple(problem for problem in validate_graph(graph) if problem.node_id == node_id)

    def _bit(self, node_id: str) -> int:
        if node_id not in self._bits:
            self._bits[node_id] = 1 << len(self._bits)
        return self._bits[node_id]

    def _ancestor_bits(self, targets: Iterable[str]) -> dict[str, int]:
        """The ancestors of each target (and of the nodes between), as bit sets; one pass, memoised."""
        memo: dict[str, int] = {}
        predecessors = self._dag.predecessors
        for target in targets:
            stack = [(target, False)]
            while stack:
                node_id, expanded = stack.pop()
                if node_id in memo:
                    continue
                if expanded:
                    mask = 0
                    for predecessor in predecessors(node_id):
                        mask |= memo[predecessor] | self._bit(predecessor)
                    memo[node_id] = mask
                else:
                    stack.append((node_id, True))
                    stack.extend((predecessor, False) for predecessor in predecessors(node_id)
                                 if predecessor not in memo)
        return memo
