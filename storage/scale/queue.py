"""The mission queue: a Celery app on the Redis broker, and how a mission is enqueued.

One task is one mission (`mission_task.run_mission`). The task is acknowledged late (after the
mission), so a worker that dies leaves it to be delivered again after the broker's visibility
timeout; that second delivery finds the run taken (storage/scale/queued_runs.py) and never runs
it a second time, at once or later: a worker's death leaves the run `interrupted`, to resume.
A worker takes one message per free slot (prefetch 1), so missions spread over the workers.
"""
from __future__ import annotations

from typing import Any

TASK = 'swarm_studio.run_mission'
QUEUE = 'swarm-studio-missions'
# Beyond the longest mission we expect: a message redelivered while its mission still runs finds it
# taken anyway (the lease says by whom), so this bounds only how late a dead worker's message returns.
VISIBILITY_TIMEOUT_S = 3600


def celery_app(broker_url: str) -> Any:
    """A Celery app for `broker_url` (a `redis://` URL), configured as the module's doc says."""
    from celery import Celery
    app = Celery('swarm_studio', broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_transport_options={'visibility_timeout': VISIBILITY_TIMEOUT_S},
        task_default_queue=QUEUE, task_ignore_result=True, task_serializer='json', accept_content=['json'],
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False)
    return app


def enqueue_mission(broker_url: str, request: dict[str, Any]) -> None:
    """Put one mission on the queue (`request` as `mission_task.run_mission` reads it)."""
    app = celery_app(broker_url)
    try:
        app.send_task(TASK, args=[request], queue=QUEUE)
    finally:
        app.close()
