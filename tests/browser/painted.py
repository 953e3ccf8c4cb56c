"""What the canvas paints rather than shows as elements (a large graph's nodes in the overview,
its edges always): where a flow point lands on screen, the painted colour there, and where an
edge's curve runs (the geometry of src/overview.js's `edgeCurve`)."""
from __future__ import annotations

import json
from pathlib import Path

CARD = json.loads((Path(__file__).resolve().parents[2] / 'studio' / 'canvas' / 'src' / 'card.json').read_text())
WIDTH, HEIGHT, HANDLE = CARD['width'], CARD['height'], CARD['handle']

# [x, y, around]: the pixel at flow position (x, y), or the first painted one of the square
# `around` pixels each side of it (a line one pixel wide can pass between two pixel centres).
PIXEL_JS = """([x, y, around = 0]) => {
    const canvas = document.querySelector(".swarm-overview");
    const m = new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform);
    const ratio = canvas.width / canvas.clientWidth;
    const px = Math.round((x * m.a + m.e) * ratio), py = Math.round((y * m.d + m.f) * ratio);
    const side = 2 * around + 1;
    const data = canvas.getContext("2d").getImageData(px - around, py - around, side, side).data;
    const middle = 4 * (around * side + around);
    const offsets = [middle, ...Array.from({length: side * side}, (_, k) => 4 * k)];
    const at = offsets.find((offset) => data[offset + 3]) ?? middle;
    const [r, g, b, a] = data.slice(at, at + 4);
    return [a, "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("")];
}"""


def painted_pixel(page, x: float, y: float, around: int = 0) -> str | None:
    """The colour painted at flow position (x, y) as #rrggbb, or None where nothing is painted;
    with `around`, the first painted within that many pixels each side."""
    alpha, colour = page.evaluate(PIXEL_JS, [x, y, around])
    return colour if alpha else None


def wait_until_painted(page, x: float, y: float, timeout: float = 5000, around: int = 0) -> None:
    """Wait (checking once a frame) until something is painted at flow position (x, y) (or, with
    `around`, within that many pixels each side)."""
    page.wait_for_function(f'(point) => ({PIXEL_JS})(point)[0] > 0', arg=[x, y, around], timeout=timeout)


def overview_pixel(page, x: float, y: float) -> str | None:
    """The colour painted at the centre of the box of the node at flow position (x, y)."""
    return painted_pixel(page, x + WIDTH / 2, y + HEIGHT / 2)


def to_screen(page, x: float, y: float) -> tuple[float, float]:
    """A flow position in the page's (mouse) coordinates."""
    return tuple(page.evaluate("""([x, y]) => {
        const pane = document.querySelector(".vue-flow").getBoundingClientRect();
        const m = new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform);
        return [pane.left + x * m.a + m.e, pane.top + y * m.d + m.f];
    }""", [x, y]))


def zoom(page) -> float:
    return page.evaluate('new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform).a')


def curve_points(source, target, steps: int = 48) -> list[tuple[float, float]]:
    """Points along the edge source → target (nodes with `.position`), as the canvas draws it."""
    x1, y1 = source.position.x + WIDTH + HANDLE / 2, source.position.y + HEIGHT / 2
    x2, y2 = target.position.x - HANDLE / 2, target.position.y + HEIGHT / 2
    bend = max(40, abs(x2 - x1) / 2)
    points = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        points.append((u ** 3 * x1 + 3 * u * u * t * (x1 + bend) + 3 * u * t * t * (x2 - bend) + t ** 3 * x2,
                       u ** 3 * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y2))
    return points


def midpoint(source, target) -> tuple[float, float]:
    """The middle of the edge's curve (its control points are symmetric: the middle of its ends)."""
    return ((source.position.x + WIDTH + HANDLE / 2 + target.position.x - HANDLE / 2) / 2,
            (source.position.y + target.position.y + HEIGHT) / 2)


def on_a_card(nodes, x: float, y: float, margin: float = 0) -> bool:
    return any(node.position.x - margin <= x <= node.position.x + WIDTH + margin
               and node.position.y - margin <= y <= node.position.y + HEIGHT + margin for node in nodes)


def clear_points(graph, visible: tuple[float, float, float, float], clearance: float) -> list:
    """Points on the graph's edges where a click means that edge alone: on screen (`visible`:
    left, top, right, bottom in flow units), off every card, with no other edge within
    `clearance` flow units, and a unit vector across the edge there. One per edge that has one:
    [(source, target, (x, y), (across_x, across_y))]."""
    by_id = {node.id: node for node in graph.nodes}
    left, top, right, bottom = visible
    grid: dict[tuple[int, int], list] = {}  # cell of `clearance` → (edge, x, y) of the points in it
    curves = {}
    for edge in graph.edges:
        points = curve_points(by_id[edge.source], by_id[edge.target], steps=200)
        if not any(left - clearance < x < right + clearance and top - clearance < y < bottom + clearance for x, y in points):
            continue
        curves[edge.source, edge.target] = points
        for x, y in points:
            grid.setdefault((int(x // clearance), int(y // clearance)), []).append(((edge.source, edge.target), x, y))
    found = []
    for key, points in curves.items():
        for i in range(40, 161):  # away from the ends, where edges meet at handles
            x, y = points[i]
            if not (left < x < right and top < y < bottom) or on_a_card(graph.nodes, x, y, clearance):
                continue
            cx, cy = int(x // clearance), int(y // clearance)
            if all(other == key or (ox - x) ** 2 + (oy - y) ** 2 > clearance ** 2
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1) for other, ox, oy in grid.get((cx + dx, cy + dy), ())):
                dx, dy = points[i + 1][0] - points[i - 1][0], points[i + 1][1] - points[i - 1][1]
                length = (dx * dx + dy * dy) ** 0.5
                found.append((*key, (x, y), (-dy / length, dx / length)))
                break
    return found


def visible_rect(page, inset: float = 0.15) -> tuple[float, float, float, float]:
    """The part of the graph on screen, in flow units, less `inset` of it each side (clear of the
    zoom controls and the minimap in the corners)."""
    return tuple(page.evaluate("""(inset) => {
        const pane = document.querySelector(".vue-flow__pane").getBoundingClientRect();
        const m = new DOMMatrix(getComputedStyle(document.querySelector(".vue-flow__transformationpane")).transform);
        const left = -m.e / m.a, top = -m.f / m.d, width = pane.width / m.a, height = pane.height / m.d;
        return [left + width * inset, top + height * inset, left + width * (1 - inset), top + height * (1 - inset)];
    }""", inset))
