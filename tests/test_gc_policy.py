"""The app process's garbage collection (studio/gc_policy.py): the youngest generation collected
less often, and what the app built before serving frozen once it has started."""
from __future__ import annotations

import gc
import weakref

import pytest

from studio import gc_policy


class StartingApp:
    """What `install` needs of NiceGUI's app: somewhere to register a startup handler."""

    def __init__(self) -> None:
        self.startup: list = []

    def on_startup(self, handler) -> None:
        self.startup.append(handler)


@pytest.fixture
def collector():
    """This test process's collector settings, put back afterwards; nothing frozen meanwhile
    (`swarm-studio run`, called in-process by other tests, freezes too)."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_install_collects_the_young_less_often_and_freezes_what_is_built_at_startup(collector):
    app = StartingApp()
    gc_policy.install(app)
    assert gc.get_threshold()[0] == gc_policy.YOUNG_THRESHOLD > 700
    assert gc.get_freeze_count() == 0  # nothing frozen before the app has started
    [handler] = app.startup
    handler()
    assert gc.get_freeze_count() > 10_000  # the modules, classes and functions loaded so far


def test_garbage_cycles_are_collected_before_freezing(collector):
    class Node:
        pass

    cycle = Node()
    cycle.self = cycle
    left = weakref.ref(cycle)
    del cycle
    gc_policy.freeze_what_is_built()
    assert left() is None  # freed, not kept frozen for the life of the process
    assert gc.get_freeze_count() > 0
