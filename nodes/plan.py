"""Compile a graph once into an immutable plan that the engine, re-run and estimates consume.

    plan = compile_graph(graph, catalog, provider)   # InvalidGraphError lists every problem
    summary = await MissionController(plan).run({'company': 'Acme'})

A `MissionPlan` is the only way to get a runnable graph: it holds the validated graph, each
node's parsed config, its neighbours, the outputs it reads, its rank on the critical path, and
an agent's route (starting tier, the router's reason, the models of each tier it may call); a
`tier: auto` node's starting tier also learns from its recent escalations when given a history.
Nothing in it changes after `compile_graph` returns, so one plan can serve many runs.

A node's cache signature (`MissionPlan.signature`) covers what decides its output: its kind,
its config, the outputs it reads, and for an agent the provider mode (simulated or live) and
the models its route starts on. A cached output is reused only by a run that would have
produced it the same way: a live run never receives an output a simulated one made.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from .catalog import Catalog, ModelEntry, default_catalog
from .graph import Graph, Node
from .kinds import KINDS, NodeKind
from .kinds.input import InputField, input_fields
from .routing_history import NodeOutcome, RoutingHistory, learned_start, route_key
from .validation import Problem, template_references, validate_graph


class InvalidGraphError(ValueError):
    """The graph is not valid; `problems` lists every reason (nodes.validation.Problem)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__('the graph is not valid: ' + '; '.join(problem.message for problem in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Route:
    """Where an agent node starts and what it may call.

    :param tier: the tier it starts at (the node's own, or the router's pick for `auto`)
    :param reason: the router's reason, for `auto`; None when the node names its tier
    :param models: tier -> the models it calls there, primary first; the node's `model`
        override replaces its starting tier's list
    """
    tier: int
    reason: str | None
    models: Mapping[int, tuple[ModelEntry, ...]]

    @property
    def model(self) -> str | None:
        """The model its first call goes to."""
        entries = self.models.get(self.tier, ())
        return entries[0].model if entries else None


@dataclass(frozen=True, slots=True)
class PlannedNode:
    """One node as compiled: what the engine needs to run it, nothing that changes during a run.

    :param reads: the nodes whose outputs it reads: its direct upstream nodes and those its
        templates name (its cache signature covers their outputs)
    :param rank: model calls on the longest path from it to the end (the critical path first)
    :param route: an agent's route; None for kinds that call no model
    """
    node: Node
    kind: NodeKind
    config: BaseModel
    predecessors: tuple[str, ...]
    successors: tuple[str, ...]
    reads: tuple[str, ...]
    rank: int
    route: Route | None

    @property
    def id(self) -> str:
        return self.node.id


@dataclass(frozen=True, slots=True)
class MissionPlan:
    """A compiled graph (see the module docstring). Make one with `compile_graph`."""
    graph: Graph
    nodes: Mapping[str, PlannedNode]
    order: tuple[str, ...]  # topological: every node after the nodes it reads
    catalog: Catalog
    provider: Any
    input_fields: Mapping[str, InputField]

    @property
    def simulated(self) -> bool:
        return bool(getattr(self.provider, 'simulated', False))

    def signature(self, node_id: str, outputs: Mapping[str, Any], model: str | None = None,
                  simulated: bool | None = None) -> str:
        """The cache key of `node_id` given the outputs it reads (see the module docstring).

        :param outputs: node id -> output; must hold every node the node reads
        :param model: for an agent, the model whose output is keyed (default: the first model of
            its route); a past run names the model it actually used
        :param simulated: the provider mode that produced it (default: this plan's provider's)
        """
        planned = self.nodes[node_id]
        simulated = self.simulated if simulated is None else simulated
        produced_by: dict[str, Any] = {'mode': 'simulated' if simulated else 'live'}
        if planned.route is not None:
            model = model or planned.route.model
            entry = next((entry for entries in planned.route.models.values() for entry in entries
                          if entry.model == model), None) or self.catalog.entry(model or '')
            produced_by['model'] = entry.to_dict()  # the catalog entry: its server and prices too
        return node_signature(planned.node.kind, planned.node.config,
                              {name: outputs[name] for name in planned.reads}, produced_by)

    def downstream_of(self, node_id: str) -> frozenset[str]:
        """`node_id` and every node reachable from it."""
        found, stack = {node_id}, [node_id]
        while stack:
            for following in self.nodes[stack.pop()].successors:
                if following not in found:
                    found.add(following)
                    stack.append(following)
        return frozenset(found)


def compile_graph(graph: Graph, catalog: Catalog | None = None, provider: Any = None, *,
                  flagship_only: bool = False, history: RoutingHistory | None = None) -> MissionPlan:
    """Validate `graph` and compile it for `provider` and `catalog`; `InvalidGraphError` if it is not valid.

    :param catalog: tier -> models (default: `nodes.catalog.default_catalog()`)
    :param provider: the model provider runs of this plan call (default: a `SimulatedProvider`)
    :param flagship_only: route every agent to tier 1's models, whatever its tier, `auto` or
        model override says: the measured counterpart of the flagship-only cost (default: False)
    :param history: the recent outcomes of `tier: auto` nodes by `route_key`, newest first: a node
        that escalated in its recent runs starts at the tier that succeeded (nodes/routing_history.py)
    """
    problems = validate_graph(graph)
    if problems:
        raise InvalidGraphError(problems)
    if provider is None:
        from .providers.simulated import SimulatedProvider
        provider = SimulatedProvider()
    catalog = catalog or default_catalog()
    predecessors: dict[str, list[str]] = {node.id: [] for node in graph.nodes}
    successors: dict[str, list[str]] = {node.id: [] for node in graph.nodes}
    for edge in graph.edges:
        successors[edge.source].append(edge.target)
        predecessors[edge.target].append(edge.source)
    order = _topological_order(graph, predecessors, successors)
    ranks: dict[str, int] = {}
    nodes: dict[str, PlannedNode] = {}
    by_id = {node.id: node for node in graph.nodes}
    for node_id in reversed(order):  # successors first, for the ranks
        node = by_id[node_id]
        kind = KINDS[node.kind]
        config = kind.parse_config(node.config)
        route = None
        if kind.calls_model:
            route = _flagship_route(catalog) if flagship_only else _route(config, catalog, _outcomes(node, history))
        ranks[node_id] = (route is not None) + max((ranks[following] for following in successors[node_id]), default=0)
        # A name a template reads that is no node's (a Jinja global such as `range`) is not an input.
        reads = tuple(sorted((set(predecessors[node_id]) | template_references(node)) & by_id.keys()))
        nodes[node_id] = PlannedNode(node, kind, config, tuple(predecessors[node_id]), tuple(successors[node_id]),
                                     reads, ranks[node_id], route)
    ordered = {node_id: nodes[node_id] for node_id in order}
    return MissionPlan(graph, MappingProxyType(ordered), tuple(order), catalog, provider,
                       MappingProxyType(input_fields(graph.nodes)))


def node_signature(kind: str, config: Mapping[str, Any], upstream_outputs: Mapping[str, Any],
                   produced_by: Any = None) -> str:
    """A hash of a node's kind, config, the outputs it reads and how a model would produce it."""
    payload = json.dumps([kind, config, upstream_outputs, produced_by], sort_keys=True, ensure_ascii=False,
                         default=str, separators=(',', ':'))
    return hashlib.sha256(payload.encode()).hexdigest()


def _outcomes(node: Node, history: RoutingHistory | None) -> Sequence[NodeOutcome]:
    return history.get(route_key(node.kind, node.config), ()) if history else ()


def _route(config: Any, catalog: Catalog, outcomes: Sequence[NodeOutcome] = ()) -> Route:
    if config.tier == 'auto':
        from .router import route_task  # only graphs using `auto` pay for loading the router
        decision = route_task(config.prompt, config.system, config.output_schema)
        tier, reason = decision.tier, decision.reason
        learned, why = learned_start(tier, outcomes)
        if why:
            reason = f'tier {learned}: {why}; the router said {reason}'
            tier = learned
    else:
        tier, reason = config.tier, None
    models = {level: catalog.models(level) for level in range(tier, 0, -1)}
    if config.model:
        models[tier] = (catalog.entry(config.model),)  # the catalog's entry when it lists the model: its price
    return Route(tier, reason, MappingProxyType(models))


FLAGSHIP_ONLY_REASON = 'flagship only: every agent runs on tier 1'


def _flagship_route(catalog: Catalog) -> Route:
    # The router is not consulted: the point is to run what the router would have saved on.
    return Route(1, FLAGSHIP_ONLY_REASON, MappingProxyType({1: catalog.models(1)}))


def _topological_order(graph: Graph, predecessors: dict[str, list[str]], successors: dict[str, list[str]]) -> list[str]:
    waiting = {node_id: len(ids) for node_id, ids in predecessors.items()}
    ready = [node.id for node in graph.nodes if not waiting[node.id]]
    order = []
    while ready:
        node_id = ready.pop()
        order.append(node_id)
        for following in successors[node_id]:
            waiting[following] -= 1
            if not waiting[following]:
                ready.append(following)
    return order
