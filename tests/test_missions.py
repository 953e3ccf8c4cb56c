"""Starting runs of stored graphs (studio/run/missions.py): a large graph is prepared off the
event loop, so every other page keeps being served while it compiles, and a graph still runs
once at a time, even while its first run is being prepared."""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from storage.db import connect
from storage.graphs import GraphRepository
from storage.runs import RunRepository
from studio.run.missions import Missions, RunRefused, RunRequest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'benchmarks'))
from generate import generate_graph  # noqa: E402

BRIEF = (ROOT / 'assets' / 'examples' / 'competitor-brief.json').read_text()
STILL_GOING = 'a run of this graph is still going; cancel it or wait for it to finish'


@pytest.fixture
def repositories(tmp_path):
    engine = connect(str(tmp_path / 'studio.sqlite'))
    return GraphRepository(engine), RunRepository(engine)


def stored(graphs: GraphRepository, graph_id: str):
    """(graph id, version id, graph) of a stored graph's current version, as the editor runs it."""
    version_id = graphs.current_version(graph_id).id
    return graph_id, version_id, graphs.get_version_by_id(version_id)[1]


async def test_a_large_graph_is_prepared_while_the_event_loop_goes_on(repositories):
    graphs, runs = repositories
    missions = Missions(graphs, runs, tick_s=0.01)
    graph_id, version_id, graph = stored(graphs, graphs.create(generate_graph(2400)))
    ticks_while_starting = 0
    starting = True

    async def other_page() -> None:  # anything else the app's loop serves meanwhile
        nonlocal ticks_while_starting
        while starting:
            await asyncio.sleep(0.005)
            ticks_while_starting += starting

    page = asyncio.create_task(other_page())
    await asyncio.sleep(0)
    bridge = await missions.start(graph_id, version_id, graph, RunRequest(latency_ms=0))
    starting = False
    await page
    bridge.cancel()
    summary = await asyncio.wait_for(bridge.wait(), 60)
    # Compiling 2,400 nodes takes the better part of a second: on the loop, no other task would have run at all.
    assert ticks_while_starting >= 5
    assert summary.status == 'cancelled' and missions.running(graph_id) is None
    assert bridge.tick_s == pytest.approx(0.24)  # each watching page repaints 2,400 nodes per batch: fewer batches


async def test_a_second_run_asked_for_while_the_first_is_being_prepared_is_refused(repositories):
    graphs, runs = repositories
    missions = Missions(graphs, runs, tick_s=0.01)
    graph_id, version_id, graph = stored(graphs, graphs.import_text(BRIEF))
    request = RunRequest({'company': 'Acme'}, latency_ms=2000)
    first = asyncio.create_task(missions.start(graph_id, version_id, graph, request))
    await asyncio.sleep(0)  # the first is on its way: preparing on a thread
    assert missions.running(graph_id) is None and not first.done()
    with pytest.raises(RunRefused) as refused:
        await missions.start(graph_id, version_id, graph, request)
    assert str(refused.value) == STILL_GOING
    bridge = await first
    assert missions.running(graph_id) is bridge and missions.last[graph_id] is bridge
    assert bridge.tick_s == 0.01  # a small graph's batches as often as the app's tick
    with pytest.raises(RunRefused) as refused:  # and while it runs, as before
        await missions.start(graph_id, version_id, graph, request)
    assert str(refused.value) == STILL_GOING
    bridge.cancel()
    assert (await asyncio.wait_for(bridge.wait(), 30)).status == 'cancelled'
    again = await missions.start(graph_id, version_id, graph, RunRequest({'company': 'Acme'}, latency_ms=0))
    assert again is not bridge and (await asyncio.wait_for(again.wait(), 30)).status == 'succeeded'


async def test_a_run_refused_while_being_prepared_leaves_the_graph_free_to_run(repositories, no_provider_keys):
    graphs, runs = repositories
    missions = Missions(graphs, runs, tick_s=0.01)
    graph_id, version_id, graph = stored(graphs, graphs.import_text(BRIEF))
    with pytest.raises(RunRefused) as refused:
        await missions.start(graph_id, version_id, graph, RunRequest({'company': 7}))
    assert str(refused.value).startswith('the inputs do not fit the graph: ')
    with pytest.raises(RunRefused):  # live, without a key for any tier
        await missions.start(graph_id, version_id, graph, RunRequest({'company': 'Acme'}, mode='live'))
    bridge = await missions.start(graph_id, version_id, graph, RunRequest({'company': 'Acme'}, latency_ms=0))
    assert (await asyncio.wait_for(bridge.wait(), 30)).status == 'succeeded'
    assert missions.running(graph_id) is None
