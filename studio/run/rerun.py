"""Re-run from a node: which nodes run again, and the cache that serves the others.

Re-running from node X re-executes X and everything downstream of it (in the graph as it is
now). Every other node is offered to the mission controller's cache under the signature it
had in the chosen past run (`nodes.engine.node_signature`: its kind, its config in the graph
version that run ran, the past outputs it read, and how it was produced: the past run's
provider mode and the catalog entry of the model its first attempt called), holding its past
output. A simulated output therefore never serves a live run, nor one model's another's. The controller
computes the same signature for a node whose config and inputs are unchanged and serves it
from the cache, marked `cached`; a node edited since, or reading one that changed, gets
another signature and runs again.
"""
from __future__ import annotations

from typing import Any

from collections.abc import Mapping

from nodes.catalog import Catalog
from nodes.engine import node_resolution, node_signature
from nodes.kinds import KINDS
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


def rerun_cache(ran: Graph, past_outputs: dict[str, Any], now: Graph, from_node: str, *, simulated: bool,
                first_models: Mapping[str, str], catalog: Catalog) -> dict[str, Any]:
    """signature -> past output, for the nodes outside `from_node`'s downstream that succeeded in the past run.

    :param ran: the graph version the past run ran
    :param past_outputs: node id -> output, for the nodes that succeeded in the past run
    :param now: the graph to run now
    :param from_node: the node to re-execute (with everything downstream of it in `now`)
    :param simulated: the past run's provider mode
    :param first_models: node id -> the model its first attempt called in the past run (agents
        without one, pinned or cached then, are not offered: how their output was made is unknown)
    :param catalog: the catalog the new run uses (its entry for a past model is part of the key)
    """
    rerun = downstream_of(now, from_node)
    reads = reads_of(ran)
    cache = {}
    for node in ran.nodes:
        if node.id in rerun or node.kind == 'input' or node.id not in past_outputs:
            continue  # the controller never caches input nodes: it reads the run's inputs again
        if not all(name in past_outputs for name in reads[node.id]):
            continue
        if node.kind == 'agent' and node.id not in first_models:
            continue
        try:
            config = KINDS[node.kind].parse_config(node.config)
        except ValueError:
            continue  # a version saved with problems: the controller would refuse it, serve nothing
        resolution = node_resolution(node.kind, config, simulated, catalog, first_models.get(node.id))
        signature = node_signature(node.kind, node.config, {name: past_outputs[name] for name in reads[node.id]},
                                   resolution)
        cache[signature] = past_outputs[node.id]
    return cache
