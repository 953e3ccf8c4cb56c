"""Learning from escalations in the app: the web Run starts a node where its runs escalated to,
and the switch in /settings turns it off."""
from __future__ import annotations

from nicegui.testing import User

from storage.settings import learning_enabled
from studio.run.editor_run import missions
from test_run_ui import ITEMS_SCHEMA, element, graph_text, open_editor, start_run

# `tidy` on tier auto (the router says 3): its first three replies are invalid JSON, so each run
# retries twice at tier 3 and escalates to tier 2.
ESCALATING = graph_text(tidy={'tier': 'auto', 'output_schema': ITEMS_SCHEMA, 'simulate': {'fail_first': 3}})


def first_tiers(bridge) -> dict[str, int]:
    detail = missions().runs.get_run(bridge.summary.run_id)
    return {node_id: detail.attempts_of(node_id)[0].tier for node_id in ('plan', 'tidy')}


async def test_a_web_run_starts_where_the_node_s_last_runs_escalated_to(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs, ESCALATING)
    for _ in range(2):
        bridge = await start_run(user, graph_id, company='Acme')
        assert first_tiers(bridge) == {'plan': 1, 'tidy': 3}
        assert bridge.summary.status == 'succeeded'
    bridge = await start_run(user, graph_id, company='Acme')
    route = bridge.controller.plan.nodes['tidy'].route
    assert route.tier == 2 and route.reason.startswith('tier 2: escalated to tier 2 in 2 of the last 2 runs; ')
    assert first_tiers(bridge) == {'plan': 1, 'tidy': 2}


async def test_the_settings_switch_turns_learning_off_and_on(user: User, graphs):
    graph_id, _ = await open_editor(user, graphs, ESCALATING)
    for _ in range(2):
        await start_run(user, graph_id, company='Acme')
    await user.open('/settings')
    await user.should_see('Learn from escalations')
    switch = element(user, 'learn-routing')
    assert switch.value is True
    switch.value = False
    await user.should_see('Routing no longer learns from escalations.')
    assert not learning_enabled(graphs.engine)
    await user.open(f'/graph/{graph_id}')
    await user.should_see('Saved · version 1')
    bridge = await start_run(user, graph_id, company='Acme')
    assert first_tiers(bridge)['tidy'] == 3
    await user.open('/settings')
    assert element(user, 'learn-routing').value is False  # the page shows what is stored
    element(user, 'learn-routing').value = True
    await user.should_see('Routing learns from escalations.')
    assert learning_enabled(graphs.engine)
