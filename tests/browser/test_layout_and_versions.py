"""Layout and versions in the real app: a stacked file opens laid out (one undo away), tidy up
never draws an edge behind a card, and restoring a version redraws the cards and can be undone."""
from __future__ import annotations

import json
import re
from pathlib import Path

from locators import node

ROOT = Path(__file__).resolve().parents[2]

# Every edge path sampled along its length, in screen pixels; every card that a sample falls in,
# other than the edge's own ends.
EDGES_BEHIND_CARDS = '''() => {
  const cards = [...document.querySelectorAll('.vue-flow__node')].map((el) => [el.dataset.id, el.getBoundingClientRect()]);
  const hidden = [];
  for (const edge of document.querySelectorAll('.vue-flow__edge')) {
    const [source, target] = edge.dataset.id.split('->');
    const path = edge.querySelector('path.vue-flow__edge-path');
    const matrix = path.getScreenCTM();
    const length = path.getTotalLength();
    for (let at = 0; at <= length; at += 4) {
      const point = new DOMPoint(path.getPointAtLength(at).x, path.getPointAtLength(at).y).matrixTransform(matrix);
      for (const [id, box] of cards) {
        if (id !== source && id !== target && point.x > box.left && point.x < box.right && point.y > box.top && point.y < box.bottom) {
          hidden.push(`${edge.dataset.id} behind ${id}`);
        }
      }
    }
  }
  return [...new Set(hidden)];
}'''


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box['x'] + box['width'] / 2, box['y'] + box['height'] / 2


def open_copy(page, server: str, name: str = 'Competitor brief') -> None:
    page.goto(server)
    page.locator('.q-card', has_text=name).get_by_role('button', name='Open a copy').click()
    page.wait_for_url(re.compile(r'/graph/\w+$'))
    node(page, 'report').wait_for()


def card_boxes(page) -> dict[str, tuple[float, float]]:
    return page.evaluate('''() => Object.fromEntries([...document.querySelectorAll('.vue-flow__node')].map(
        (el) => [el.dataset.id, [Math.round(el.getBoundingClientRect().x), Math.round(el.getBoundingClientRect().y)]]))''')


def test_a_file_with_every_node_at_one_spot_opens_laid_out_and_one_undo_restacks_it(server, page, tmp_path):
    document = json.loads((ROOT / 'assets/examples/competitor-brief.json').read_text())
    document['name'] = 'Stacked brief'
    for item in document['nodes']:
        item['position'] = {'x': 40, 'y': 40}
    stacked = tmp_path / 'stacked.json'
    stacked.write_text(json.dumps(document))
    page.goto(server)
    with page.expect_file_chooser() as chooser:
        page.get_by_role('button', name='Import a file').click()
    chooser.value.set_files(str(stacked))
    page.locator('.q-notification', has_text='Imported stacked.json.').wait_for()
    page.locator('a', has_text='Stacked brief').first.click()
    node(page, 'report').wait_for()
    page.wait_for_timeout(300)
    boxes = card_boxes(page)
    assert len(set(map(tuple, boxes.values()))) == 4, boxes
    assert boxes['brief'][0] < boxes['plan'][0] < boxes['tidy'][0] < boxes['report'][0]
    page.get_by_role('button', name='Versions').click()  # saves first: the layout is stored
    page.get_by_text('v2', exact=True).wait_for()
    page.get_by_role('button', name='Close').click()
    page.get_by_role('button', name='Undo (Ctrl+Z)').click()
    page.wait_for_function('''() => new Set([...document.querySelectorAll('.vue-flow__node')].map(
        (el) => el.getBoundingClientRect().x + ',' + el.getBoundingClientRect().y)).size === 1''')


def test_tidy_up_draws_no_edge_behind_a_card(server, page):
    open_copy(page, server)
    page.mouse.move(*center(node(page, 'brief').locator('.vue-flow__handle.source')))
    page.mouse.down()
    page.mouse.move(*center(node(page, 'tidy').locator('.vue-flow__handle.target')), steps=8)
    page.mouse.up()
    page.locator('.vue-flow__edge[data-id="brief->tidy"]').wait_for(state='attached')
    page.get_by_role('button', name='Tidy up: lay out in layers').click()
    page.wait_for_timeout(500)  # the moves, then the fit view
    page.wait_for_function('document.querySelectorAll(".vue-flow__edge").length === 4')
    assert page.evaluate(EDGES_BEHIND_CARDS) == []


def test_restoring_a_version_redraws_the_cards_at_once_and_undo_brings_the_edit_back(server, page):
    open_copy(page, server)
    page.wait_for_timeout(300)
    original = node(page, 'plan').bounding_box()
    start = center(node(page, 'plan').locator('.swarm-node__title'))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 10, start[1] + 150, steps=10)
    page.mouse.up()
    page.wait_for_function(f'document.querySelector(\'.vue-flow__node[data-id="plan"]\').getBoundingClientRect().y > {original["y"] + 100}')
    moved = node(page, 'plan').bounding_box()
    page.locator('.swarm-canvas').focus()
    page.keyboard.press('Control+s')
    page.locator('.q-notification', has_text='Saved: version 2').wait_for()
    page.get_by_role('button', name='Versions').click()
    page.get_by_role('button', name='Restore').first.click()  # version 1: only it is not current
    page.locator('.q-notification', has_text='Restored version 1').wait_for()
    page.wait_for_function(f'Math.abs(document.querySelector(\'.vue-flow__node[data-id="plan"]\').getBoundingClientRect().y - {original["y"]}) < 2')
    page.get_by_role('button', name='Undo (Ctrl+Z)').click()
    page.wait_for_function(f'Math.abs(document.querySelector(\'.vue-flow__node[data-id="plan"]\').getBoundingClientRect().y - {moved["y"]}) < 2')
