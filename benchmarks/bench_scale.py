"""Scale out: missions per minute in-process vs on 1 and 2 Celery workers; a worker's events to the page; memory.

    .venv/bin/python benchmarks/bench_scale.py [--missions 200] [--latency-ms 300] [--concurrency 4]

Starts a throwaway redis-server and PostgreSQL (tests/servers.py; `--sqlite` for SQLite files), a
fresh database for each way of running. Every mission is the research example on the simulated
provider, every call `--latency-ms`.
- in-process: `--concurrency` missions at once on one event loop, each with its run recorder —
  today's path (the local state store adds nothing) — and the same with the Redis state store's
  publisher added (what the store costs a run);
- 1 worker, then 2 workers, each `swarm-studio worker --concurrency N`: every mission enqueued at
  once; missions per minute from the first enqueue to the last run stored;
- event latency: the app (`swarm-studio serve`, Redis configured) and one worker; the editor in
  Chromium presses Run `--page-runs` times; for every node, the wall-clock time its `succeeded`
  state reached the canvas minus the time the worker's engine emitted it (from the stored run:
  its start plus the node's finish offset; one machine, one clock). Median and p99, and the
  same split by hop: the engine's event -> its stream entry (the entry id is Redis's clock) -> the
  app's follower read it -> the app's event loop had it -> the bridge gave it to the page
  (studio/run/hop_trace.py) -> the canvas in Chromium showed it.
- memory: each worker's peak resident set (VmHWM) after its missions.
Goals (issue 12): 2 workers ≥ 1.8× one worker; in-process no slower than before; p99 < 250 ms.
Printed, not asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from datetime import timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'tests'))

from servers import PostgresServer, RedisServer, StudioWorker, Unavailable  # noqa: E402

RESEARCH = ROOT / 'assets' / 'examples' / 'research-swarm.json'
INPUTS = {'question': 'Why do bridges sing?', 'audience': 'engineers'}

RECORD_JS = '''() => {
  const seen = window.__succeeded = {};
  const host = document.querySelector('.swarm-canvas-element');
  const canvas = getElement(host.id.slice(1));
  const setStates = canvas.set_states;
  canvas.set_states = (states) => {
    const now = performance.timeOrigin + performance.now();
    for (const [id, display] of Object.entries(states)) {
      if (display && display.state === 'succeeded' && !(id in seen)) seen[id] = now;
    }
    return setStates(states);
  };
}'''


def in_process(database: str, count: int, latency_ms: int, concurrency: int, redis_url: str | None) -> float:
    """Missions per minute of `count` missions, `concurrency` at once, in this process."""
    from nodes.engine import MissionController
    from nodes.plan import compile_graph
    from nodes.providers.simulated import SimulatedProvider
    from nodes.validation import load_graph
    from storage.db import connect
    from storage.runs import RunRepository
    from storage.scale.state_store import RedisStateStore

    runs = RunRepository(connect(database))
    store = RedisStateStore(redis_url) if redis_url else None
    graph = load_graph(RESEARCH.read_text())

    async def one(slots: asyncio.Semaphore) -> str:
        async with slots:
            mission = MissionController(compile_graph(graph, provider=SimulatedProvider(latency_ms=latency_ms)),
                                        subscribers=[runs.recorder(source=str(RESEARCH))])
            publisher = None
            if store is not None:
                publisher = store.publisher(mission.run_id)
                mission.subscribe(publisher)
            summary = await mission.run(INPUTS)
            if publisher is not None:
                await asyncio.to_thread(publisher.close)
                await asyncio.to_thread(store.finish, mission.run_id, summary.to_dict())
            return summary.status

    async def all_missions() -> list[str]:
        slots = asyncio.Semaphore(concurrency)
        return await asyncio.gather(*(one(slots) for _ in range(count)))

    started = time.monotonic()
    statuses = asyncio.run(all_missions())
    elapsed = time.monotonic() - started
    assert statuses.count('succeeded') == count, statuses
    return count / elapsed * 60


def on_workers(folder: Path, database: str, redis_url: str, count: int, latency_ms: int, concurrency: int,
               worker_count: int) -> tuple[float, list[int]]:
    """(missions per minute, each worker's peak RSS in KiB) of `count` missions on `worker_count` workers."""
    from nodes.validation import load_graph
    from storage.db import connect
    from storage.scale.mission_task import mission_request
    from storage.scale.queue import celery_app
    from storage.scale.queued_runs import enqueue_run

    engine = connect(database)
    workers = [StudioWorker(redis_url, database, folder / f'worker-{worker_count}-{index}.log', concurrency, 15.0)
               for index in range(worker_count)]
    try:
        for worker in workers:
            worker.wait_ready()
        graph = load_graph(RESEARCH.read_text())
        app = celery_app(redis_url)
        started = time.monotonic()
        ids = []
        with app.connection_for_write() as connection:
            for _ in range(count):
                run_id = enqueue_run(engine, graph_name=graph.name, node_count=len(graph.nodes), simulated=True,
                                     inputs=INPUTS, source=str(RESEARCH))
                app.send_task('swarm_studio.run_mission', args=[mission_request(
                    run_id, graph, INPUTS, simulated=True, latency_ms=latency_ms, source=str(RESEARCH))],
                    queue='swarm-studio-missions', connection=connection)
                ids.append(run_id)
        from sqlalchemy import text
        while True:
            with engine.connect() as connection:
                done = connection.execute(text("SELECT count(*) FROM runs WHERE status = 'succeeded'")).scalar()
                failed = connection.execute(text("SELECT count(*) FROM runs WHERE status NOT IN "
                                                 "('succeeded', 'queued', 'running')")).scalar()
            if done + failed >= count:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        assert failed == 0, f'{failed} missions did not succeed'
        peaks = [_peak_rss_kib(worker.process.pid) for worker in workers]
        return count / elapsed * 60, peaks
    finally:
        for worker in workers:
            worker.stop()


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
    return 0


HOPS = ('event', 'stream', 'read', 'loop', 'sent', 'page')
HOP_NAMES = {'stream': 'engine event -> stream entry', 'read': 'stream -> app follower read',
             'loop': 'follower -> app event loop', 'sent': 'event loop -> bridge gives the page',
             'page': 'bridge -> canvas in Chromium'}


def page_latency(folder: Path, database: str, redis_url: str, runs_count: int,
                 latency_ms: int) -> tuple[list[float], dict[str, list[float]]]:
    """Milliseconds from a worker's node_succeeded to the canvas showing it, for every node of each
    run; and each hop's share (hop name -> milliseconds, one per node where every hop was seen)."""
    import json

    import redis as redis_client
    from playwright.sync_api import sync_playwright

    from storage.db import connect
    from storage.graphs import GraphRepository
    from storage.runs import RunRepository
    from studio.local_app import chromium_args, chromium_path, free_port, running_app, serve_command

    engine = connect(database)
    graphs, runs = GraphRepository(engine), RunRepository(engine)
    graph_id = graphs.import_text(RESEARCH.read_text())
    node_count = len(graphs.get(graph_id).nodes)
    worker = StudioWorker(redis_url, str(database), folder / 'worker-page.log', 4, 15.0).wait_ready()
    port = free_port()
    samples: list[float] = []
    times: dict[tuple[str, str], dict[str, float]] = {}  # (run, node) -> hop -> wall-clock ms
    starts: dict[str, float] = {}  # run -> its start, wall-clock ms
    trace = folder / 'hops.jsonl'
    client = redis_client.Redis.from_url(redis_url)
    try:
        with running_app(serve_command(port, database), port, folder,
                         env={'SWARM_STUDIO_REDIS_URL': redis_url, 'SWARM_STUDIO_TRACE_HOPS': str(trace)}) \
                as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=chromium_args())
            page = browser.new_page(viewport={'width': 1280, 'height': 800})
            page.set_default_timeout(60_000)
            page.goto(f'{url}/graph/{graph_id}')
            page.locator('.vue-flow__node[data-id="question"]').wait_for()
            for _ in range(runs_count):
                page.evaluate(RECORD_JS)
                page.get_by_role('button', name='Run', exact=True).click()
                page.get_by_label('question (string)').fill(INPUTS['question'])
                page.get_by_label('audience (string)').fill(INPUTS['audience'])
                page.get_by_label(re.compile('Simulated latency per call')).fill(str(latency_ms))
                page.get_by_role('button', name='Start').click()
                # Every node's `succeeded` has reached the canvas (the status shown before may be the last run's).
                page.wait_for_function(f'Object.keys(window.__succeeded).length >= {node_count}')
                seen = page.evaluate('window.__succeeded')
                run = runs.list_runs(graph_id, limit=1)[0]
                detail = runs.get_run(run.id)
                started_at = detail.run.started_at  # stored as UTC; SQLite gives it back naive
                started = (started_at if started_at.tzinfo else started_at.replace(tzinfo=timezone.utc)).timestamp()
                starts[run.id] = started * 1000
                for node_id, node in detail.nodes.items():
                    if node_id in seen and node.finished_t is not None:
                        samples.append(seen[node_id] - (started + node.finished_t) * 1000)
                        times[run.id, node_id] = {'event': (started + node.finished_t) * 1000, 'page': seen[node_id]}
                for entry_id, fields in client.xrange(f'swarm-studio:run:{run.id}:events'):
                    event = json.loads(fields.get(b'event', b'{}'))
                    if event.get('type') == 'node_succeeded' and (run.id, event['node_id']) in times:
                        times[run.id, event['node_id']]['stream'] = float(entry_id.split(b'-')[0])
                page.get_by_role('button', name='Run', exact=True).wait_for()
            browser.close()
    finally:
        worker.stop()
    for line in trace.read_text().splitlines() if trace.exists() else ():
        hop = json.loads(line)
        if (hop['run'], hop['node']) in times:
            times[hop['run'], hop['node']].setdefault(hop['hop'], hop['t'] * 1000)
    split: dict[str, list[float]] = {hop: [] for hop in HOPS[1:]}
    slowest = sorted(times.items(), key=lambda item: item[1]['event'] - item[1]['page'])[:3]
    for seen_at in times.values():
        if all(hop in seen_at for hop in HOPS):
            for earlier, later in zip(HOPS, HOPS[1:]):
                split[later].append(seen_at[later] - seen_at[earlier])
    for (run_id, node_id), seen_at in slowest:
        steps = ', '.join(f'{hop} +{seen_at[hop] - seen_at["event"]:.0f}' for hop in HOPS[1:] if hop in seen_at)
        print(f'  slow: run {run_id[:8]} node {node_id} (finished at {seen_at["event"] - starts[run_id]:.0f} ms '
              f'into the run): {steps} ms', flush=True)
    return samples, split


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--missions', type=int, default=200)
    parser.add_argument('--latency-ms', type=int, default=300)
    parser.add_argument('--concurrency', type=int, default=4, help='missions at once per worker (and in-process)')
    parser.add_argument('--page-runs', type=int, default=5)
    parser.add_argument('--sqlite', action='store_true', help='SQLite files instead of PostgreSQL')
    parser.add_argument('--latency-only', action='store_true', help='only the event latency to the page')
    args = parser.parse_args()
    redis = RedisServer().start()
    postgres = None
    if not args.sqlite:
        try:
            postgres = PostgresServer().start()
        except Unavailable as error:
            print(f'{error}: SQLite instead', flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix='bench-scale-') as folder_name:
            folder = Path(folder_name)

            def database(name: str) -> str:
                return postgres.create_database(name) if postgres else str(folder / f'{name}.sqlite')

            if not args.latency_only:
                throughput(args, database, folder, redis, postgres is not None)
            samples, split = page_latency(folder, database('page'), redis.url(4), args.page_runs, args.latency_ms)
            print(f'worker event -> page, {len(samples)} node states over {args.page_runs} runs: '
                  f'median {statistics.median(samples):.0f} ms, p99 {percentile(samples, 0.99):.0f} ms '
                  f'(goal p99 < 250 ms)', flush=True)
            counted = len(next(iter(split.values())))
            print(f'  by hop ({counted} node states seen at every hop):', flush=True)
            for hop, values in split.items():
                if values:
                    print(f'    {HOP_NAMES[hop]:<38} median {statistics.median(values):6.1f} ms, '
                          f'p99 {percentile(values, 0.99):6.1f} ms', flush=True)
    finally:
        redis.stop()
        if postgres:
            postgres.stop()
    return 0


def throughput(args: argparse.Namespace, database: Any, folder: Path, redis: Any, on_postgres: bool) -> None:
    """Missions per minute in-process and on 1 and 2 workers, and memory per worker (printed)."""
    count, latency, concurrency = args.missions, args.latency_ms, args.concurrency
    print(f'{count} missions of the research example, simulated, {latency} ms a call, '
          f'{concurrency} missions at once per process, on {"PostgreSQL" if on_postgres else "SQLite"}',
          flush=True)
    in_process(database('warm'), concurrency, latency, concurrency, None)  # imports, first compile: untimed
    local = in_process(database('local'), count, latency, concurrency, None)
    print(f'  in-process, local store:        {local:7.1f} missions/min', flush=True)
    published = in_process(database('published'), count, latency, concurrency, redis.url(1))
    print(f'  in-process, Redis store added:  {published:7.1f} missions/min '
          f'({published / local:.2f}× the local store)', flush=True)
    one, one_peaks = on_workers(folder, database('one'), redis.url(2), count, latency, concurrency, 1)
    print(f'  1 worker:                       {one:7.1f} missions/min ({one / local:.2f}× in-process)',
          flush=True)
    two, two_peaks = on_workers(folder, database('two'), redis.url(3), count, latency, concurrency, 2)
    print(f'  2 workers:                      {two:7.1f} missions/min ({two / local:.2f}× in-process, '
          f'{two / one:.2f}× one worker; goal ≥ 1.8×)', flush=True)
    peaks = one_peaks + two_peaks
    print(f'memory per worker (peak RSS): {", ".join(f"{peak / 1024:.0f} MiB" for peak in peaks)}', flush=True)


if __name__ == '__main__':
    sys.exit(main())
