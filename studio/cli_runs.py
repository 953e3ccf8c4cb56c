"""The stored-run commands: `runs` (list), `show` (one run's summary) and `resume` (continue a
stopped run), so a command-line user can find a run and carry it on."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timezone
from pathlib import Path
from typing import Any

from nodes.costs import savings_text, total_text

from .errors import CommandError


def open_storage(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(database, runs, graphs) of the database `--db` names."""
    from storage.db import StorageError, connect
    from storage.graphs import GraphRepository
    from storage.runs import RunRepository
    try:
        database = connect(args.db)
    except StorageError as error:
        raise CommandError(str(error)) from None
    return database, RunRepository(database), GraphRepository(database)


def find_run(runs: Any, id_or_prefix: str) -> str:
    from storage.runs import RunNotFound
    try:
        return runs.find(id_or_prefix)
    except RunNotFound as error:
        raise CommandError(str(error)) from None


def runs_command(args: argparse.Namespace) -> int:
    from storage.graphs import GraphNotFound
    if args.limit < 1:
        raise CommandError(f'--limit must be 1 or more, not {args.limit}')
    _, runs, graphs = open_storage(args)
    source = None
    graph_id = None
    if args.graph:
        try:
            graph_id = graphs.find(args.graph)
        except GraphNotFound as error:
            path = Path(args.graph)
            if not path.is_file():
                raise CommandError(f'{error}; or give the path of a graph file that was run') from None
            source = str(path.resolve())
    rows = runs.list_runs(graph_id, limit=args.limit)
    if source is not None:
        rows = [row for row in rows if row.source == source]
    listed = [run_row(row) for row in rows]
    if args.json:
        print(json.dumps(listed, ensure_ascii=False))
        return 0
    if not listed:
        print('no runs yet' + (f' of {args.graph}' if args.graph else ''))
        return 0
    print(f'{"ID":<10}{"STATUS":<13}{"COST":>12}{"SAVED":>8}  {"STARTED":<20}{"TOOK":>8}  {"MODE":<10}GRAPH')
    for row in rows:
        cost = total_text(f'${row.cost_usd:.6f}', row.unpriced_nodes)
        saved = savings_text(row.savings_pct, row.unpriced_nodes, row.flagship_priced).removeprefix('saved ')
        took = f'{row.duration_s:.1f} s' if row.duration_s is not None else '—'
        mode = 'simulated' if row.simulated else 'live'
        print(f'{row.id[:8]:<10}{row.status:<13}{cost:>12}{saved:>8}  {_local_time(row.started_at):<20}'
              f'{took:>8}  {mode:<10}{row.graph_name or row.source}')
    return 0


def _local_time(moment: Any) -> str:
    if moment is None:
        return ''
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone().strftime('%Y-%m-%d %H:%M:%S')


def run_row(row: Any) -> dict[str, Any]:
    """One run as `runs --json` lists it."""
    started = row.started_at
    if started is not None and started.tzinfo is None:
        started = started.replace(tzinfo=timezone.utc)
    known = not row.unpriced_nodes and row.flagship_priced
    return {'id': row.id, 'graph': row.graph_name or row.source, 'graph_id': row.graph_id,
            'status': row.status, 'cost_usd': row.cost_usd, 'cost_complete': not row.unpriced_nodes,
            'savings_pct': row.savings_pct if known else None,
            'started_at': started.isoformat() if started else None, 'duration_s': row.duration_s,
            'simulated': row.simulated, 'resumed_from': getattr(row, 'resumed_from', None)}


def stored_summary(runs: Any, graphs: Any, run_id: str) -> dict[str, Any]:
    """A stored run's summary: what `run --json` printed for it, plus where it came from."""
    from storage.graphs import GraphNotFound
    from studio.run.export import run_export
    detail = runs.get_run(run_id)
    version = graph = None
    if detail.run.graph_version_id is not None:
        try:
            version, graph = graphs.get_version_by_id(detail.run.graph_version_id)
        except GraphNotFound:
            pass
    if graph is None:
        graph = _source_graph(detail.run.source)
    # A run of a file whose file is gone no longer says which nodes were its outputs.
    outputs = {node.id for node in graph.nodes if node.kind == 'output'} if graph is not None else set()
    document = run_export(detail, outputs, version.number if version is not None else None,
                          *runs.cost_gaps(run_id))
    document.pop('attempts')
    from studio.run.resume import chain_totals
    document['resumed'] = chain_totals(runs, run_id)
    return document


def _source_graph(source: str) -> Any:
    """The graph in the file a run was run from, if it is still there and still a graph."""
    from nodes.validation import GraphFileError, parse_graph
    try:
        return parse_graph(Path(source).read_bytes()) if source and source != '<stdin>' else None
    except (OSError, GraphFileError):
        return None


def show_command(args: argparse.Namespace) -> int:
    _, runs, graphs = open_storage(args)
    summary = stored_summary(runs, graphs, find_run(runs, args.run))
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return 0
    print(summary_text(summary))
    return 0


def summary_text(summary: dict[str, Any]) -> str:
    """A run summary for a person: its figures, then a line per node."""
    nodes = summary['nodes']
    done = sum(node['status'] == 'succeeded' for node in nodes.values())
    unpriced = len(summary['unpriced_nodes'])
    flagship = f'${summary["flagship_cost_usd"]:.6f}' if summary['flagship_cost_usd'] is not None else 'unknown'
    saved = savings_text(summary['savings_pct'] or 0.0, unpriced, summary['flagship_cost_usd'] is not None)
    graph = summary['graph']
    cost = f'${summary["cost_usd"]:.6f}'
    lines = [f'run {summary["run_id"]} of {graph["name"] or "?"}'
             + (f' (version {graph["version"]})' if graph.get('version') else ''),
             f'{summary["status"]}: {done}/{len(nodes)} nodes succeeded, '
             f'{total_text(cost, unpriced)} (flagship-only {flagship}, {saved}), '
             f'{summary["tokens"]["input"] + summary["tokens"]["output"]} tokens, '
             f'{summary["duration_s"] or 0:.1f} s, {"simulated" if summary["simulated"] else "live"}']
    resumed = summary.get('resumed')
    if resumed:
        lines.append(f'resumes run {resumed["from"]}: this part ${resumed["this_part_cost_usd"]:.6f}, '
                     f'the mission ${resumed["total_cost_usd"]:.6f} in {len(resumed["parts"])} parts')
    if summary.get('budget_usd') is not None:
        lines.append(f'budget ${summary["budget_usd"]:.6f}')
    for node_id, node in nodes.items():
        cost = 'unknown' if node['cost_usd'] is None else f'${node["cost_usd"]:.6f}'
        where = f' tier {node["tier"]} {node["model"]}' if node['model'] else ''
        lines.append(f'  {node_id}: {node["status"]}{where}, {cost}'
                     + (f' — {node["error"]}' if node['error'] else ''))
    return '\n'.join(lines)


def resume_command(args: argparse.Namespace) -> int:
    """Continue a stopped run: its succeeded nodes carried over, only what is left runs."""
    import asyncio
    import math

    from nodes.engine import InputError, MissionController, UnpricedModel
    from nodes.plan import InvalidGraphError, compile_graph
    from studio.run.resume import ResumeRefused, chain_totals, prepare

    from .cli_run import MAX_LATENCY_MS, Progress, choose_provider, run_mission

    if args.budget is not None and not (math.isfinite(args.budget) and args.budget >= 0):
        raise CommandError(f'--budget must be an amount of USD, 0 or more, not {args.budget}')
    if args.latency_ms is not None and not 0 <= args.latency_ms <= MAX_LATENCY_MS:
        raise CommandError(f'--latency-ms must be from 0 to {MAX_LATENCY_MS} (10 minutes), not {args.latency_ms}')
    database, runs, graphs = open_storage(args)
    run_id = find_run(runs, args.run)
    try:
        resumption = prepare(runs, graphs, run_id, args.budget)
    except ResumeRefused as error:
        raise CommandError(str(error)) from None
    # The part that is left runs the way the stopped run did: simulated stays simulated.
    args.simulate = resumption.simulated
    provider, catalog, notice = choose_provider(args, database)
    if provider.simulated != resumption.simulated:
        # `notice` names the keys that are missing.
        raise CommandError(f'run {run_id[:8]} ran live, and cannot go on simulated: '
                           f'{notice.replace(": running on the simulated provider", "")}; nothing was run')
    try:
        plan = compile_graph(resumption.graph, catalog, provider)
    except InvalidGraphError as error:
        raise CommandError(f'graph "{resumption.graph.name}" has problems: '
                           f'{"; ".join(problem.message for problem in error.problems)}') from None
    recorder = runs.recorder(resumption.graph_id, resumption.graph_version_id, resumed_from=run_id)
    display = Progress(resumption.graph.name, len(resumption.graph.nodes), provider.simulated, sys.stderr)
    remaining = None if resumption.budget_usd is None else resumption.budget_usd - resumption.earlier_cost_usd
    try:
        mission = MissionController(plan, budget_usd=remaining, pinned=resumption.pinned,
                                    subscribers=[recorder, display])
        mission.check_inputs(resumption.inputs)
    except (InputError, UnpricedModel) as error:
        raise CommandError(f'{error}; nothing was run') from None
    left = sum(1 for node in plan.nodes.values() if node.route is not None and node.id not in resumption.pinned)
    print(f'swarm-studio resume: run {run_id[:8]}: {len(resumption.pinned)} succeeded node'
          f'{"s" * (len(resumption.pinned) != 1)} carried over, '
          f'{left}'
          f' agent node{"s" * (left != 1)} left to run'
          + (f', simulated as run {run_id[:8]} was' if provider.simulated else ''), file=sys.stderr)
    summary = asyncio.run(run_mission(mission, resumption.inputs, display))
    display.finish(summary)
    totals = chain_totals(runs, summary.run_id)
    if totals is not None:
        print(f'mission so far: ${totals["total_cost_usd"]:.6f} in {len(totals["parts"])} parts '
              f'(this part ${totals["this_part_cost_usd"]:.6f}, earlier ${totals["earlier_cost_usd"]:.6f})',
              file=sys.stderr)
    if args.json:
        print(json.dumps({**summary.to_dict(), 'resumed': totals}, ensure_ascii=False, indent=2, default=str))
    return 0 if summary.status == 'succeeded' else 1


def estimate_command(args: argparse.Namespace) -> int:
    """What a mission will cost, per node and in total, before anything is called."""
    from nodes.engine import InputError, MissionController
    from nodes.estimate import estimate_plan_now
    from nodes.plan import InvalidGraphError, compile_graph
    from storage.routing_history import history_for

    from .cli_run import choose_provider, input_message, inputs_from_args, load_graph_argument

    args.latency_ms = 0
    database, _, _ = open_storage(args)
    named = load_graph_argument(args.graph, database)
    graph, label = named.graph, named.label
    provider, catalog, _ = choose_provider(args, database)
    try:
        # the tier each `auto` node would start at, learned from its escalations included
        plan = compile_graph(graph, catalog, provider, history=history_for(database, graph, provider.simulated))
    except InvalidGraphError as error:
        for problem in error.problems:
            print(f'{label}: {problem.message}', file=sys.stderr)
        raise CommandError(f'{label} has problems to fix before it can be estimated') from None
    try:
        mission = MissionController(plan)
        inputs = mission.check_inputs(inputs_from_args(args, mission.input_fields()))
    except InputError as error:
        raise CommandError(input_message(error)) from None
    estimate = estimate_plan_now(plan, inputs)
    if args.json:
        print(json.dumps(estimate.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(estimate_text(graph.name, estimate))
    return 0


def estimate_text(name: str, estimate: Any) -> str:
    def usd(value: Any) -> str:
        return 'unknown' if value is None else f'${float(value):.6f}'

    mode = 'simulated' if estimate.simulated else 'live'
    lines = [f'estimate of {name} ({mode}; nothing was called)',
             f'{"NODE":<16}{"TIER":<6}{"MODEL":<28}{"IN":>7}{"OUT":>7}{"EXPECTED":>13}{"HIGH":>13}  WHY']
    for node_id, node in estimate.nodes.items():
        why = node.reason or 'tier set on the node'
        lines.append(f'{node_id:<16}{node.tier:<6}{node.model or "?":<28}{node.input_tokens:>7}{node.output_tokens:>7}'
                     f'{usd(node.expected_usd):>13}{usd(node.high_usd):>13}  {why}')
    unpriced = estimate.unpriced_nodes
    lines.append(f'total: expected {usd(estimate.expected_usd)} (low {usd(estimate.low_usd)}, high '
                 f'{usd(estimate.high_usd)} with every retry and escalation)'
                 + (f', {len(unpriced)} node{"s" * (len(unpriced) != 1)} unpriced' if unpriced else ''))
    lines.append(f'flagship-only {usd(estimate.flagship_usd)}: expected saving {estimate.savings_pct:.1f}%')
    return '\n'.join(lines)
