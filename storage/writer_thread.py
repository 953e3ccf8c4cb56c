"""A writer thread: work handed over by a bounded queue, done in order on a thread of its own.

The run recorder writes through one so that a slow database (PostgreSQL over a network, a
SQLite file another process holds) never stalls the event loop that serves every page. The
queue is bounded: when it is full, `put` waits (back-pressure instead of memory growing
without end) and `full` lets a caller coalesce work instead. Nothing handed over is lost:
`close` waits until everything is done, and so does the interpreter's exit for any writer
still open (the app stopping mid-run).
"""
from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CAPACITY = 8  # items waiting at most
_STOP = object()
_open: set[WriterThread] = set()
_open_lock = threading.Lock()


class WriterThread:
    """`write(item)` for each item `put`, in order, on one thread.

    :param write: does one item; an exception is logged and the next item goes on
    """

    def __init__(self, name: str, write: Callable[[Any], None], capacity: int | None = None) -> None:
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=capacity or CAPACITY)
        # A daemon, so an exit is not held up by a writer nobody closes; `_close_all` drains it first.
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._closed = False
        with _open_lock:
            _open.add(self)
        self._thread.start()

    def full(self) -> bool:
        return self._queue.full()

    def put(self, item: Any) -> None:
        """Hand over `item`; waits while the queue is full."""
        if self._closed:
            raise RuntimeError('this writer is closed')
        self._queue.put(item)

    def wait(self) -> None:
        """Until every item handed over so far is done."""
        self._queue.join()

    def close(self) -> None:
        """Do everything handed over, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
        with _open_lock:
            _open.discard(self)

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._write(item)
            except Exception:
                log.exception('%s: an item was not written', self._thread.name)
            finally:
                self._queue.task_done()


@atexit.register
def _close_all() -> None:
    with _open_lock:
        writers = list(_open)
    for writer in writers:
        writer.close()
