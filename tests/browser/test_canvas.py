"""The canvas element in a real Chromium, on tests/browser/canvas_page.py's demo graph:
brief → plan → extract → merge → result, and a loose agent `markup` whose title is HTML."""
from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from locators import node
from painted import HEIGHT, PIXEL_JS, WIDTH, midpoint, on_a_card, overview_pixel, painted_pixel, wait_until_painted

# NOTE: canvas_page.py gives the `markup` node this title.
MARKUP_TITLE = '<b>x</b><script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


def edge(page, edge_id: str):
    return page.locator(f'.vue-flow__edge[data-id="{edge_id}"]')


def call(base_url: str, method: str, *args: Any) -> Any:
    """A Canvas method run from Python in the harness (waits for the browser where it can)."""
    request = urllib.request.Request(f'{base_url}/harness/{method}', data=json.dumps(args).encode(),
                                     headers={'Content-Type': 'application/json'}, method='POST')
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def events(base_url: str, name: str | None = None) -> list[Any]:
    with urllib.request.urlopen(f'{base_url}/harness/events', timeout=10) as response:
        received = json.load(response)
    return [event['args'] for event in received if name is None or event['event'] == name]


def wait_for_events(base_url: str, name: str, count: int = 1, timeout: float = 5) -> list[Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = events(base_url, name)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f'expected {count} "{name}" event(s) in Python, got {events(base_url)}')


def wait_for_last(base_url: str, name: str, check, timeout: float = 5) -> Any:
    """Wait until the last `name` event Python got passes `check` (a later event may be on its way
    when the page already shows what caused it); that event."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        found = events(base_url, name)
        last = found[-1] if found else None
        if last is not None and check(last):
            return last
        time.sleep(0.05)
    raise AssertionError(f'the last "{name}" event Python got: {last}')


def center(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, f'{locator} is not rendered'
    return box['x'] + box['width'] / 2, box['y'] + box['height'] / 2


def drag(page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def connect(page, source: str, target: str) -> None:
    drag(page, center(node(page, source).locator('.vue-flow__handle.source')),
         center(node(page, target).locator('.vue-flow__handle.target')))


@pytest.fixture
def canvas(canvas_server, page):
    """The harness page, opened and laid out; yields the page."""
    page.goto(canvas_server)
    node(page, 'result').wait_for()
    page.wait_for_function('document.querySelectorAll(".vue-flow__edge").length === 4')
    return page


def test_nodes_render_with_their_ids_kinds_and_handles(canvas):
    ids = canvas.eval_on_selector_all('.vue-flow__node', 'els => els.map(el => el.dataset.id).sort()')
    assert ids == ['brief', 'extract', 'markup', 'merge', 'plan', 'result']
    plan = node(canvas, 'plan')
    assert plan.locator('.swarm-node__icon').inner_text() == 'smart_toy'
    assert plan.locator('.swarm-node__title').inner_text() == 'Plan the work'
    assert plan.locator('.swarm-node__tier').inner_text() == 'T1'
    assert plan.locator('.swarm-node__model').inner_text() == 'gpt-4o'
    assert node(canvas, 'brief').locator('.swarm-node__model').inner_text() == 'input'  # no model: its kind
    assert node(canvas, 'brief').locator('.swarm-node__icon').inner_text() == 'input'
    # input: a source handle only; output: a target handle only; agent: both
    assert node(canvas, 'brief').locator('.vue-flow__handle').evaluate_all('hs => hs.map(h => h.classList.contains("source"))') == [True]
    assert node(canvas, 'result').locator('.vue-flow__handle').evaluate_all('hs => hs.map(h => h.classList.contains("target"))') == [True]
    assert plan.locator('.vue-flow__handle').count() == 2
    # merge's prompt names an unknown node: the validator's sentence is on the card
    problems = node(canvas, 'merge').locator('.swarm-node__problems')
    assert problems.inner_text().strip().endswith('1')
    assert 'nowhere' in problems.get_attribute('title')
    assert 'swarm-has-problems' in node(canvas, 'merge').get_attribute('class')
    assert node(canvas, 'plan').locator('.swarm-node__problems').count() == 0


def test_a_drawn_edge_reaches_python_which_adds_it(canvas, canvas_server):
    connect(canvas, 'brief', 'merge')
    assert wait_for_events(canvas_server, 'connect') == [{'source': 'brief', 'target': 'merge'}]
    edge(canvas, 'brief->merge').wait_for(state='attached')
    assert canvas.locator('.harness-message').inner_text() == 'Connected brief → merge.'


# What flashed, recorded as it happens: the flash lasts two seconds, which a loaded machine can spend
# before the test looks.
RECORD_FLASHES_JS = '''() => {
    window.__flashed = new Set();
    const seen = (el) => { if (el.classList && el.classList.contains("swarm-flash")) window.__flashed.add(el.dataset.id); };
    new MutationObserver((changes) => changes.forEach((change) => seen(change.target)))
        .observe(document.querySelector(".vue-flow"), {attributes: true, attributeFilter: ["class"], subtree: true});
}'''


def test_an_edge_closing_a_cycle_is_refused_and_the_cycle_flashes(canvas, canvas_server):
    canvas.evaluate(RECORD_FLASHES_JS)
    connect(canvas, 'merge', 'plan')
    assert wait_for_events(canvas_server, 'connect') == [{'source': 'merge', 'target': 'plan'}]
    message = canvas.locator('.harness-message')
    message.filter(has_text='would close a cycle').wait_for()
    assert message.inner_text() == 'Refused: would close a cycle: merge → plan → extract → merge'
    canvas.wait_for_function('window.__flashed.size >= 5')
    assert sorted(canvas.evaluate('[...window.__flashed]')) == ['extract', 'extract->merge', 'merge', 'plan',
                                                                'plan->extract']
    assert edge(canvas, 'merge->plan').count() == 0
    assert canvas.locator('.vue-flow__edge').count() == 4
    # the highlight is for a moment only
    canvas.wait_for_function('document.querySelectorAll(".swarm-flash").length === 0', timeout=5000)
    assert edge(canvas, 'merge->plan').count() == 0


def test_an_edge_drawn_from_a_target_handle_runs_from_the_source(canvas, canvas_server):
    # the card's handles are handles.js's own elements: the one pressed says which end it is
    drag(canvas, center(node(canvas, 'merge').locator('.vue-flow__handle.target')),
         center(node(canvas, 'brief').locator('.vue-flow__handle.source')))
    assert wait_for_events(canvas_server, 'connect') == [{'source': 'brief', 'target': 'merge'}]
    assert events(canvas_server, 'move') == []  # pressing a handle never drags its card


def test_clicking_two_handles_connects_them(canvas, canvas_server):
    canvas.locator('.vue-flow__node[data-id="brief"] .vue-flow__handle.source').click()
    canvas.locator('.vue-flow__node[data-id="merge"] .vue-flow__handle.target').click()
    assert wait_for_events(canvas_server, 'connect') == [{'source': 'brief', 'target': 'merge'}]
    edge(canvas, 'brief->merge').wait_for(state='attached')


def test_a_self_loop_is_reported_and_refused(canvas, canvas_server):
    # drag plan's source handle onto its own target handle
    connect(canvas, 'plan', 'plan')
    assert wait_for_events(canvas_server, 'connect') == [{'source': 'plan', 'target': 'plan'}]
    canvas.locator('.harness-message').filter(has_text='plan → plan').wait_for()
    assert edge(canvas, 'plan->plan').count() == 0


def test_delete_key_reports_the_selection_and_deletes_nothing_by_itself(canvas, canvas_server):
    node(canvas, 'extract').click()
    canvas.keyboard.press('Delete')
    assert wait_for_events(canvas_server, 'delete') == [{'nodes': ['extract'], 'edges': []}]
    node(canvas, 'extract').wait_for(state='detached')  # the harness deleted it through apply
    assert canvas.locator('.vue-flow__edge').count() == 2  # and the edges it had
    # the harness keeps the input node: it must still be there after Backspace
    node(canvas, 'brief').click()
    canvas.keyboard.press('Backspace')
    assert wait_for_events(canvas_server, 'delete', 2)[1] == {'nodes': ['brief'], 'edges': []}
    canvas.locator('.harness-message').filter(has_text='input node stays').wait_for()
    assert node(canvas, 'brief').count() == 1
    assert edge(canvas, 'brief->plan').count() == 1
    # an edge is selected by clicking on it, and deleted the same way
    middle = canvas.eval_on_selector('.vue-flow__edge[data-id="brief->plan"] path.vue-flow__edge-path', '''path => {
        const point = path.getPointAtLength(path.getTotalLength() / 2).matrixTransform(path.getScreenCTM());
        return [point.x, point.y];
    }''')
    canvas.mouse.click(*middle)
    canvas.keyboard.press('Delete')
    assert wait_for_events(canvas_server, 'delete', 3)[2] == {'nodes': [], 'edges': ['brief->plan']}
    edge(canvas, 'brief->plan').wait_for(state='detached')


def test_a_title_with_markup_is_shown_as_text(canvas):
    title = node(canvas, 'markup').locator('.swarm-node__title')
    assert title.text_content() == MARKUP_TITLE
    assert title.locator('b, script, img').count() == 0
    assert canvas.evaluate('window.__xss') is None


def test_apply_adds_updates_and_removes(canvas, canvas_server):
    call(canvas_server, 'apply', [
        {'op': 'add_node', 'node': {'id': 'critic', 'kind': 'agent', 'title': 'Critic', 'x': 560, 'y': 260,
                                    'icon': 'rate_review', 'tier': 2, 'model': None, 'problems': [],
                                    'has_inputs': True, 'has_outputs': True}},
        {'op': 'add_edge', 'edge': {'id': 'markup->critic', 'source': 'markup', 'target': 'critic'}},
        {'op': 'update_node', 'id': 'plan', 'changes': {'title': 'Plan <again>', 'tier': 3,
                                                        'problems': ['Set a prompt.', 'Pick a model.']}},
        {'op': 'update_node', 'id': 'merge', 'changes': {'problems': []}},
        {'op': 'remove_edge', 'id': 'merge->result'},
        {'op': 'remove_node', 'id': 'result'},
        {'op': 'remove_node', 'id': 'no_such_node'},
    ])
    critic = node(canvas, 'critic')
    assert critic.locator('.swarm-node__icon').inner_text() == 'rate_review'
    assert critic.locator('.swarm-node__tier').inner_text() == 'T2'
    assert edge(canvas, 'markup->critic').count() == 1
    plan = node(canvas, 'plan')
    assert plan.locator('.swarm-node__title').text_content() == 'Plan <again>'
    assert plan.locator('.swarm-node__tier').inner_text() == 'T3'
    assert plan.locator('.swarm-node__problems').get_attribute('title') == 'Set a prompt.\nPick a model.'
    assert node(canvas, 'merge').locator('.swarm-node__problems').count() == 0
    assert 'swarm-has-problems' not in node(canvas, 'merge').get_attribute('class')
    assert node(canvas, 'result').count() == 0
    assert edge(canvas, 'merge->result').count() == 0
    # a position change moves the card
    before = node(canvas, 'critic').bounding_box()
    call(canvas_server, 'apply', [{'op': 'update_node', 'id': 'critic', 'changes': {'x': 660, 'y': 260}}])
    canvas.wait_for_function('() => true')  # let Vue render
    after = node(canvas, 'critic').bounding_box()
    assert after['x'] > before['x'] + 20 and after['y'] == pytest.approx(before['y'], abs=1)


def test_set_states_changes_node_classes_and_animates_edges_into_running_nodes(canvas, canvas_server):
    plan = node(canvas, 'plan')
    call(canvas_server, 'set_states', {'plan': {'state': 'running', 'label': 'calling', 'tier': 2,
                                                'model': 'gpt-4o-mini', 'cost': 0.0012},
                                       'brief': {'state': 'succeeded'}})
    canvas.wait_for_function('document.querySelector(\'.vue-flow__node[data-id="plan"]\').classList.contains("swarm-state-running")')
    assert 'swarm-state-succeeded' in node(canvas, 'brief').get_attribute('class')
    assert 'animated' in edge(canvas, 'brief->plan').get_attribute('class')
    assert 'animated' not in edge(canvas, 'plan->extract').get_attribute('class')
    assert plan.locator('.swarm-node__state').inner_text().strip().endswith('calling · $0.0012')
    assert plan.locator('.swarm-node__tier').inner_text() == 'T2'  # the tier it actually runs on
    assert plan.locator('.swarm-node__model').inner_text() == 'gpt-4o-mini'

    call(canvas_server, 'set_states', {'plan': {'state': 'failed'}})
    canvas.wait_for_function('document.querySelector(\'.vue-flow__node[data-id="plan"]\').classList.contains("swarm-state-failed")')
    assert 'swarm-state-running' not in plan.get_attribute('class')
    assert 'animated' not in edge(canvas, 'brief->plan').get_attribute('class')

    call(canvas_server, 'set_states', {'plan': None, 'brief': {'state': None}})
    canvas.wait_for_function('document.querySelectorAll(\'.vue-flow__node[class*="swarm-state-"]\').length === 0')
    assert plan.locator('.swarm-node__state').count() == 0
    assert plan.locator('.swarm-node__tier').inner_text() == 'T1'


def flow_position(page, node_id: str) -> list[float]:
    """Where the node's card is drawn, in flow coordinates."""
    return page.evaluate("""(id) => {
        const pane = document.querySelector(".vue-flow").getBoundingClientRect();
        const m = new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform);
        const box = document.querySelector(`.vue-flow__node[data-id="${id}"]`).getBoundingClientRect();
        return [(box.left - pane.left - m.e) / m.a, (box.top - pane.top - m.f) / m.d];
    }""", node_id)


def test_a_drag_reports_the_move_once(canvas, canvas_server):
    start = center(node(canvas, 'markup').locator('.swarm-node__meta'))
    drag(canvas, start, (start[0] + 150, start[1] + 60))
    moves = wait_for_events(canvas_server, 'move')
    time.sleep(0.3)
    assert len(events(canvas_server, 'move')) == 1
    [[moved]] = moves
    assert moved['id'] == 'markup'
    x, y = flow_position(canvas, 'markup')  # Python hears where the user sees the card
    assert moved['x'] == pytest.approx(x, abs=1) and moved['y'] == pytest.approx(y, abs=1)
    assert moved['x'] > 280 + 100 and moved['y'] > 260 + 30  # it moved right and down
    node(canvas, 'plan').click()  # a click is not a move
    time.sleep(0.3)
    assert len(events(canvas_server, 'move')) == 1


def test_shift_click_and_shift_drag_select_several_nodes(canvas, canvas_server):
    node(canvas, 'plan').click()
    node(canvas, 'extract').click(modifiers=['Shift'])
    deadline = time.monotonic() + 5
    while events(canvas_server, 'selection')[-1:] != [{'nodes': ['plan', 'extract'], 'edges': []}]:
        assert time.monotonic() < deadline, events(canvas_server, 'selection')
        time.sleep(0.05)
    # a shift-drag box around brief and plan (and no other node)
    brief, plan = node(canvas, 'brief').bounding_box(), node(canvas, 'plan').bounding_box()
    canvas.keyboard.down('Shift')
    drag(canvas, (brief['x'] - 10, plan['y'] - 10), (plan['x'] + plan['width'] + 10, brief['y'] + brief['height'] + 10))
    canvas.keyboard.up('Shift')
    deadline = time.monotonic() + 5
    while not events(canvas_server, 'selection') or sorted(events(canvas_server, 'selection')[-1]['nodes']) != ['brief', 'plan']:
        assert time.monotonic() < deadline, events(canvas_server, 'selection')
        time.sleep(0.05)


def test_keyboard_shortcuts_are_reported(canvas, canvas_server):
    node(canvas, 'plan').click()
    for keys in ('Control+z', 'Control+Shift+z', 'Control+y', 'Control+c', 'Control+v', 'Control+s', 'Control+a'):
        canvas.keyboard.press(keys)
    actions = [event['action'] for event in wait_for_events(canvas_server, 'key', 7)]
    assert actions == ['undo', 'redo', 'redo', 'copy', 'paste', 'save', 'select_all']


def test_a_palette_drop_reports_kind_and_flow_position(canvas, canvas_server):
    pane = canvas.locator('.vue-flow__pane')
    x, y = center(pane)
    canvas.evaluate('''([x, y]) => {
        const data = new DataTransfer();
        data.setData("application/x-swarm-kind", "agent");
        const target = document.elementFromPoint(x, y);
        for (const type of ["dragenter", "dragover", "drop"])
            target.dispatchEvent(new DragEvent(type, {dataTransfer: data, clientX: x, clientY: y, bubbles: true, cancelable: true}));
    }''', [x, y])
    [dropped] = wait_for_events(canvas_server, 'drop')
    expected = canvas.evaluate('''([x, y]) => {
        const pane = document.querySelector(".vue-flow").getBoundingClientRect();
        const m = new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform);
        return [(x - pane.left - m.e) / m.a, (y - pane.top - m.f) / m.d];
    }''', [x, y])
    assert dropped['kind'] == 'agent'
    assert dropped['x'] == pytest.approx(expected[0], abs=1) and dropped['y'] == pytest.approx(expected[1], abs=1)


def zoom_in_until_cards(page, at: tuple[float, float], steps: int = 30) -> None:
    page.mouse.move(*at)
    for _ in range(steps):
        if page.get_attribute('.swarm-canvas', 'data-mode') == 'cards':
            return
        page.mouse.wheel(0, -200)
        page.wait_for_timeout(50)
    raise AssertionError('zooming in never brought the cards back')


def generated_graph(nodes: int):
    """The graph the harness page shows for `/?generate=nodes`."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'benchmarks'))
    from generate import generate_graph
    return generate_graph(nodes)


def test_a_large_graph_opens_as_an_overview_and_zooming_in_brings_cards_back(canvas_server, page):
    page.goto(canvas_server + '/?generate=600')
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()
    assert page.get_attribute('.swarm-canvas', 'data-mode') == 'overview'
    assert page.locator('.vue-flow__node').count() == 0
    assert page.locator('.swarm-minimap').count() == 0  # the overview shows the whole graph itself
    graph = generated_graph(600)
    total_edges = len(graph.edges)
    assert int(page.get_attribute('.swarm-overview', 'data-edges')) == total_edges  # all in view: all drawn

    box = page.locator('.vue-flow__pane').bounding_box()
    zoom_in_until_cards(page, (box['x'] + box['width'] / 3, box['y'] + box['height'] / 3))
    page.locator('.vue-flow__node').first.wait_for()
    cards = page.locator('.vue-flow__node').count()
    assert 0 < cards < 150
    page.locator('.swarm-minimap canvas').wait_for()
    # a large graph's edges are painted, none is an element; of them, only those that can cross the screen are drawn
    assert page.locator('.vue-flow__edge').count() == 0
    drawn = int(page.get_attribute('.swarm-overview', 'data-edges'))
    assert 0 < drawn < total_edges / 4

    # an edit still makes the round trip: connect a card to one in a later layer (never a cycle),
    # where nothing is painted yet at the middle of the new edge: it is painted there
    by_id = {graph_node.id: graph_node for graph_node in graph.nodes}
    existing = {(e.source, e.target) for e in graph.edges}
    positions = page.eval_on_selector_all('.vue-flow__node', '''els => els.map(el => {
        const box = el.getBoundingClientRect();
        return [el.dataset.id, box.left, box.top, box.right, box.bottom];
    })''')
    inside = [p for p in positions if p[1] > box['x'] and p[3] < box['x'] + box['width'] - 220
              and p[2] > box['y'] and p[4] < box['y'] + box['height'] - 160 and p[0].startswith('a')]
    pairs = [(s[0], t[0]) for s in inside for t in inside
             if t[1] > s[3] + 20 and (s[0], t[0]) not in existing
             and not on_a_card(graph.nodes, *midpoint(by_id[s[0]], by_id[t[0]]))]
    # (around: a line a pixel wide can pass between the pixel centres next to the middle)
    source, target = next(pair for pair in pairs
                          if painted_pixel(page, *midpoint(by_id[pair[0]], by_id[pair[1]]), around=1) is None)
    connect(page, source, target)
    assert wait_for_events(canvas_server, 'connect') == [{'source': source, 'target': target}]
    wait_until_painted(page, *midpoint(by_id[source], by_id[target]), around=1)
    assert page.locator('.vue-flow__edge').count() == 0

    # and zooming out again paints the overview
    page.mouse.move(box['x'] + box['width'] / 2, box['y'] + box['height'] / 2)
    for _ in range(30):
        if page.get_attribute('.swarm-canvas', 'data-mode') == 'overview':
            break
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(50)
    assert page.get_attribute('.swarm-canvas', 'data-mode') == 'overview'
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()


# At the start of every frame from now on: the cards on screen, and how many nodes whose middle
# is on screen are neither a card nor painted there (the page is given every node's position).
WATCH_CARDS_JS = """(positions) => {
    window.__frames = [];
    const { width: cardWidth, height: cardHeight } = %s;
    const painted = %s;
    const look = () => {
        const pane = document.querySelector(".vue-flow").getBoundingClientRect();
        const m = new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform);
        const cards = new Set([...document.querySelectorAll(".vue-flow__node")].map((el) => el.dataset.id));
        let missing = 0;
        for (const [id, x, y] of positions) {
            const middle = [x + cardWidth / 2, y + cardHeight / 2];
            const sx = middle[0] * m.a + m.e, sy = middle[1] * m.d + m.f;
            if (sx < 0 || sy < 0 || sx > pane.width || sy > pane.height || cards.has(id)) continue;
            if (!painted(middle)[0]) missing += 1;
        }
        window.__frames.push({mode: document.querySelector(".swarm-canvas").dataset.mode, cards: cards.size, missing});
        requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
}"""


def test_zooming_into_cards_brings_them_a_few_a_frame_with_the_rest_painted_meanwhile(canvas_server, page):
    # 56 cards at once were one long frame; they come 20 a frame, and until its card comes every
    # node on screen stays painted where it is
    page.goto(canvas_server + '/?generate=600')
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()
    positions = [[n.id, n.position.x, n.position.y] for n in generated_graph(600).nodes]
    page.evaluate(WATCH_CARDS_JS % (json.dumps({'width': WIDTH, 'height': HEIGHT}), PIXEL_JS), positions)
    box = page.locator('.vue-flow__pane').bounding_box()
    zoom_in_until_cards(page, (box['x'] + box['width'] / 3, box['y'] + box['height'] / 3))
    page.wait_for_function('window.__frames.filter((f) => f.mode === "cards").length > 20')
    frames = [frame for frame in page.evaluate('window.__frames') if frame['mode'] == 'cards']
    counts = [frame['cards'] for frame in frames]
    assert counts[-1] > 20, counts  # enough cards on screen for more than one frame's worth
    assert counts == sorted(counts) and counts[-1] == counts[-10], counts  # growing, then settled
    assert [count for count in counts if 0 < count < counts[-1]], counts  # some frames with only some
    assert all(count - before <= 20 for before, count in zip([0, *counts], counts)), counts
    assert [frame['missing'] for frame in frames] == [0] * len(frames)


def test_run_states_recolour_the_overview_each_time(canvas_server, page):
    # The overview keeps its layer of plain edges while the view stays; node colours must still
    # follow every batch of states, painted over it.
    page.goto(canvas_server + '/?generate=600')
    page.locator('.swarm-overview[data-nodes="600"]').wait_for()
    graph = generated_graph(600)
    target = next(node for node in graph.nodes if node.id.startswith('a'))
    where = (target.position.x, target.position.y)
    assert overview_pixel(page, *where) == '#dde3e8'  # an agent with no state
    for state, colour in (('running', '#1e88e5'), ('succeeded', '#43a047'), ('failed', '#e53935')):
        call(canvas_server, 'set_states', {target.id: {'state': state}})
        deadline = time.monotonic() + 10
        while (painted := overview_pixel(page, *where)) != colour and time.monotonic() < deadline:
            page.wait_for_timeout(50)
        assert painted == colour, state


def minimap_colours(page) -> set[str]:
    """Every colour the minimap has painted, as #rrggbb (opaque pixels only)."""
    return set(page.evaluate("""() => {
        const canvas = document.querySelector(".swarm-minimap canvas");
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set();
        for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] === 255) seen.add("#" + [data[i], data[i + 1], data[i + 2]].map((v) => v.toString(16).padStart(2, "0")).join(""));
        }
        return [...seen];
    }"""))


def view_offset(page) -> tuple[float, float]:
    matrix = page.evaluate('''() => { const m = new DOMMatrix(getComputedStyle(
        document.querySelector('.vue-flow__transformationpane')).transform); return [m.e, m.f]; }''')
    return matrix[0], matrix[1]


def test_the_minimap_shows_nodes_in_their_state_colour_and_moves_the_view(canvas, canvas_server):
    minimap = canvas.locator('.swarm-minimap canvas')
    minimap.wait_for()
    assert {'#dde3e8', '#c8e6c9', '#e1bee7'} <= minimap_colours(canvas)  # agents, the input, the output
    assert '#1e88e5' not in minimap_colours(canvas)
    call(canvas_server, 'set_states', {'plan': {'state': 'running'}})
    canvas.wait_for_function('document.querySelector(\'.vue-flow__node[data-id="plan"]\').classList.contains("swarm-state-running")')
    canvas.wait_for_timeout(100)  # the minimap is painted at the next frame
    assert '#1e88e5' in minimap_colours(canvas)

    before = view_offset(canvas)
    box = minimap.bounding_box()
    canvas.mouse.click(box['x'] + 4, box['y'] + 4)  # a corner: the view moves so that it is centred there
    canvas.wait_for_function('(before) => { const m = new DOMMatrix(getComputedStyle(document.querySelector('
                             '".vue-flow__transformationpane")).transform); return m.e !== before[0] || m.f !== before[1]; }',
                             arg=list(before))
    after = view_offset(canvas)
    assert after[0] > before[0] and after[1] > before[1]  # the top-left corner came towards the centre


def test_the_page_preloads_the_bundle_the_import_map_names(canvas):
    # Imported by canvas.js, the bundle would otherwise be asked for only once canvas.js arrived.
    imports = canvas.evaluate('JSON.parse(document.querySelector("script[type=importmap]").textContent).imports')
    preloads = canvas.eval_on_selector_all('link[rel=modulepreload]', 'els => els.map(el => el.getAttribute("href"))')
    assert imports['swarm-canvas'] in preloads
    timing = canvas.evaluate('''(url) => performance.getEntriesByType("resource")
        .filter(entry => entry.name.endsWith(url) || entry.name.endsWith("/canvas.js"))
        .map(entry => [entry.name.endsWith(url) ? "bundle" : "canvas.js", entry.startTime, entry.responseEnd])''',
                             imports['swarm-canvas'])
    bundle = [entry for entry in timing if entry[0] == 'bundle']
    [(_, _, canvas_js_arrived)] = [entry for entry in timing if entry[0] == 'canvas.js']
    assert len(bundle) == 1  # fetched once, by the preload
    assert bundle[0][1] < canvas_js_arrived  # asked for before canvas.js (which imports it) had arrived
