"""The mission commands: `run` (execute a graph, with a progress display) and `route`."""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nodes.costs import savings_text, total_text

from .cli import CommandError
from .cli_graphs import read_source

MAX_LATENCY_MS = 600_000


def run_command(args: argparse.Namespace) -> int:
    # Everything loaded before the run (modules, litellm's price table, the graph) lives until the
    # process ends: the collector would only re-scan it. It is frozen and turned on for the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_command(args)
    finally:
        if collecting:
            gc.enable()


def _run_command(args: argparse.Namespace) -> int:
    from nodes.engine import InputError, MissionController, UnpricedModel
    from nodes.plan import InvalidGraphError, compile_graph
    from storage.db import StorageError, connect
    from storage.routing_history import history_for
    from storage.runs import RunRepository

    if args.latency_ms is not None and not 0 <= args.latency_ms <= MAX_LATENCY_MS:
        raise CommandError(f'--latency-ms must be from 0 to {MAX_LATENCY_MS} (10 minutes), not {args.latency_ms}')
    if args.budget is not None and not (math.isfinite(args.budget) and args.budget >= 0):
        raise CommandError(f'--budget must be an amount of USD, 0 or more, not {args.budget}')
    if getattr(args, 'wait', False) and not args.queue:
        raise CommandError('--wait follows a queued run: use it with --queue')
    if getattr(args, 'queue', False):
        from .cli_queue import redis_url
        redis_url()  # refused before anything is loaded
    try:
        database = connect(args.db)
        runs = RunRepository(database)
    except StorageError as error:
        raise CommandError(str(error)) from None
    graph, label, recorder = _load_graph(args, database, runs)
    provider, catalog, notice = choose_provider(args, database)
    try:
        plan = compile_graph(graph, catalog, provider, history=history_for(database, graph, provider.simulated))
    except InvalidGraphError as error:
        for problem in error.problems:
            print(f'{label}: {problem.message}', file=sys.stderr)
        refusal = (f'{label} has problems to fix before it can run' if label.startswith('graph "')
                   else f'{label} is not a valid graph file')
        raise CommandError(f'{refusal}; nothing was run') from None
    display = Progress(graph.name, len(graph.nodes), provider.simulated, sys.stderr)
    try:
        mission = MissionController(plan, budget_usd=args.budget, subscribers=[recorder, display])
        inputs = inputs_from_args(args, mission.input_fields())
        mission.check_inputs(inputs)
    except InputError as error:
        raise CommandError(input_message(error)) from None
    except UnpricedModel as error:
        raise CommandError(f'{error}; nothing was run') from None
    if notice:
        print(f'swarm-studio run: {notice}', file=sys.stderr)
    if getattr(args, 'queue', False):
        from .cli_queue import queue_run
        return queue_run(args, database, graph, recorder, provider.simulated, inputs, display)
    # Keep the collector from re-scanning what is loaded by now during the run (a quarter of a
    # large run's time), and from running while the start-up allocated it.
    gc.freeze()
    gc.enable()
    summary = asyncio.run(run_mission(mission, inputs, display))
    display.finish(summary)
    if args.json:
        print(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, default=str))
    if recorder.lost:  # the mission ran, but what is stored of it is not the whole run
        print(f'swarm-studio run: {recorder.lost}; the stored run says failed', file=sys.stderr)
        return 1
    return 0 if summary.status == 'succeeded' else 1


async def run_mission(mission: Any, inputs: dict[str, Any], display: Progress) -> Any:
    loop = asyncio.get_running_loop()
    try:  # Ctrl-C or a SIGTERM ends the run as `cancelled`, with its record
        loop.add_signal_handler(signal.SIGINT, mission.cancel)
        loop.add_signal_handler(signal.SIGTERM, mission.cancel)
    except (NotImplementedError, RuntimeError):
        pass
    display.start()
    try:
        return await mission.run(inputs)
    finally:
        display.stop()
        try:
            loop.remove_signal_handler(signal.SIGINT)
            loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError):
            pass


@dataclass(frozen=True)
class GraphArgument:
    """The graph a command line names: a file (or `-`, stdin), or a stored graph by name or id."""
    graph: Any
    label: str  # its name in messages: the path, or graph "Name"
    graph_id: str | None = None  # a stored graph's, with the version that is current
    version_id: int | None = None
    source: str = ''  # a file's absolute path (`<stdin>` for -)


def load_graph_argument(name: str, database: Any) -> GraphArgument:
    """The graph `name` names, its structure checked; its semantic checks are left to
    `compile_graph`, which makes them once (a stored graph may be a work in progress)."""
    from storage.graphs import GraphNotFound, GraphRepository
    path = Path(name)
    if name == '-' or path.is_file() or path.suffix == '.json':
        return GraphArgument(graph_from_text(read_source(name), name), name,
                             source='<stdin>' if name == '-' else str(path.resolve()))
    graphs = GraphRepository(database)
    try:
        graph_id = graphs.find(name)
        graph = graphs.get(graph_id)
        version_id = graphs.current_version(graph_id).id
    except GraphNotFound as error:
        raise CommandError(f'{error}; or give the path of a graph file') from None
    return GraphArgument(graph, f'graph "{graph.name}"', graph_id, version_id)


def _load_graph(args: argparse.Namespace, database: Any, runs: Any) -> tuple[Any, str, Any]:
    """(the graph to run, its name for messages, the recorder that stores its run)."""
    named = load_graph_argument(args.graph, database)
    recorder = runs.recorder(graph_id=named.graph_id, graph_version_id=named.version_id) if named.graph_id \
        else runs.recorder(source=named.source)
    return named.graph, named.label, recorder


def graph_from_text(text: bytes, label: str) -> Any:
    """The graph in a file, its structure checked; its problems one line each, then a `CommandError`."""
    from nodes.validation import GraphFileError, parse_graph
    try:
        return parse_graph(text)
    except GraphFileError as error:
        for problem in error.problems:
            print(f'{label}: {problem.message}', file=sys.stderr)
        raise CommandError(f'{label} is not a valid graph file; nothing was run') from None


def choose_provider(args: argparse.Namespace, database: Any) -> tuple[Any, Any, str | None]:
    """(provider, catalog, what to tell the user about it)."""
    from nodes.catalog import CatalogError
    from nodes.providers.simulated import SimulatedProvider
    from storage.settings import stored_catalog
    try:
        catalog = stored_catalog(database)
    except CatalogError as error:
        raise CommandError(str(error)) from None
    simulated = SimulatedProvider(latency_ms=args.latency_ms)
    if args.simulate:
        return simulated, catalog, 'running on the simulated provider (--simulate)'
    unusable = catalog.unusable_tiers()
    if len(unusable) == 3:
        keys = sorted({name for names in unusable.values() for name in names})
        hint = f' (set {", ".join(keys[:-1])} or {keys[-1]} to run live)' if len(keys) > 1 else \
            f' (set {keys[0]} to run live)' if keys else ''
        return simulated, catalog, f'no provider key found: running on the simulated provider{hint}'
    if unusable:
        tier, keys = next(iter(sorted(unusable.items())))
        return simulated, catalog, (f'no key for any tier-{tier} model (set {" or ".join(keys)}): '
                                    'running on the simulated provider')
    from nodes.providers.live import LiveProvider
    note = '--latency-ms applies to simulated runs only; ignored' if args.latency_ms is not None else None
    return LiveProvider(), catalog.usable(), note


def inputs_from_args(args: argparse.Namespace, fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.inputs:
        from nodes.validation import parse_document
        values, problems = parse_document(args.inputs)  # the graph file's bounds: depth, numbers, text
        if problems:
            raise CommandError(f'--inputs: {problems[0].message.replace("the file", "the value")}')
        if not isinstance(values, dict):
            raise CommandError('--inputs must be a JSON object, like {"company": "Acme"}')
    for item in args.input:
        name, equals, text = item.partition('=')
        if not equals or not name:
            raise CommandError(f'--input takes KEY=VALUE, not "{item}"')
        field = fields.get(name)
        values[name] = _coerce(name, text, field.type) if field is not None else text
    return values


def _coerce(name: str, text: str, field_type: str) -> Any:
    """A command-line value as the input field's type."""
    from nodes.kinds.input import TYPE_NAMES, value_from_text
    try:
        return value_from_text(text, field_type)
    except ValueError:
        raise CommandError(f'--input {name}: "{text}" is not {TYPE_NAMES[field_type]}') from None


def input_message(error: Any) -> str:
    message = '; '.join(error.problems)
    if any(problem.startswith('missing input') for problem in error.problems):
        message += ' — pass it with --input NAME=VALUE or --inputs JSON'
    return message


class Progress:
    """The run's progress on stderr: a live line on a terminal, else one line at the end.

    It is an engine subscriber: it only counts; rich redraws from the counts on its own clock.
    """

    def __init__(self, name: str, node_count: int, simulated: bool, stream: Any) -> None:
        self.name = name
        self.node_count = node_count
        self.simulated = simulated
        self.stream = stream
        self.done = 0
        self.failed = 0
        self.running: dict[str, None] = {}
        self.cost = 0.0
        self.flagship = 0.0
        self.savings = 0.0
        self.unpriced = 0
        self.flagship_priced = True
        self.started = time.monotonic()
        self.live: Any = None

    def __call__(self, event: Any) -> None:
        kind = event.type
        if kind == 'node_started':
            self.running[event.node_id] = None
        elif kind in ('node_succeeded', 'node_failed', 'node_skipped', 'node_cancelled'):
            self.done += 1
            self.failed += kind == 'node_failed'
            self.running.pop(event.node_id, None)
        elif kind == 'cost_updated':
            self.cost, self.flagship, self.savings = float(event.cost_usd), float(event.flagship_cost_usd), \
                event.savings_pct
            self.unpriced, self.flagship_priced = event.unpriced_nodes, event.flagship_priced

    def start(self) -> None:
        if not self.stream.isatty():
            return
        from rich.console import Console
        from rich.live import Live
        self.live = Live(self, console=Console(file=self.stream), refresh_per_second=8, transient=True)
        self.live.start()

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def __rich__(self) -> Any:
        from rich.text import Text
        running = ', '.join(list(self.running)[:3]) + (' …' if len(self.running) > 3 else '')
        line = Text()
        if self.simulated:
            line.append('[simulated] ', style='yellow')
        line.append(f'{self.name} ', style='bold')
        line.append(f'{self.done}/{self.node_count} nodes ')
        line.append(total_text(f'${self.cost:.6f}', self.unpriced) + ' ', style='green')
        saved = savings_text(self.savings, self.unpriced, self.flagship_priced)
        line.append(f'(flagship ${self.flagship:.6f}, {saved}) ')
        if self.failed:
            line.append(f'{self.failed} failed ', style='red')
        if running:
            line.append(f'running: {running}', style='dim')
        return line

    def finish(self, summary: Any) -> None:
        done = sum(result.status == 'succeeded' for result in summary.nodes.values())
        mode = 'simulated' if summary.simulated else 'live'
        unpriced = len(summary.unpriced_nodes)
        flagship = f'${float(summary.flagship_cost_usd):.6f}' if summary.flagship_priced else 'unknown'
        print(f'{summary.status}: {done}/{len(summary.nodes)} nodes succeeded, '
              f'{total_text(f"${float(summary.cost_usd):.6f}", unpriced)} '
              f'(flagship-only {flagship}, {savings_text(summary.savings_pct, unpriced, summary.flagship_priced)}), '
              f'{summary.input_tokens + summary.output_tokens} tokens, {summary.duration_s:.1f} s, {mode}, '
              f'run {summary.run_id}', file=self.stream)
        if unpriced or not summary.flagship_priced:
            print(f'swarm-studio run: warning: {_unpriced_warning(summary)}', file=self.stream)
        for node_id, result in summary.nodes.items():
            if result.status == 'failed':
                print(f'  {node_id} failed: {result.error}', file=self.stream)


def _unpriced_warning(summary: Any) -> str:
    from nodes.catalog import HOW_TO_PRICE
    parts = []
    if summary.unpriced_nodes:
        models = sorted({attempt.model for node_id in summary.unpriced_nodes
                         for attempt in summary.nodes[node_id].attempts if not attempt.priced})
        count = len(summary.unpriced_nodes)
        parts.append(f'{count} node{"s" * (count != 1)} ran on unpriced models ({", ".join(models)}): '
                     f'the cost shown is a lower bound')
    if not summary.flagship_priced:
        parts.append('the flagship (tier-1 primary) is unpriced: savings are unknown')
    return '; '.join(parts) + f'; to price a model, {HOW_TO_PRICE}'


def route_command(args: argparse.Namespace) -> int:
    try:
        from nodes.router import route_task
    except ImportError:
        raise CommandError('the tier router is not available in this build') from None
    tasks = [line for line in sys.stdin.read().splitlines() if line.strip()] if args.text == '-' else [args.text]
    if not tasks:
        raise CommandError('no task given: pass the task as TEXT, or - with one task a line on standard input')
    for task in tasks:
        decision = route_task(task)
        if args.json:
            print(json.dumps({'tier': decision.tier, 'confidence': round(decision.confidence, 2), 'reason': decision.reason},
                             ensure_ascii=False))
        else:
            reason = decision.reason
            print(reason if reason.startswith(f'tier {decision.tier}') else f'tier {decision.tier}: {reason}')
    return 0
