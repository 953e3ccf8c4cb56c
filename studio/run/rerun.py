"""Re-run from a node: which nodes run again, and the cache that serves the others.

Re-running from node X re-executes X and everything downstream of it (in the graph as it is
now). Every other node is offered to the mission controller's cache under the signature it
had in the chosen past run (`nodes.engine.node_signature`: its kind, its config in the graph
version that run ran, and the past outputs it read), holding its past output. The controller
computes the same signature for a node whose config and inputs are unchanged and serves it
from the cache, marked `cached`; a node edited since, or reading one that changed, gets
another signature and runs again.
"""
from __future__ import annotations

from typing import Any

from nodes.engine import node_signature
from nodes.graph import Graph
from nodes.validation import template_references


def downstream_of(graph: Graph, node_id: str) -> set[str]:
    """`node_id` and every node reachable from it."""
    successors: dict[str, list[str]] = {}
    for edge in graph.edges:
        successors.setdefault(edge.source, []).append(edge.target)
    found, stack = {node_id}, [node_id]
    while stack:
        for following in successors.get(stack.pop(), ()):
            if following not in found:
                found.add(following)
                stack.append(following)
    return found


def reads_of(graph: Graph) -> dict[str, tuple[str, ...]]:
    """node id -> the nodes whose outputs its signature covers: its direct upstream nodes and
    the nodes its templates name (as the mission controller computes signatures)."""
    # NOTE: mirrors the controller's signature inputs (nodes/engine.py, `_signature`); a
    # mismatch shows as re-run nodes that are not served from the cache (tests/test_run_ui.py).
    predecessors: dict[str, set[str]] = {node.id: set() for node in graph.nodes}
    for edge in graph.edges:
        predecessors[edge.target].add(edge.source)
    reads = {}
    for node in graph.nodes:
        # A template with a syntax error reads nothing; the controller refuses such a graph anyway.
        names = set(predecessors[node.id]) | template_references(node)
        reads[node.id] = tuple(sorted(names))
    return reads


def rerun_cache(ran: Graph, past_outputs: dict[str, Any], now: Graph, from_node: str) -> dict[str, Any]:
    """signature -> past output, for the nodes outside `from_node`'s downstream that succeeded in the past run.

    :param ran: the graph version the past run ran
    :param past_outputs: node id -> output, for the nodes that succeeded in the past run
    :param now: the graph to run now
    :param from_node: the node to re-execute (with everything downstream of it in `now`)
    """
    rerun = downstream_of(now, from_node)
    reads = reads_of(ran)
    cache = {}
    for node in ran.nodes:
        if node.id in rerun or node.kind == 'input' or node.id not in past_outputs:
            continue  # the controller never caches input nodes: it reads the run's inputs again
        if not all(name in past_outputs for name in reads[node.id]):
            continue
        signature = node_signature(node.kind, node.config, {name: past_outputs[name] for name in reads[node.id]})
        cache[signature] = past_outputs[node.id]
    return cache
