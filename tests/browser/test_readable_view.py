"""The editor's default view at 1440×900: every example's cards readable, nothing on a card cut,
and palette and inspector folding away to give the canvas the width."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest

from locators import node

EXAMPLES = ['Competitor brief', 'Research swarm', 'Code review swarm']

# A title's on-screen size: its computed font size times the viewport's zoom.
TITLE_SIZES = '''() => {
  const zoom = new DOMMatrix(getComputedStyle(document.querySelector('.vue-flow__transformationpane')).transform).a;
  return [...document.querySelectorAll('.swarm-node__title')].map((el) => parseFloat(getComputedStyle(el).fontSize) * zoom);
}'''
CUT = '''(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.scrollWidth > el.clientWidth + 0.5).map((el) => el.textContent)'''


def call(base_url: str, method: str, *args) -> None:
    """A Canvas method run from Python in the harness page."""
    request = urllib.request.Request(f'{base_url}/harness/{method}', data=json.dumps(args).encode(),
                                     headers={'Content-Type': 'application/json'}, method='POST')
    urllib.request.urlopen(request, timeout=30).close()


@pytest.fixture
def wide(browser):
    context = browser.new_context(viewport={'width': 1440, 'height': 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def open_example(page, server: str, name: str) -> None:
    page.goto(server)
    page.locator('.q-card', has_text=name).get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    page.locator('.vue-flow__node').first.wait_for()
    page.wait_for_timeout(300)  # the fit view's frame


@pytest.mark.parametrize('example', EXAMPLES)
def test_every_example_opens_with_titles_of_at_least_11_px_and_nothing_cut(server, wide, example):
    open_example(wide, server, example)
    sizes = wide.evaluate(TITLE_SIZES)
    assert sizes and min(sizes) >= 11, sizes
    for part in ('.swarm-node__title', '.swarm-node__model'):
        assert wide.evaluate(CUT, part) == [], part
    # The view starts at the graph's inputs: the first card is on screen, left of the middle.
    pane = wide.locator('.vue-flow__pane').bounding_box()
    first = wide.locator('.swarm-kind-input').first.bounding_box()
    assert pane['x'] <= first['x'] < pane['x'] + pane['width'] / 2


def test_the_longest_model_run_label_and_cost_fit_on_a_card(canvas_server, page):
    page.goto(canvas_server)
    node(page, 'plan').wait_for()
    call(canvas_server, 'set_states', {
        'plan': {'state': 'succeeded', 'label': 'succeeded after 2 retries', 'tier': 3,
                 'model': 'gemini/gemini-2.5-flash-lite', 'cost': 0.004321},
        'extract': {'state': 'succeeded', 'label': 'succeeded · escalated to T1', 'tier': 1,
                    'model': 'anthropic/claude-sonnet-4-5', 'cost': 0.0042},
    })
    node(page, 'extract').locator('.swarm-node__state', has_text='escalated').wait_for()
    assert node(page, 'plan').locator('.swarm-node__state').inner_text().endswith('succeeded after 2 retries · $0.0043')
    for part in ('.swarm-node__title', '.swarm-node__model', '.swarm-node__state'):
        assert page.evaluate(CUT, f'.vue-flow__node[data-id="plan"] {part}, .vue-flow__node[data-id="extract"] {part}') == []


def test_palette_and_inspector_fold_away_and_the_canvas_takes_the_width(server, wide):
    open_example(wide, server, 'Competitor brief')
    canvas = wide.locator('.swarm-canvas')
    before = canvas.bounding_box()['width']
    assert wide.locator('[data-kind="agent"]').bounding_box()['width'] < 180
    wide.get_by_role('button', name='Fold the palette').click()
    wide.wait_for_function(f'document.querySelector(".swarm-canvas").getBoundingClientRect().width > {before + 80}')
    assert wide.locator('[data-kind="agent"]').get_by_text('Agent').is_hidden()
    wide.get_by_role('button', name='Show or hide the inspector').click()
    wide.wait_for_function(f'document.querySelector(".swarm-canvas").getBoundingClientRect().width > {before + 350}')
    wide.get_by_role('button', name='Unfold the palette').click()
    wide.locator('[data-kind="agent"]').get_by_text('Agent').wait_for()
