"""Resizing sticky notes and groups with the mouse, in the real app: a corner or an edge, from any
side; each resize is one edit (Ctrl+Z takes it back), it stops at a minimum size, and it is saved."""
from __future__ import annotations

from studio.editor.state import ANNOTATION_MIN_SIZES, ANNOTATION_SIZES

from locators import add_annotation, exported, node


def stored(page, annotation_id: str) -> tuple[int, int, int, int]:
    """The annotation as the graph file has it: x, y, width, height."""
    found = {item['id']: item for item in exported(page)['annotations']}[annotation_id]
    return found['position']['x'], found['position']['y'], found['size']['width'], found['size']['height']


def drag(page, control, dx: float, dy: float) -> None:
    """Press on a resize control, move by (dx, dy) screen pixels, let go: as a user's mouse does."""
    box = control.bounding_box()
    assert box is not None, f'{control} is not rendered'
    x, y = box['x'] + box['width'] / 2, box['y'] + box['height'] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()


def close(actual: float, expected: float) -> bool:
    return abs(actual - expected) <= 2  # Vue Flow rounds the pointer's travel down to whole flow units


def test_notes_and_groups_resize_from_corners_and_edges_as_undoable_saved_edits(editor):
    page = editor
    pane = page.locator('.vue-flow__pane').bounding_box()
    report = node(page, 'report').bounding_box()
    x, y = pane['x'] + 60, min(report['y'] + report['height'] + 60, pane['y'] + pane['height'] - 260)
    note = add_annotation(page, x, y, 'note')
    zoom = int(page.locator('.swarm-zoom__readout').get_attribute('data-zoom')) / 100
    x0, y0, width0, height0 = stored(page, 'note')
    assert (width0, height0) == ANNOTATION_SIZES['note']

    corner = note.locator('.vue-flow__resize-control.handle.bottom.right')
    # Until hovered or selected the handles are hidden. The note appears under the pointer (where the
    # menu was): moved off it, they fade out (a 0.15 s transition) and stay out.
    page.mouse.move(pane['x'] + 5, pane['y'] + 5)
    page.wait_for_function('''() => getComputedStyle(document.querySelector(
        '.vue-flow__node[data-id="@note"] .vue-flow__resize-control.handle.bottom.right')).opacity === '0' ''')
    page.wait_for_timeout(300)
    assert corner.evaluate('(element) => getComputedStyle(element).opacity') == '0'
    note.click()
    page.mouse.move(pane['x'] + 5, pane['y'] + 5)  # selected, not hovered: the handles stay
    page.wait_for_function('''() => getComputedStyle(document.querySelector(
        '.vue-flow__node[data-id="@note"] .vue-flow__resize-control.handle.bottom.right')).opacity === '1' ''')
    drag(page, corner, 120, 60)
    x1, y1, width1, height1 = stored(page, 'note')
    assert (x1, y1) == (x0, y0)
    assert close(width1, width0 + 120 / zoom) and close(height1, height0 + 60 / zoom), (width1, height1)
    box = note.bounding_box()  # what the screen shows is what is stored
    assert close(box['width'] / zoom, width1) and close(box['height'] / zoom, height1)

    drag(page, note.locator('.vue-flow__resize-control.handle.top.left'), 40, 30)  # the top-left moves
    x2, y2, width2, height2 = stored(page, 'note')
    assert close(x2, x1 + 40 / zoom) and close(y2, y1 + 30 / zoom), (x2, y2)
    assert close(width2, width1 - 40 / zoom) and close(height2, height1 - 30 / zoom), (width2, height2)
    assert x2 + width2 == x1 + width1 and y2 + height2 == y1 + height1  # the opposite corner stays put

    left = note.bounding_box()['x']
    page.keyboard.press('Control+z')  # one resize, one undo
    page.wait_for_function('''([left, width]) => {
        const box = document.querySelector('.vue-flow__node[data-id="@note"]').getBoundingClientRect();
        return Math.abs(box.width - width) < 3 && box.left < left - 10;
    }''', arg=[left, width1 * zoom])
    assert stored(page, 'note') == (x1, y1, width1, height1)

    drag(page, note.locator('.vue-flow__resize-control.handle.bottom.right'), -900, -900)  # far past the minimum
    min_width, min_height = ANNOTATION_MIN_SIZES['note']
    assert stored(page, 'note') == (x1, y1, min_width, min_height)
    assert note.locator('.swarm-note').inner_text() == 'Note'  # the text still shows

    group = add_annotation(page, x + 40 + width1 * zoom, y, 'group')
    gx0, gy0, gwidth0, gheight0 = stored(page, 'group')
    group.hover()
    drag(page, group.locator('.vue-flow__resize-control.line.left'), -50, 0)  # an edge, not a corner
    gx1, gy1, gwidth1, gheight1 = stored(page, 'group')
    assert close(gx1, gx0 - 50 / zoom) and close(gwidth1, gwidth0 + 50 / zoom) and (gy1, gheight1) == (gy0, gheight0)

    page.keyboard.press('Control+s')
    page.locator('.q-notification', has_text='Saved: version').wait_for()
    page.reload()
    node(page, '@group').wait_for()
    assert stored(page, 'note') == (x1, y1, min_width, min_height)
    assert stored(page, 'group') == (gx1, gy1, gwidth1, gheight1)
    zoom = int(page.locator('.swarm-zoom__readout').get_attribute('data-zoom')) / 100
    box = node(page, '@note').bounding_box()
    assert close(box['width'] / zoom, min_width) and close(box['height'] / zoom, min_height)
