"""`swarm-studio run … --queue [--wait]`: put a mission on the workers' queue, and follow it.

The graph is loaded, compiled and its inputs checked here, as for an in-process run, so a
mission that cannot run is refused before it is queued. The run is stored as `queued`, then
sent to the workers (storage/scale/queue.py). `--wait` follows the run's events on its Redis
Stream with the same progress display, and ends with the summary the worker published — the
one an in-process run prints — and the same exit code. If Redis loses the stream (a restart),
the follower learns the end from the database and prints the stored summary instead.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from nodes.costs import savings_text, total_text

from .errors import CommandError


def redis_url(explicit: str | None = None, what: str = '--queue') -> str:
    from storage.scale.state_store import REDIS_URL_VARIABLE
    url = explicit or os.environ.get(REDIS_URL_VARIABLE)
    if not url:
        raise CommandError(f'{what} needs Redis, the workers\' queue: set {REDIS_URL_VARIABLE}=redis://HOST:6379/0')
    return url


def redis_store(url: str) -> Any:
    import re

    from storage.scale.state_store import RedisStateStore
    store = RedisStateStore(url)
    if not store.ping():
        shown = re.sub(r'//[^@/]*@', '//…@', url)  # no password in a message
        raise CommandError(f'cannot reach Redis at {shown}: is redis-server running there?')
    return store


def queue_run(args: argparse.Namespace, database: Any, graph: Any, recorder: Any, simulated: bool,
              inputs: dict[str, Any], display: Any) -> int:
    """Enqueue the checked mission; with `--wait`, follow it to its end. The exit code."""
    from storage.scale.mission_task import mission_request
    from storage.scale.queue import enqueue_mission
    from storage.scale.queued_runs import cancel_queued, enqueue_run
    from storage.scale.run_starts import announce
    url = redis_url()
    store = redis_store(url)
    where = dict(graph_id=recorder.graph_id, graph_version_id=recorder.graph_version_id, source=recorder.source)
    run_id = enqueue_run(database, graph_name=graph.name, node_count=len(graph.nodes), simulated=simulated,
                         inputs=inputs, budget_usd=args.budget, **where)
    request = mission_request(run_id, graph, inputs, simulated=simulated, latency_ms=args.latency_ms,
                              budget_usd=args.budget, **where)
    try:
        enqueue_mission(url, request)
    except Exception as error:  # the broker refused or went away: the run must not stay queued
        cancel_queued(database, run_id)
        raise CommandError(f'the mission could not be queued ({type(error).__name__}: {error}); nothing was run') \
            from None
    announce(store, run_id, recorder.graph_id)  # an editor showing the graph follows it from now
    print(f'swarm-studio run: queued as run {run_id}; a worker will run it (swarm-studio worker)', file=sys.stderr)
    if not args.wait:
        if args.json:
            print(json.dumps({'run_id': run_id, 'status': 'queued'}))
        return 0
    display.start()
    try:
        summary, duration_s = follow_run(store, database, run_id, display)
    except KeyboardInterrupt:
        raise CommandError(f'stopped following run {run_id}; it goes on on a worker '
                           f'(swarm-studio cancel {run_id[:8]} stops it)') from None
    finally:
        display.stop()
    print(finish_text(summary, duration_s), file=sys.stderr)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
    return 0 if summary.get('status') == 'succeeded' else 1


def follow_run(store: Any, database: Any, run_id: str, subscriber: Any) -> tuple[dict[str, Any], float | None]:
    """Feed the run's events to `subscriber` until it ends; (its summary — the worker's, or the stored
    one —, its duration in seconds when the stream said)."""
    from storage.scale.follow import follow_run as follow
    finished = []

    def show(events: list[Any]) -> None:
        for event in events:
            if event.type == 'run_finished':
                finished.append(event.duration_s)
            subscriber(event)

    summary = follow(store, database, run_id, show)
    if summary is None:
        from storage.graphs import GraphRepository
        from storage.runs import RunRepository

        from .cli_runs import stored_summary
        summary = stored_summary(RunRepository(database), GraphRepository(database), run_id)
    return summary, finished[-1] if finished else None


def finish_text(summary: dict[str, Any], duration_s: float | None = None) -> str:
    """The line an in-process run ends with, from a summary (dict)."""
    nodes = summary.get('nodes') or {}
    if not nodes:
        return f'{summary.get("status")}: run {summary.get("run_id")}' + \
            (f' — {summary["error"]}' if summary.get('error') else '')
    done = sum(node['status'] == 'succeeded' for node in nodes.values())
    unpriced = len(summary.get('unpriced_nodes') or ())
    priced = summary.get('flagship_cost_usd') is not None
    flagship = f'${summary["flagship_cost_usd"]:.6f}' if priced else 'unknown'
    tokens = summary.get('tokens') or {'input': 0, 'output': 0}
    mode = 'simulated' if summary.get('simulated') else 'live'
    cost = total_text(f'${summary["cost_usd"]:.6f}', unpriced)
    return (f'{summary["status"]}: {done}/{len(nodes)} nodes succeeded, {cost} '
            f'(flagship-only {flagship}, {savings_text(summary.get("savings_pct") or 0.0, unpriced, priced)}), '
            f'{tokens["input"] + tokens["output"]} tokens, '
            f'{duration_s or summary.get("duration_s") or 0:.1f} s, {mode}, '
            f'run {summary["run_id"]}') + ''.join(f'\n  {node_id} failed: {node["error"]}'
                                                  for node_id, node in nodes.items() if node['status'] == 'failed')
