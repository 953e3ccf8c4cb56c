"""The app process's garbage collection, tuned so that no page waits long on a collection.

CPython's cycle collector stops the whole process while it runs, and a full collection walks
every tracked object. With a 2,400-node graph open and a run of it going, the app holds 250 to
600 thousand of them: each full collection took 170-380 ms of CPU, and under the default
thresholds one came every few seconds while the run's state grew — the longest stalls of the
event loop in benchmarks/bench_load.py, every page and request waiting behind them. So:

- what the app imports and builds before it serves (modules, classes, the framework's and the
  price tables: about a hundred thousand objects that live as long as the process) is frozen
  once it has started (`gc.freeze`), and no collection walks it again;
- the youngest generation is collected after `YOUNG_THRESHOLD` new objects instead of 700, so
  that what a tick makes (a batch of states, a message, a page being built) has mostly been
  freed by reference counting before a collection would promote it to an older generation:
  fewer objects promoted, far fewer full collections. Cycles wait a little longer to be freed,
  never more than that many objects' worth.
"""
from __future__ import annotations

import gc
from typing import Any

YOUNG_THRESHOLD = 10_000
"""New container objects (net of those freed) between two collections of the youngest generation."""


def install(app: Any) -> None:
    """Tune the collector of this process now, and freeze what is built once `app` has started.

    For the app's own process only (serve, desktop): a test process would keep garbage frozen.
    """
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    app.on_startup(freeze_what_is_built)


def freeze_what_is_built() -> None:
    """Collect what is garbage now, then exempt every object left from later collections."""
    gc.collect()
    gc.freeze()
