"""A one-page NiceGUI app around the canvas element, for the browser tests and the benchmark.

It plays the editor's part of the contract (studio/canvas/README.md) and nothing more: it opens
a graph, accepts a drawn edge through the live cycle check (`nodes.dag.LiveDag`) or refuses it
and flashes the cycle, deletes what the Delete key reports (except the input node, so a test
can tell that the browser deletes nothing by itself), and shows every event it receives
in a log on the page. Tests drive the Python → browser calls through `POST /harness/<method>`
and read what reached Python from `GET /harness/events`.

    python tests/browser/canvas_page.py --port 8123
    open http://127.0.0.1:8123/ (the demo graph) or /?generate=2400 (benchmarks/generate.py's graph);
    add `dark=true` for dark mode
"""
from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from fastapi import Request  # noqa: E402
from nicegui import app, ui  # noqa: E402

from nodes.dag import LiveDag  # noqa: E402
from nodes.graph import Edge, Graph, Node, Position  # noqa: E402
from nodes.kinds import get_kind  # noqa: E402
from nodes.validation import validate_graph  # noqa: E402
from studio.canvas import Canvas  # noqa: E402
from studio.theme import TAILWIND, link_stylesheet  # noqa: E402

# NOTE: test_canvas.py asserts this exact text is shown.

MARKUP_TITLE = '<b>x</b><script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def demo_graph() -> Graph:
    """brief → plan → extract → merge → result, and a loose agent whose title is markup."""
    def agent(node_id: str, title: str, x: int, y: int, **config: Any) -> Node:
        return Node(id=node_id, kind='agent', title=title, position=Position(x=x, y=y),
                    config={'prompt': f'Work on {{{{ brief.topic }}}} as {node_id}.', **config})
    nodes = [
        Node(id='brief', kind='input', title='Brief', position=Position(x=0, y=100),
             config={'fields': [{'name': 'topic', 'type': 'string'}]}),
        agent('plan', 'Plan the work', 280, 0, tier=1, model='gpt-4o'),
        agent('extract', 'Extract facts', 560, 100, tier=3),
        agent('merge', 'Merge', 840, 0, tier=2, prompt='Merge {{ nowhere }}'),
        Node(id='result', kind='output', title='Result', position=Position(x=1120, y=100)),
        agent('markup', MARKUP_TITLE, 280, 260, tier='auto'),
    ]
    edges = [Edge(source=s, target=t) for s, t in
             (('brief', 'plan'), ('plan', 'extract'), ('extract', 'merge'), ('merge', 'result'))]
    return Graph(name='Canvas harness', nodes=nodes, edges=edges)


def view_node(node: Node, problems: list[str]) -> dict[str, Any]:
    kind = get_kind(node.kind)
    return {'id': node.id, 'kind': node.kind, 'title': node.title, 'x': node.position.x, 'y': node.position.y,
            'icon': kind.icon, 'tier': node.config.get('tier'), 'model': node.config.get('model'),
            'problems': problems, 'has_inputs': kind.has_inputs, 'has_outputs': kind.has_outputs}


def view_edge(source: str, target: str) -> dict[str, str]:
    return {'id': f'{source}->{target}', 'source': source, 'target': target}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, required=True)
    args = parser.parse_args()

    @functools.cache
    def open_graph(generate: int) -> Graph:
        if not generate:
            return demo_graph()
        sys.path.insert(0, str(ROOT / 'benchmarks'))
        from generate import generate_graph
        return generate_graph(generate)

    events: list[dict[str, Any]] = []
    canvases: list[Canvas] = []

    @ui.page('/')
    def page(generate: int = 0, dark: bool = False) -> None:
        if dark:
            ui.dark_mode(True)  # as studio/theme.py's auto dark mode does when the system is dark
        graph = open_graph(generate)
        events.clear()  # one test, one page: the log starts empty
        dag = LiveDag((node.id for node in graph.nodes), ((edge.source, edge.target) for edge in graph.edges))
        inputs = {node.id for node in graph.nodes if node.kind == 'input'}
        problems: dict[str, list[str]] = {}
        for problem in validate_graph(graph):
            if problem.node_id:
                problems.setdefault(problem.node_id, []).append(problem.message)

        canvas = Canvas().style('height: 80vh')
        canvases.append(canvas)
        message = ui.label().classes('harness-message')
        log = ui.log(max_lines=50).classes('harness-log').style('height: 10rem')

        def record(name: str, payload: Any) -> None:
            events.append({'event': name, 'args': payload})
            log.push(f'{name} {json.dumps(payload)}')

        def on_connect(e) -> None:
            record('connect', e.args)
            source, target = e.args['source'], e.args['target']
            if dag.has_edge(source, target):
                message.set_text(f'{source} → {target} exists already.')
                return
            cycle = dag.add_edge(source, target)
            if cycle:
                message.set_text(f'Refused: would close a cycle: {" → ".join(cycle)}')
                canvas.flash_path(cycle)
            else:
                message.set_text(f'Connected {source} → {target}.')
                canvas.apply([{'op': 'add_edge', 'edge': view_edge(source, target)}])

        def on_delete(e) -> None:
            record('delete', e.args)
            ops = []
            for edge_id in e.args['edges']:
                source, target = edge_id.split('->')
                dag.remove_edge(source, target)
                ops.append({'op': 'remove_edge', 'id': edge_id})
            for node_id in e.args['nodes']:
                if node_id in inputs:
                    message.set_text('The input node stays: a mission needs its inputs.')
                    continue
                dag.remove_node(node_id)
                ops.append({'op': 'remove_node', 'id': node_id})
            canvas.apply(ops)

        canvas.on('connect', on_connect)
        canvas.on('delete', on_delete)
        for name in ('move', 'selection', 'drop', 'key', 'node_click', 'menu'):
            canvas.on(name, lambda e, name=name: record(name, e.args))
        canvas.load([view_node(node, problems.get(node.id, [])) for node in graph.nodes],
                    [view_edge(edge.source, edge.target) for edge in graph.edges])

    @app.post('/harness/{method}')
    async def call(method: str, request: Request) -> dict[str, Any]:
        """Call a Canvas method on the newest page, e.g. `POST /harness/apply` with `[ops]`."""
        if method not in ('load', 'apply', 'select', 'fit_view', 'reveal', 'flash_path', 'set_states'):
            return {'error': f'unknown method {method}'}
        result = getattr(canvases[-1], method)(*await request.json())
        if result is not None:
            result = await result
        return {'result': result}

    @app.get('/harness/events')
    def get_events() -> list[dict[str, Any]]:
        return events

    link_stylesheet()  # styled as the app's pages are
    ui.run(port=args.port, show=False, reload=False, title='Canvas harness', tailwind=TAILWIND)


if __name__ == '__main__':
    main()
