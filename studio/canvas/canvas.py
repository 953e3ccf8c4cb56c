"""The canvas element: Vue Flow showing a graph that Python owns (README.md is the contract)."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nicegui import core, ui
from nicegui.awaitable_response import AwaitableResponse
from nicegui.element import Element

BUNDLE = Path(__file__).parent / 'dist' / 'index.js'
# The events the canvas emits: one home, read by the bundle too (src/events.json).
EVENTS: tuple[str, ...] = tuple(json.loads((Path(__file__).parent / 'src' / 'events.json').read_text()))


# What `load` leaves out of a view node when its value is this (the browser takes the same default), and
# an edge whose id is the usual one goes as [source, target]: 2,400 nodes and 4,967 edges were 817 KB.
NODE_DEFAULTS: dict[str, Any] = {'problems': [], 'has_inputs': True, 'has_outputs': True, 'tier': None, 'model': None,
                                 'state': None}


def _compact_node(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if key not in NODE_DEFAULTS or value != NODE_DEFAULTS[key]}


def _compact_edge(edge: dict[str, Any]) -> dict[str, Any] | list[str]:
    source, target = edge['source'], edge['target']
    return [source, target] if edge.keys() == {'id', 'source', 'target'} and edge['id'] == f'{source}->{target}' else edge


class Canvas(Element, component='canvas.js', esm={'swarm-canvas': 'dist'}, default_classes='swarm-canvas-element'):

    def __init__(self) -> None:
        """Canvas

        A node-editor canvas (Vue Flow) with a background grid, zoom controls and a minimap.
        Python owns the graph: the browser shows what `load` and `apply` send and reports what
        the user did as events (`EVENTS`; subscribe with `canvas.on(name, handler)`, the payload
        is `e.args`; a name the canvas never emits is refused, so a typo cannot go unnoticed).
        Size it from the page, e.g. `.style('height: 70vh')`.
        """
        if not BUNDLE.is_file():
            raise RuntimeError(f'The canvas bundle {BUNDLE} is missing; run scripts/setup.sh to build it.')
        super().__init__()
        self.style('width: 100%; height: 600px')
        self._pending_states: dict[str, dict[str, Any] | None] = {}
        self._preload_bundle()

    def _preload_bundle(self) -> None:
        # The bundle is imported by canvas.js, so a browser without it cached fetched it only once
        # canvas.js had arrived: ~0.1 s of a first open spent waiting. A modulepreload asks for it
        # with the page's other scripts. (NiceGUI's import map names it; this is the same URL.)
        from nicegui import __version__, dependencies
        key = next((key for key, module in dependencies.esm_modules.items() if module.name == 'swarm-canvas'), None)
        request = self.client.request
        if key is None or request is None:
            return
        # As NiceGUI makes the prefix of its own URLs: percent-encoded, so a header cannot break out of the attribute.
        prefix = quote(request.headers.get('X-Forwarded-Prefix', ''), safe="/:@!$&'()*+,;=%") + request.scope.get('root_path', '')
        url = html.escape(f'{prefix}/_nicegui/{__version__}/esm/{key}/index.js')
        ui.add_head_html(f'<link rel="modulepreload" href="{url}">')

    def on(self, type: str, *args: Any, **kwargs: Any) -> Canvas:  # noqa: A002 (NiceGUI's name)
        if type not in EVENTS:
            raise ValueError(f'the canvas emits no "{type}" event; it emits: {", ".join(EVENTS)}')
        return super().on(type, *args, **kwargs)

    def set_quick_add(self, items: list[dict[str, Any]]) -> None:
        """What quick add offers (double click, Space/Tab, "Add a node here…", an edge dropped on empty canvas).

        :param items: `{"id", "label", "group", "icon", "detail", "has_inputs", "has_outputs"}`, in the order
            shown; items of the group `Nodes` are node kinds (the only ones offered for a dropped edge)
        """
        self._props['quick-add'] = list(items)
        self.update()

    def load(self, nodes: list[dict[str, Any]], edges: list[dict[str, Any]],
             annotations: list[dict[str, Any]] | None = None) -> AwaitableResponse:
        """Replace everything on the canvas and fit the view (for opening a graph).

        :param nodes: view nodes (README.md, "View data")
        :param edges: view edges
        :param annotations: view annotations (sticky notes and groups)
        :return: awaitable; resolves once the browser has laid the graph out
        """
        self._pending_states.clear()
        return self.run_method('load', [_compact_node(node) for node in nodes], [_compact_edge(edge) for edge in edges],
                               annotations or [], timeout=30)

    def apply(self, ops: list[dict[str, Any]]) -> AwaitableResponse:
        """Apply a batch of deltas in one message.

        Ops: `{"op": "add_node", "node"}`, `{"op": "update_node", "id", "changes"}`,
        `{"op": "remove_node", "id"}`, `{"op": "add_edge", "edge"}`, `{"op": "remove_edge", "id"}`.
        Adds run before removals; an add of an existing id updates it, a removal of an unknown id
        is ignored.

        :param ops: the deltas, in order
        :return: awaitable; resolves once the browser has applied them
        """
        return self.run_method('apply', ops, timeout=10)

    def select(self, node_ids: list[str]) -> None:
        """Make exactly these nodes the selection (an empty list clears it).

        :param node_ids: ids of the nodes to select
        """
        self.run_method('select', list(node_ids))

    def fit_view(self) -> AwaitableResponse:
        """Zoom and pan so that the whole graph is visible, unless its cards would be too small to
        read: then the view shows it at the smallest readable zoom from its left, and the rest is a pan away.
        """
        return self.run_method('fit_view', timeout=10)

    def reveal(self, node_ids: list[str]) -> AwaitableResponse:
        """Pan, at the same zoom, so that these nodes are in view (nothing moves if they are).

        :param node_ids: ids of the nodes to bring into view
        """
        return self.run_method('reveal', list(node_ids), timeout=10)

    def flash_path(self, node_ids: list[str]) -> None:
        """Highlight a path of nodes, and the edges between consecutive ones, for about 2 s.

        :param node_ids: the path, e.g. a refused cycle `["plan", "merge", "plan"]`
        """
        self.run_method('flash_path', list(node_ids))

    def set_states(self, states: dict[str, dict[str, Any] | None]) -> None:
        """Show run states; edges into a `running` node animate.

        Calls within one event-loop tick are merged into one message, so an engine can report
        every event as it happens.

        :param states: `{node_id: {"state", "label", "tier", "model", "cost"}}` (any subset of the
            keys; `"state": None`, or None instead of the dict, clears the node's run display)
        """
        flush_scheduled = bool(self._pending_states)
        for node_id, change in states.items():
            pending = self._pending_states.get(node_id, {})
            if change is None or ('state' in change and change['state'] is None):
                self._pending_states[node_id] = None
            elif pending is None and 'state' not in change:
                pass  # details of a cleared run display: nothing to show until a state comes
            else:
                self._pending_states[node_id] = {**(pending or {}), **change}
        if not flush_scheduled and self._pending_states:
            if core.is_loop_running():
                core.loop.call_soon(self._flush_states)
            else:
                self._flush_states()

    def _flush_states(self) -> None:
        states, self._pending_states = self._pending_states, {}
        if states and not self.is_deleted:
            self.run_method('set_states', states)

