"""Templates that need Jinja are rendered in worker processes that can be killed.

A plain template (text and lookups, `templates.is_plain`) is rendered in the caller: it is
bounded by its inputs and takes microseconds. Anything else runs in a worker process with a
memory limit, so that a bomb the sandbox's checks do not see (a long empty loop) cannot stall
the event loop, other runs or the app: the worker is killed at the deadline, or at once when
the run is cancelled (Ctrl-C, SIGTERM, the Cancel button), and a fresh one takes its place.

Run as `python -m nodes.template_worker`, a worker reads one JSON request a line on stdin,
`[source, context]`, and answers one JSON line, `{"text": …}` or `{"error": …}`.
"""
from __future__ import annotations

import asyncio
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .template_limits import RENDER_SECONDS
from .templates import TemplateError, is_plain, render, render_with_jinja

MAX_WORKERS = 4
WORKER_MEMORY_BYTES = 1 << 30
_GRACE_SECONDS = 1.0  # the worker's own deadline answers first; this is for what it cannot see
_POLL_SECONDS = 0.02


async def render_contained(source: str, context: dict[str, Any]) -> str:
    """Render a template as `templates.render` does, containing any that needs Jinja (see the
    module docstring); raise `TemplateError` on any failure, `CancelledError` when cancelled."""
    if is_plain(source):
        return render(source, context)
    cancelled = threading.Event()
    try:
        return await asyncio.to_thread(_pool.render, source, context, cancelled)
    except asyncio.CancelledError:
        cancelled.set()  # the thread kills the worker within one poll
        raise


class _Worker:
    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parent.parent)
        environment = {**os.environ, 'PYTHONPATH': os.pathsep.join(filter(None, (root, os.environ.get('PYTHONPATH'))))}
        self.process = subprocess.Popen([sys.executable, '-m', 'nodes.template_worker'], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=environment, start_new_session=True)

    def render(self, source: str, context: dict[str, Any], cancelled: threading.Event) -> str:
        request = json.dumps([source, context], default=str) + '\n'
        try:
            self.process.stdin.write(request.encode('ascii'))
            self.process.stdin.flush()
        except OSError:
            raise _WorkerLost() from None
        deadline = time.monotonic() + RENDER_SECONDS + _GRACE_SECONDS
        stdout = self.process.stdout
        while not select.select([stdout], [], [], _POLL_SECONDS)[0]:
            if cancelled.is_set():
                self.kill()
                raise TemplateError('the render was cancelled')
            if time.monotonic() > deadline:
                self.kill()
                raise TemplateError(f'the template took longer than {RENDER_SECONDS:g} s to render and was '
                                    'stopped (a loop or a filter over too much data?)')
        line = stdout.readline()
        if not line:  # killed by its memory limit, or otherwise gone
            self.kill()
            raise TemplateError('the template needed more memory than a template may use, and was stopped')
        reply = json.loads(line)
        if 'error' in reply:
            raise TemplateError(reply['error'])
        return reply['text']

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class _WorkerLost(Exception):
    pass


class _Pool:
    """Idle workers, started on demand, at most `MAX_WORKERS` rendering at once."""

    def __init__(self) -> None:
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_WORKERS)

    def render(self, source: str, context: dict[str, Any], cancelled: threading.Event) -> str:
        with self._slots:
            for _ in range(2):  # a worker that died while idle is replaced once
                worker = self._take()
                try:
                    text = worker.render(source, context, cancelled)
                except _WorkerLost:
                    worker.kill()
                    continue
                except TemplateError:
                    if worker.process.poll() is None:
                        self._give_back(worker)
                    raise
                self._give_back(worker)
                return text
            raise TemplateError('the template worker could not be started')

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    return worker
        return _Worker()

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._idle.append(worker)


_pool = _Pool()


def _serve() -> None:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass  # no such limit here: the deadline still holds
    for line in sys.stdin.buffer:
        source, context = json.loads(line)
        try:
            reply = {'text': render_with_jinja(source, context)}
        except TemplateError as error:
            reply = {'error': str(error)}
        except MemoryError:
            reply = {'error': 'the template needed more memory than a template may use'}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    _serve()
