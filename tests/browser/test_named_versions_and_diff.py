"""Named versions and the diff of a version against the current one, in the real app."""
from __future__ import annotations

import re

from locators import node


def test_a_named_version_is_listed_and_a_diff_shows_each_change_side_by_side(server, page):
    page.goto(server)
    page.locator('.q-card', has_text='Competitor brief').get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    node(page, 'report').wait_for()

    node(page, 'plan').click(button='right')
    page.get_by_role('menuitem', name='Rename…').click()
    page.locator('.q-dialog').get_by_label('Title').fill('Chief planner')
    page.locator('.q-dialog').get_by_role('button', name='Rename').click()
    node(page, 'plan').locator('.swarm-node__title', has_text='Chief planner').wait_for()
    node(page, 'tidy').click(button='right')
    page.get_by_role('menuitem', name='Delete').click()
    node(page, 'tidy').wait_for(state='detached')

    page.get_by_role('button', name='Versions').click()
    versions = page.locator('.q-dialog')
    versions.get_by_placeholder(re.compile('Name this version')).fill('without the formatter')
    versions.get_by_role('button', name='Save as named version').click()
    page.locator('.q-notification', has_text='without the formatter').wait_for()

    page.get_by_role('button', name='Versions').click()
    versions = page.locator('.q-dialog', has_text='Versions')
    versions.get_by_text('without the formatter').wait_for()
    versions.locator('.q-card').get_by_role('button', name='Compare').last.click()  # the oldest: v1
    diff = page.locator('.q-dialog', has_text='(current)')
    diff.get_by_text(re.compile(r'^v1 → v\d+ \(current\)$')).wait_for()
    assert diff.locator('.swarm-diff-summary').inner_text() == 'nodes: 1 removed, 1 changed; edges: 2 removed'
    assert diff.get_by_text('tidy', exact=True).count() == 1  # the removed node
    assert diff.locator('.swarm-diff-before').all_inner_texts() == ['Strategist']
    assert diff.locator('.swarm-diff-after').all_inner_texts() == ['Chief planner']
