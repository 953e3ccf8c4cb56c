"""The run drawer is docked beside the canvas (as n8n's and ComfyUI's panels are): while it is open
the canvas ends where the drawer begins, so the minimap and every card stay in sight; the inspector
makes room for it and comes back, as the user had it, when it closes."""
from __future__ import annotations

import re

DRAWER = '.q-drawer--right'
MINIMAP = '.swarm-minimap canvas'


def box(page, selector: str) -> dict:
    found = page.locator(selector).bounding_box()
    assert found is not None, f'{selector} is not shown'
    return found


def intersect(a: dict, b: dict) -> bool:
    return (a['x'] < b['x'] + b['width'] and b['x'] < a['x'] + a['width']
            and a['y'] < b['y'] + b['height'] and b['y'] < a['y'] + a['height'])


def settled(page, opened: bool) -> None:
    """Wait for the drawer's slide and the canvas's new size to be over."""
    page.wait_for_function('''([selector, opened]) => {
        const drawer = document.querySelector(selector);
        const box = drawer?.getBoundingClientRect();
        const shown = !!box && box.width > 0 && Math.abs(box.right - window.innerWidth) < 1;
        return opened ? shown : !shown;
    }''', arg=[DRAWER, opened])
    page.wait_for_timeout(400)  # the canvas is measured, and the minimap placed, once the size has settled


def toggle_drawer(page) -> None:
    page.get_by_role('button', name='Run panel').click()


def test_the_open_run_drawer_never_covers_the_minimap_or_the_canvas(editor):
    page = editor
    minimap = box(page, MINIMAP)
    assert page.locator('.swarm-inspector-panel').is_visible()

    toggle_drawer(page)
    settled(page, opened=True)
    drawer, minimap_now, canvas = box(page, DRAWER), box(page, MINIMAP), box(page, '.vue-flow')
    assert not intersect(drawer, minimap_now), (drawer, minimap_now)
    assert canvas['x'] + canvas['width'] <= drawer['x'] + 1  # docked: the canvas ends where the drawer begins
    assert minimap_now['x'] + minimap_now['width'] <= drawer['x']
    assert not page.locator('.swarm-inspector-panel').is_visible()  # the drawer takes its place

    page.locator('.vue-flow__node[data-id="tidy"]').click()  # a node's run details open there too
    page.locator(f'{DRAWER} .q-tab--active', has_text=re.compile('Node', re.IGNORECASE)).wait_for()
    assert not intersect(box(page, DRAWER), box(page, MINIMAP))

    toggle_drawer(page)
    settled(page, opened=False)
    page.locator('.swarm-inspector-panel').wait_for()
    assert box(page, MINIMAP) == minimap  # back where it was

    page.get_by_role('button', name='Show or hide the inspector').click()  # hidden by the user
    page.locator('.swarm-inspector-panel').wait_for(state='hidden')
    toggle_drawer(page)
    settled(page, opened=True)
    assert not intersect(box(page, DRAWER), box(page, MINIMAP))
    toggle_drawer(page)
    settled(page, opened=False)
    assert not page.locator('.swarm-inspector-panel').is_visible()  # stays as the user left it
