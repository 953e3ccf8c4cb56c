"""The start page's list of graphs in Chromium: names link to the editor and show markup as text, the
row buttons rename, duplicate and delete that row's graph, the columns sort, and a long list filters."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest

from nodes.graph import Graph
from studio_app import own_studio

ROOT = Path(__file__).resolve().parents[2]
BRIEF = (ROOT / 'assets' / 'examples' / 'competitor-brief.json').read_text()
MARKUP = '<b>x</b><img src=x onerror="window.__xss = 1">'


@pytest.fixture
def library(page):
    """A studio of its own (the list is the whole database), with the brief, a graph named in markup and ten more."""
    with tempfile.TemporaryDirectory() as workdir, own_studio(Path(workdir)) as (url, graphs, _):
        brief_id = graphs.import_text(BRIEF)
        graphs.create(Graph(name=MARKUP))
        for number in range(10):
            graphs.create(Graph(name=f'Scan {number:02d}'))
        page.goto(url)
        page.locator('.swarm-graph-list').wait_for()
        yield page, graphs, brief_id


def names(page) -> list[str]:
    return page.locator('.swarm-graph-list tbody .swarm-graph-link').all_inner_texts()


def row(page, name: str):
    return page.locator('.swarm-graph-list tbody tr', has=page.locator('.swarm-graph-link', has_text=name))


def test_the_list_links_each_graph_and_shows_markup_as_text(library):
    page, graphs, brief_id = library
    assert len(names(page)) == 12 and MARKUP in names(page)
    assert page.evaluate('window.__xss') is None
    row(page, 'Competitor brief').locator('.swarm-graph-link').click()
    page.wait_for_url(re.compile(f'/graph/{brief_id}$'))
    page.locator('.vue-flow__node[data-id="report"]').wait_for()


def test_row_buttons_act_on_their_own_graph(library):
    page, graphs, brief_id = library
    row(page, 'Scan 03').get_by_role('button', name='Rename').click()
    page.get_by_label('Name').fill('Rivals')
    page.locator('.q-dialog').get_by_role('button', name='Rename').click()
    row(page, 'Rivals').wait_for()
    assert 'Scan 03' not in names(page)

    row(page, 'Competitor brief').get_by_role('button', name='Duplicate').click()
    row(page, 'Competitor brief (copy)').wait_for()

    row(page, 'Scan 05').get_by_role('button', name='Delete').click()
    page.locator('.q-dialog').get_by_role('button', name='Delete').click()
    row(page, 'Scan 05').wait_for(state='detached')
    listed = sorted(summary.name for summary in graphs.list())
    assert sorted(names(page)) == listed and 'Scan 05' not in listed and 'Rivals' in listed


def test_the_columns_sort_and_a_long_list_filters(library):
    page, _, _ = library
    page.locator('.swarm-graph-list th', has_text='Name').click()
    shown = names(page)
    assert shown == sorted(shown)
    page.get_by_placeholder('Filter by name').fill('scan 0')
    page.wait_for_function('document.querySelectorAll(".swarm-graph-list tbody tr").length === 10')
    assert all(name.startswith('Scan 0') for name in names(page))
