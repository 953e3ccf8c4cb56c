"""Run one node: test a single node with its upstream outputs taken from the shown run (or its
pins), without running the rest of the mission.

The run is of the graph's sub-graph made of the node and everything upstream of it; every
upstream node is carried over with the output it had (a pin wins over the shown run's output),
so only the node itself calls a model. Nothing downstream runs. It is stored as a run of the
graph like any other (History lists it, with its one node run and the carried ones).
"""
from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from nicegui import run, ui

from nodes.graph import Graph
from storage.db import StorageError
from storage.runs import RunNotFound

from .missions import RunRefused


def upstream_of(graph: Graph, node_id: str) -> set[str]:
    """Every node `node_id` reads from, directly or not."""
    sources: dict[str, list[str]] = {}
    for edge in graph.edges:
        sources.setdefault(edge.target, []).append(edge.source)
    seen: set[str] = set()
    stack = list(sources.get(node_id, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(sources.get(current, ()))
    return seen


def one_node_graph(graph: Graph, node_id: str) -> Graph:
    """The sub-graph a run of `node_id` alone needs: it and everything upstream of it."""
    kept = upstream_of(graph, node_id) | {node_id}
    return graph.model_copy(update={
        'nodes': [node for node in graph.nodes if node.id in kept],
        'edges': [edge for edge in graph.edges if edge.source in kept and edge.target in kept]})


def carried_outputs(graph: Graph, node_id: str, outputs: dict[str, Any],
                    pins: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(upstream node id -> the output it is carried with, upstream nodes that have none)."""
    carried, missing = {}, []
    for upstream in sorted(upstream_of(graph, node_id)):
        if upstream in pins:
            carried[upstream] = pins[upstream]
        elif upstream in outputs:
            carried[upstream] = outputs[upstream]
        else:
            missing.append(upstream)
    return carried, missing


async def run_one(control: Any, node_id: str) -> None:
    """Start the run of one node for an editor page (`RunControl`); say in a notification why not."""
    view, missions = control.view, control.missions
    shown = view.shown
    if shown is not None and shown.running:
        ui.notify('A run is going; wait for it to finish, then run the node.', type='warning')
        return
    outputs: dict[str, Any] = {}
    inputs = missions.remembered(view.graph_id).inputs
    if shown is not None:
        try:
            past = await run.io_bound(missions.runs.get_run, shown.run_id)
        except (RunNotFound, StorageError) as error:
            ui.notify(str(error), type='negative')
            return
        outputs = {row_id: json.loads(row.output) for row_id, row in past.nodes.items()
                   if row.status == 'succeeded' and row.output is not None}
        inputs = json.loads(past.run.inputs)
    saved = await control.saved_graph()
    if isinstance(saved, str):
        ui.notify(saved, type='negative')
        return
    version, graph = saved
    if node_id not in {node.id for node in graph.nodes}:
        ui.notify(f'node "{node_id}" is not in the saved graph', type='negative')
        return
    carried, missing = carried_outputs(graph, node_id, outputs, view.pinned)
    if missing:
        ui.notify(f'{", ".join(missing)} {"has" if len(missing) == 1 else "have"} no output to give {node_id}: run the '
                  'mission (or open a run from History) first, or pin a value.', type='warning', multi_line=True)
        return
    request = replace(missions.remembered(view.graph_id), inputs=inputs)
    try:
        await missions.start(view.graph_id, version.id, one_node_graph(graph, node_id), request, carried=carried)
    except RunRefused as refusal:
        ui.notify(str(refusal), type='negative', multi_line=True)
