"""The routing history `compile_graph` learns from: how each node config's recent runs went.

For the nodes of a graph about to run, `routing_history` reads the recent stored runs in the same
provider mode (a simulated run's failures say nothing of a live model) whose graph version had a
node of the same kind and config (`nodes.routing_history.route_key`): the tier its first attempt
called, the tier it succeeded at, and what its calls cost below and at that tier (unknown when
the run had an unpriced node). Runs of a graph file from the command line are not stored
with their graph, so they are not learned from (as they cannot be resumed).

`history_for` is what a run or an estimate calls: None when learning is switched off in /settings.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from weakref import WeakKeyDictionary
from sqlalchemy.engine import Engine
from sqlmodel import select

from nodes.graph import Graph
from nodes.kinds import KINDS
from nodes.routing_history import NodeOutcome, route_key

from .db import transaction
from .graphs import GraphVersionRow
from .runs import AttemptRow, NodeRunRow, RunRow
from .settings import learning_enabled

RECENT_RUNS = 50  # the stored runs looked at, newest first
KEPT_OUTCOMES = 12  # per node config: more than the rule ever reads
# engine -> (graph version id, created at) -> node id -> route key (versions are immutable;
# parsing a large graph's document is the costly part of building a history)
_KEYS_BY_VERSION: WeakKeyDictionary[Engine, dict[tuple[int, datetime], dict[str, str]]] = WeakKeyDictionary()


def history_for(engine: Engine, graph: Graph, simulated: bool) -> dict[str, list[NodeOutcome]] | None:
    """The history for a run of `graph`, or None when learning from escalations is switched off."""
    return routing_history(engine, graph, simulated) if learning_enabled(engine) else None


def routing_history(engine: Engine, graph: Graph, simulated: bool) -> dict[str, list[NodeOutcome]]:
    """route_key -> outcomes, newest first, of the model-calling nodes of `graph` (see the module docstring)."""
    wanted = {route_key(node.kind, node.config) for node in graph.nodes
              if node.kind in KINDS and KINDS[node.kind].calls_model}
    if not wanted:
        return {}
    with transaction(engine) as session:
        runs = session.exec(select(RunRow.id, RunRow.graph_version_id, RunRow.unpriced_nodes == 0)
                            .where(RunRow.simulated == simulated, RunRow.graph_version_id.is_not(None),
                                   RunRow.status != 'running')
                            .order_by(RunRow.started_at.desc(), RunRow.id).limit(RECENT_RUNS)).all()
        # A stored version never changes: its nodes' keys are worked out once per engine (by id
        # and creation time: SQLite may give a deleted version's id to a new one).
        known = _KEYS_BY_VERSION.setdefault(engine, {})
        stamps = dict(session.exec(select(GraphVersionRow.id, GraphVersionRow.created_at)
                                   .where(GraphVersionRow.id.in_({version_id for _, version_id, _ in runs}))).all())
        missing = {version_id for version_id, created in stamps.items() if (version_id, created) not in known}
        if missing:
            for version_id, document in session.exec(select(GraphVersionRow.id, GraphVersionRow.document)
                                                     .where(GraphVersionRow.id.in_(missing))):
                known[(version_id, stamps[version_id])] = _node_keys(document)
        keys_by_version = {version_id: {node_id: key for node_id, key in known[(version_id, created)].items()
                                        if key in wanted} for version_id, created in stamps.items()}
        pairs = {(run_id, node_id): key for run_id, version_id, _ in runs
                 for node_id, key in keys_by_version.get(version_id, {}).items()}
        if not pairs:
            return {}
        run_ids = sorted({run_id for run_id, _ in pairs})
        node_ids = sorted({node_id for _, node_id in pairs})
        calls: dict[tuple[str, str], list[tuple[int, int, float]]] = defaultdict(list)
        for run_id, node_id, number, tier, cost in session.exec(
                select(AttemptRow.run_id, AttemptRow.node_id, AttemptRow.number, AttemptRow.tier, AttemptRow.cost_usd)
                .where(AttemptRow.run_id.in_(run_ids), AttemptRow.node_id.in_(node_ids))):
            calls[(run_id, node_id)].append((number, tier, cost))
        finished = {(run_id, node_id): (status, tier) for run_id, node_id, status, tier in session.exec(
            select(NodeRunRow.run_id, NodeRunRow.node_id, NodeRunRow.status, NodeRunRow.tier)
            .where(NodeRunRow.run_id.in_(run_ids), NodeRunRow.node_id.in_(node_ids)))}
    history: dict[str, list[NodeOutcome]] = defaultdict(list)
    for run_id, version_id, priced in runs:  # newest first
        for node_id, key in keys_by_version.get(version_id, {}).items():
            pair = (run_id, node_id)
            if pair not in calls or len(history[key]) >= KEPT_OUTCOMES:
                continue  # never called in that run (pinned, cached, skipped, not reached)
            status, tier = finished.get(pair, (None, None))
            history[key].append(_outcome(sorted(calls[pair]), tier if status == 'succeeded' else None, priced))
    return dict(history)


def _outcome(calls: list[tuple[int, int, float]], succeeded: int | None, priced: bool) -> NodeOutcome:
    """A node's outcome from its calls (number, tier, cost) in one run, in order."""
    if succeeded is None or not priced:
        return NodeOutcome(calls[0][1], succeeded)
    wasted = sum(cost for _, tier, cost in calls if tier != succeeded)
    return NodeOutcome(calls[0][1], succeeded, wasted, sum(cost for _, tier, cost in calls if tier == succeeded))


def _node_keys(document: str) -> dict[str, str]:
    """node id -> route key, for the model-calling nodes of a stored graph version."""
    try:
        graph = Graph.model_validate_json(document)
    except ValueError:
        return {}  # a version stored before a format change: nothing to learn from it
    return {node.id: route_key(node.kind, node.config) for node in graph.nodes
            if node.kind in KINDS and KINDS[node.kind].calls_model}

