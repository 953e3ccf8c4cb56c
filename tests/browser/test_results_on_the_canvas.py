"""A run's outputs where the user looks: a line of each node's last output on its card, and the
result view of the mission's Output nodes (the figures bar's Result)."""
from __future__ import annotations

import json
import re

import pytest

from locators import node


@pytest.fixture
def finished_run(server, page):
    """A finished simulated run of a fresh copy of the competitor-brief example."""
    page.goto(server)
    page.locator('.q-card', has_text='Competitor brief').get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    node(page, 'report').wait_for()
    assert page.locator('.swarm-node__preview').count() == 0  # no run yet: no previews
    page.get_by_role('button', name='Run', exact=True).click()
    page.get_by_label('company (string)').fill('Acme')
    page.get_by_role('button', name='Start').click()
    page.locator('.swarm-run-status', has_text=re.compile('^succeeded$')).wait_for(timeout=30_000)
    return page


def test_each_card_previews_its_last_output_in_one_uncut_line(finished_run):
    page = finished_run
    for node_id in ('plan', 'tidy', 'report'):
        card = node(page, node_id)
        preview = card.locator('.swarm-node__preview')
        preview.wait_for()
        text, full = preview.inner_text(), preview.get_attribute('title')
        assert text and full.startswith(text.rstrip('…')[:20])
        box, inside = card.locator('.swarm-node').bounding_box(), preview.bounding_box()
        assert inside['y'] + inside['height'] <= box['y'] + box['height'] - 1  # the card keeps it whole
        assert inside['x'] + inside['width'] <= box['x'] + box['width']
        for row in ('.swarm-node__title', '.swarm-node__state'):  # and nothing else was pushed out
            part = card.locator(row).bounding_box()
            assert part['y'] + part['height'] <= inside['y'] + 1
    plan = json.loads(node(page, 'plan').locator('.swarm-node__preview').get_attribute('title'))
    assert isinstance(plan, dict)  # the plan's JSON output, compact


def test_the_result_view_shows_what_the_output_node_produced(finished_run):
    page = finished_run
    page.get_by_role('button', name='Show the result').click()
    result = page.locator('.q-dialog')
    result.get_by_text(re.compile(r'^Result of run \w{8}$')).wait_for()
    shown = result.locator('[data-output-node="report"] .swarm-result-text').inner_text()
    preview = node(page, 'report').locator('.swarm-node__preview').get_attribute('title')
    produced = json.loads(shown)  # an Output node without a template collects its upstream outputs by id
    assert list(produced) == ['tidy']
    compact = ' '.join(json.dumps(produced, ensure_ascii=False, separators=(', ', ': ')).split())
    assert compact.startswith(preview.rstrip('…'))  # the same value as the card's preview
