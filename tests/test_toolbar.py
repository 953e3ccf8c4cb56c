"""The run figures bar (studio/run/toolbar.py): a stored or finished run's figures show at once; a
live run's latest figures are drawn at the page timer's tick, so a busy run redraws the bar at most
twice a second on every page that watches it, however many batches it sends."""
from __future__ import annotations

from nicegui import ui
from nicegui.testing import User

from studio.run.node_states import RunFigures
from studio.run.toolbar import RunToolbar


def progress(user: User) -> str:
    return next(iter(user.find(marker='run-progress').elements)).text


async def test_a_live_runs_figures_wait_for_the_tick_and_a_finished_runs_show_at_once(user: User):
    bars: list[RunToolbar] = []

    @ui.page('/toolbar')
    def page() -> None:
        bars.append(RunToolbar(on_export=lambda: None, on_close=lambda: None))

    await user.open('/toolbar')
    [bar] = bars
    bar.show(RunFigures(status='running', done=0, total=4))
    assert progress(user) == '0/4 nodes'
    for done in (1, 2, 3):  # three batches within one tick
        bar.follow(RunFigures(status='running', done=done, total=4))
        assert progress(user) == '0/4 nodes'
    bar.tick()
    assert progress(user) == '3/4 nodes'  # the latest of them
    bar.follow(RunFigures(status='running', done=4, total=4))
    bar.show(RunFigures(status='succeeded', done=4, total=4, outcomes={'succeeded': 4}, duration_s=1.0))
    assert progress(user) == '4/4 succeeded'
    bar.tick()  # a tick after the end does not bring back a live figure
    assert progress(user) == '4/4 succeeded'
