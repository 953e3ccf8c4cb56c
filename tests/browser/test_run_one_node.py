"""Run one node from its right-click menu: only it calls a model, with its upstream outputs taken
from the last run; nothing downstream runs."""
from __future__ import annotations

import re

from locators import node


def run_menu(page, node_id: str) -> None:
    node(page, node_id).click(button='right')
    page.get_by_role('menu', name='node menu').get_by_role('menuitem', name='Run this node only').click()


def test_run_this_node_only_reuses_the_last_runs_upstream_outputs(server, page):
    page.goto(server)
    page.locator('.q-card', has_text='Competitor brief').get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    node(page, 'report').wait_for()

    run_menu(page, 'tidy')  # no run yet: nothing to give it
    page.locator('.q-notification', has_text='no output to give tidy').wait_for()

    page.get_by_role('button', name='Run', exact=True).click()
    page.get_by_label('company (string)').fill('Acme')
    page.get_by_role('button', name='Start').click()
    page.locator('.swarm-run-status', has_text=re.compile('^succeeded$')).wait_for(timeout=30_000)
    first_cost = page.locator('.swarm-run-cost').inner_text()

    run_menu(page, 'tidy')
    page.locator('.swarm-run-progress', has_text='3/3 succeeded').wait_for(timeout=30_000)
    assert 'swarm-state-pinned' in node(page, 'plan').get_attribute('class')  # carried over, not called
    assert 'swarm-state-succeeded' in node(page, 'tidy').get_attribute('class')
    assert 'swarm-state' not in (node(page, 'report').get_attribute('class') or '')  # downstream did not run
    assert page.locator('.swarm-run-cost').inner_text() != first_cost  # only tidy's call was paid for
    page.get_by_role('button', name='Run panel').click()
    page.locator('.q-drawer--right .q-tab', has_text='History').click()
    page.locator('.q-drawer--right [data-run-id]').nth(1).wait_for()
