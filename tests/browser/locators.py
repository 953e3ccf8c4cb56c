"""What the browser tests look up on a page again and again."""
from __future__ import annotations

import json


def node(page, node_id: str):
    """A node's card on the canvas."""
    return page.locator(f'.vue-flow__node[data-id="{node_id}"]')


def exported(page) -> dict:
    """The open graph's file, as the editor's Export button downloads it."""
    with page.expect_download() as download:
        page.get_by_role('button', name='Export the graph file').click()
    return json.loads(open(download.value.path()).read())


def add_annotation(page, x: float, y: float, kind: str):
    """Add a sticky note (`kind` "note") or a group ("group") where the pane is right-clicked at page
    position (x, y), from its menu; the new annotation's card, once shown."""
    page.mouse.click(x, y, button='right')
    page.get_by_role('menuitem', name={'note': 'Add a sticky note here', 'group': 'Add a group here'}[kind]).click()
    card = node(page, f'@{kind}')
    card.wait_for()
    return card
