"""Re-run from a node: the cache that serves the nodes outside what runs again.

Re-running from node X re-executes X and everything downstream of it (in the graph as it is
now). Every other node is offered to the mission controller's cache under the signature it
had in the chosen past run (`MissionPlan.signature` of the graph version that run ran, over
the past outputs it read, with the provider mode and the model its first attempt called),
holding its past output. The controller computes the same signature for a node whose config,
inputs, provider mode and model are unchanged and serves it from the cache, marked `cached`;
a node edited since, reading one that changed, or that would now be produced another way (a
live run after a simulated one, another model) gets another signature and runs again.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nodes.plan import MissionPlan


def rerun_cache(ran: MissionPlan, past_outputs: Mapping[str, Any], past_models: Mapping[str, str],
                past_simulated: bool, now: MissionPlan, from_node: str) -> dict[str, Any]:
    """signature -> past output, for the nodes outside `from_node`'s downstream that succeeded in the past run.

    :param ran: the graph version the past run ran, compiled
    :param past_outputs: node id -> output, for the nodes that succeeded in the past run
    :param past_models: node id -> the model its first attempt called in the past run (a node
        that calls models but made no call then, pinned or cached, is not offered: how its output
        was made is unknown); the new run's catalog entry for that model is part of the key
    :param past_simulated: whether the past run was simulated
    :param now: the plan to run now
    :param from_node: the node to re-execute (with everything downstream of it in `now`)
    """
    rerun = now.downstream_of(from_node)
    cache = {}
    for node_id, planned in ran.nodes.items():
        if node_id in rerun or planned.node.kind == 'input' or node_id not in past_outputs:
            continue  # the controller never caches input nodes: it reads the run's inputs again
        if not all(name in past_outputs for name in planned.reads):
            continue
        if planned.route is not None and node_id not in past_models:
            continue  # it called no model in that run (pinned, or served from a cache): how it was made is unknown
        signature = ran.signature(node_id, past_outputs, past_models[node_id] if planned.route else None,
                                  simulated=past_simulated)
        cache[signature] = past_outputs[node_id]
    return cache
