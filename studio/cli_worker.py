"""`swarm-studio worker` (a Celery worker that runs missions) and `swarm-studio cancel RUN_ID`.

A worker imports the engine and the storage layer, never the web app: it starts in the time
the engine takes to import. Its missions share one process: a thread each (Celery's threads
pool), each with its own event loop, `--concurrency` of them at once; the engine's own
concurrency works inside each mission.
"""
from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import threading
import time

from .cli_queue import redis_store, redis_url
from .errors import CommandError

CANCEL_WAIT_S = 30.0


def worker_command(args: argparse.Namespace) -> int:
    from storage.db import StorageError, connect
    from storage.scale.mission_task import LeaseSweeper, run_mission, warm_up
    from storage.scale.queue import QUEUE, TASK, celery_app
    if args.concurrency < 1:
        raise CommandError(f'--concurrency must be 1 or more, not {args.concurrency}')
    if not args.lease_s > 1:
        raise CommandError(f'--lease-s must be more than 1 second, not {args.lease_s}')
    url = redis_url(args.redis, 'a worker')
    store = redis_store(url)
    try:
        engine = connect(args.db)  # marks runs whose process on this machine died as interrupted
    except StorageError as error:
        raise CommandError(str(error)) from None
    name = f'{socket.gethostname()}:{os.getpid()}'
    sweeper = LeaseSweeper(engine, store, args.lease_s)
    threading.Thread(target=_sweep_forever, args=(sweeper,), name='lease sweeper', daemon=True).start()
    logging.basicConfig(level=logging.INFO, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    warm_up()
    print(f'swarm-studio worker {name}: {args.concurrency} missions at once, queue {QUEUE}', file=sys.stderr)
    stopping = []
    from celery import signals
    signals.worker_shutting_down.connect(lambda **_: stopping.append(True), weak=False)
    while True:
        app = celery_app(url)

        @app.task(name=TASK, shared=False)
        def run_mission_task(request: dict) -> str:
            return run_mission(request, engine, store, name, args.lease_s)

        try:
            app.worker_main(['worker', '--pool=threads', f'--concurrency={args.concurrency}',
                             f'--hostname=swarm@{name}', '--loglevel=INFO', '--without-gossip', '--without-mingle',
                             f'--queues={QUEUE}'])
        except SystemExit:
            pass
        if stopping:
            return 0
        # Celery's consumer gives up on some broker losses (a Redis restart while a mission's
        # message awaits its late ack): its missions finished first; this process takes up the
        # queue again rather than leave it to a supervisor.
        _reset_worker_state()
        logging.getLogger(__name__).warning('the Celery worker stopped (the broker went away); starting it again')
        time.sleep(1)


def _reset_worker_state() -> None:
    from celery.worker import state
    state.should_stop = state.should_terminate = None


def _sweep_forever(sweeper: object) -> None:
    while True:
        try:
            sweeper.sweep()
        except Exception:  # Redis or the database away for a moment: the next sweep tries again
            logging.getLogger(__name__).warning('lease sweep failed', exc_info=True)
        time.sleep(sweeper.lease_s / 3)


def cancel_command(args: argparse.Namespace) -> int:
    from storage.scale.queued_runs import cancel_queued, run_status

    from .cli_runs import find_run, open_storage, stored_summary
    database, runs, graphs = open_storage(args)
    run_id = find_run(runs, args.run)
    run = runs.get_run(run_id).run
    if run.status not in ('queued', 'running'):
        raise CommandError(f'run {run_id} is {run.status}: there is nothing to cancel')
    if run.status == 'running' and run.worker is None:
        raise CommandError(f'run {run_id} runs in process {run.pid} on {run.host}, not on a worker: stop it there '
                           '(Ctrl-C, or Cancel in the editor)')
    store = redis_store(redis_url(None, 'cancel'))
    store.request_cancel(run_id)  # first: a worker taking the run from now on sees it
    if run.status == 'queued' and cancel_queued(database, run_id):
        store.finish(run_id, stored_summary(runs, graphs, run_id))
        print(f'cancelled: run {run_id} had not started', file=sys.stderr)
        return 0
    deadline = time.monotonic() + CANCEL_WAIT_S
    status = run_status(database, run_id)
    while status in ('queued', 'running') and time.monotonic() < deadline:
        time.sleep(0.2)
        status = run_status(database, run_id)
    if status in ('queued', 'running'):
        raise CommandError(f'cancel requested, but run {run_id} is still {status} after {CANCEL_WAIT_S:.0f} s; '
                           'its worker stops it when it next looks')
    print(f'{status}: run {run_id}', file=sys.stderr)
    return 0 if status == 'cancelled' else 1
