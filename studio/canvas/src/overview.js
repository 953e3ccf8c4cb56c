// The overview: when too many nodes would be on screen for Vue Flow to render them as cards
// (each card and each edge costs Vue Flow a component and some DOM), the whole graph is painted
// on one <canvas> instead, and the cards come back when the user zooms in. A large graph's edges
// are painted here in cards too (SwarmCanvas.js says why), and picked from here (edgeNear).
import { toRaw } from "vue";
import { CARD_HEIGHT, CARD_WIDTH, HANDLE_SIZE } from "./view.js";

// Switch to the overview above ENTER cards in view and back below LEAVE (hysteresis, so a
// zoom that hovers around the limit does not flip the mode on every frame).
export const ENTER_OVERVIEW = 120;
export const LEAVE_OVERVIEW = 80;
const TITLES_FROM_ZOOM = 0.3; // below this a title would be too small to read
const ARROWS_FROM_ZOOM = 0.3; // below this an arrowhead is a smudge
const ARROW = { length: 10, half: 5 }; // in flow units, as Vue Flow's closed arrow on a 1 px edge

const STATE_COLORS = {
  queued: "#90a4ae",
  running: "#1e88e5",
  retrying: "#fb8c00",
  escalated: "#8e24aa",
  succeeded: "#43a047",
  failed: "#e53935",
  skipped: null, // the palette's `idle`
  cancelled: null,
  cached: "#00897b",
  pinned: "#5e35b1",
};
// What is painted takes the page's colour scheme at paint time: NiceGUI's dark mode puts
// .body--dark on <body> (studio/theme.py), as canvas.css's dark rules read it. Run states keep
// their colours in both (they are the point of the overview); the rest follows the cards'.
const LIGHT = {
  input: "#c8e6c9", output: "#e1bee7", node: "#dde3e8", idle: "#cfd8dc",
  edge: "#b1b1b7", title: "#1f2430", selected: "#1976d2", alert: "#e53935",
  veil: "rgba(240, 242, 245, 0.55)",
};
const DARK = {
  input: "#1f4a2c", output: "#3e2a57", node: "#2b3140", idle: "#4a5262",
  edge: "#5a6275", title: "#e3e7ef", selected: "#64b5f6", alert: "#ef5350",
  veil: "rgba(21, 24, 30, 0.6)",
};
export const palette = () => (document.body.classList.contains("body--dark") ? DARK : LIGHT);

// The flow-coordinate rectangle on screen, grown by `margin` (a fraction of its size) each side.
export function viewRect(viewport, width, height, margin = 0) {
  const w = width / viewport.zoom;
  const h = height / viewport.zoom;
  const left = -viewport.x / viewport.zoom - w * margin;
  const top = -viewport.y / viewport.zoom - h * margin;
  return { left, top, right: left + w * (1 + 2 * margin), bottom: top + h * (1 + 2 * margin) };
}

export function nodesIn(nodes, rect) {
  const inside = [];
  for (const node of nodes) {
    const { x, y } = node.position;
    if (x < rect.right && x + CARD_WIDTH > rect.left && y < rect.bottom && y + CARD_HEIGHT > rect.top) inside.push(node);
  }
  return inside;
}

// `runs`: node id → run display (the canvas's map of run states); `colors`: palette().
export function nodeColor(node, runs, colors) {
  const state = runs.get(node.id)?.state;
  if (state in STATE_COLORS) return STATE_COLORS[state] ?? colors.idle;
  return colors[node.data.kind] ?? colors.node;
}

// An edge as drawn (painted here, or by Vue Flow): a bezier from the source's handle on its
// right to the target's on its left, bending horizontally. Returns [x1, y1, x2, y2, bend], or
// null when an end is missing. `findNode` gives plain node records (toRaw: through Vue's
// proxies, reading positions was a third of a paint).
export function edgeCurve(edge, findNode) {
  const source = toRaw(findNode(edge.source));
  const target = toRaw(findNode(edge.target));
  if (!source || !target) return null;
  const x1 = source.position.x + CARD_WIDTH + HANDLE_SIZE / 2;
  const y1 = source.position.y + CARD_HEIGHT / 2;
  const x2 = target.position.x - HANDLE_SIZE / 2;
  const y2 = target.position.y + CARD_HEIGHT / 2;
  return [x1, y1, x2, y2, Math.max(40, Math.abs(x2 - x1) / 2)];
}

// Whether the curve's box (its control points') misses the rectangle.
function outside([x1, y1, x2, y2, bend], rect) {
  return Math.max(x2, x1 + bend) < rect.left || Math.min(x1, x2 - bend) > rect.right
    || Math.max(y1, y2) < rect.top || Math.min(y1, y2) > rect.bottom;
}

const HIT_STEPS = 24; // straight pieces a curve is cut into to measure a point's distance to it

function distanceToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2)) : 0;
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

// The painted edge nearest to a flow point within `tolerance` (flow units), or null: what a
// click or a hover on the pane means when the edges are painted, not elements.
export function edgeNear(point, edges, findNode, tolerance) {
  const box = { left: point.x - tolerance, right: point.x + tolerance, top: point.y - tolerance, bottom: point.y + tolerance };
  let best = null;
  let bestDistance = tolerance;
  for (const edge of edges) {
    const curve = edgeCurve(edge, findNode);
    if (!curve || outside(curve, box)) continue;
    const [x1, y1, x2, y2, bend] = curve;
    let ax = x1;
    let ay = y1;
    for (let i = 1; i <= HIT_STEPS; i++) {
      const t = i / HIT_STEPS;
      const u = 1 - t;
      const bx = u * u * u * x1 + 3 * u * u * t * (x1 + bend) + 3 * u * t * t * (x2 - bend) + t * t * t * x2;
      const by = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2;
      const distance = distanceToSegment(point.x, point.y, ax, ay, bx, by);
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = edge;
      }
      ax = bx;
      ay = by;
    }
  }
  return best;
}

// Every edge in its plain colour, drawn once for a view and kept: a run changes node colours
// and which edges animate many times a second while the view and the edges stay as they are,
// and stroking thousands of curves was most of each repaint. Animated and flashing edges are
// drawn over it, wider, so the plain line under them does not show. While the view moves
// (a pan, a zoom) every paint has a new view: the edges are then drawn straight onto the
// canvas, and the layer is made only at the second paint of one view, when it starts to pay.
const edgeLayers = new WeakMap(); // painted canvas → { canvas, key, stroked, seen }

function plainEdges(canvas, ctx, key, draw) {
  let layer = edgeLayers.get(canvas);
  if (!layer) {
    layer = { canvas: null, key: null, stroked: 0, seen: null };
    edgeLayers.set(canvas, layer);
  }
  if (layer.key !== key && layer.seen !== key) {
    layer.seen = key;
    return draw(ctx);
  }
  if (layer.key !== key) {
    layer.canvas ??= document.createElement("canvas");
    layer.canvas.width = canvas.width;
    layer.canvas.height = canvas.height;
    layer.stroked = draw(layer.canvas.getContext("2d"));
    layer.key = key;
  }
  ctx.drawImage(layer.canvas, 0, 0);
  return layer.stroked;
}

// Paint nodes as boxes (titled, once there is room for a title) and edges as curves, in flow
// coordinates under the viewport transform: whatever Vue Flow is not showing as elements.
// `edgesVersion` must change whenever `edges` or a node's position does (the plain edges are
// redrawn only then, or when the view moves). Returns how many edges can reach the screen
// (only those are drawn).
// `size`: the canvas's size on screen, as Vue Flow measured its pane (reading the element's
// would force a layout in the middle of a frame that has just changed the cards). `march`: the
// phase, in screen pixels, of the dashes that march along edges into running nodes; null draws
// them solid.
export function paintOverview(canvas, { nodes, edges, findNode, runs, viewport, size, flashed, edgesVersion, march = null }) {
  const ratio = window.devicePixelRatio || 1;
  const { width, height } = size;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const pixel = 1 / viewport.zoom;
  const toView = (ctx) => {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.translate(viewport.x, viewport.y);
    ctx.scale(viewport.zoom, viewport.zoom);
  };

  const rect = viewRect(viewport, width, height);
  const around = viewRect(viewport, width, height, 0.02); // a stroke's width beyond the screen
  const arrows = viewport.zoom >= ARROWS_FROM_ZOOM;
  // `dash`: [on, off, offset] in screen pixels for a marching line (edges into running nodes).
  const strokeEdges = (ctx, list, color, lineWidth, dash = null) => {
    let stroked = 0;
    const heads = [];
    ctx.beginPath();
    for (const edge of list) {
      const curve = edgeCurve(edge, findNode);
      // An edge whose box is off screen is not added (zoomed in, that is nearly all of them,
      // and stroking them was most of a paint).
      if (!curve || outside(curve, around)) continue;
      const [x1, y1, x2, y2, bend] = curve;
      stroked += 1;
      ctx.moveTo(x1, y1);
      ctx.bezierCurveTo(x1 + bend, y1, x2 - bend, y2, x2, y2);
      if (arrows) heads.push(x2, y2);
    }
    if (!stroked) return 0;
    ctx.strokeStyle = color;
    ctx.lineWidth = Math.max(lineWidth, pixel); // as wide as Vue Flow draws it, at least a pixel
    if (dash) {
      ctx.setLineDash([dash[0] * pixel, dash[1] * pixel]);
      ctx.lineDashOffset = -dash[2] * pixel;
    }
    ctx.stroke();
    if (dash) ctx.setLineDash([]);
    if (heads.length) {
      // Every curve ends heading right, into its target's handle.
      ctx.beginPath();
      for (let i = 0; i < heads.length; i += 2) {
        ctx.moveTo(heads[i], heads[i + 1]);
        ctx.lineTo(heads[i] - ARROW.length, heads[i + 1] - ARROW.half);
        ctx.lineTo(heads[i] - ARROW.length, heads[i + 1] + ARROW.half);
        ctx.closePath();
      }
      ctx.fillStyle = color;
      ctx.fill();
    }
    return stroked;
  };

  const colors = palette();
  const key = [edgesVersion, viewport.x, viewport.y, viewport.zoom, canvas.width, canvas.height, colors.edge].join(" ");
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const stroked = plainEdges(canvas, ctx, key, (target) => {
    toView(target);
    const count = strokeEdges(target, edges, colors.edge, 1);
    target.setTransform(1, 0, 0, 1, 0, 0);
    return count;
  });
  toView(ctx);
  const animated = [];
  const flashing = [];
  for (const edge of edges) {
    if (edge.class === "swarm-flash") flashing.push(edge);
    else if (edge.animated) animated.push(edge);
  }
  strokeEdges(ctx, animated, STATE_COLORS.running, 2, march === null ? null : [5, 5, march]);
  strokeEdges(ctx, flashing, colors.alert, 3);

  const visible = nodesIn(nodes.map(toRaw), rect);
  for (const node of visible) {
    ctx.fillStyle = nodeColor(node, runs, colors);
    ctx.fillRect(node.position.x, node.position.y, CARD_WIDTH, CARD_HEIGHT);
  }
  for (const node of visible) {
    if (!node.selected && !flashed.has(node.id) && !node.data.problems?.length) continue;
    ctx.strokeStyle = flashed.has(node.id) || !node.selected ? colors.alert : colors.selected;
    ctx.lineWidth = 3 * pixel;
    ctx.strokeRect(node.position.x, node.position.y, CARD_WIDTH, CARD_HEIGHT);
  }
  if (viewport.zoom >= TITLES_FROM_ZOOM) {
    // Canvas text is drawn as text: a title with markup shows its characters, as on a card.
    ctx.fillStyle = colors.title;
    ctx.font = "600 16px Roboto, sans-serif";
    ctx.textBaseline = "middle";
    for (const node of visible) {
      ctx.fillText(node.data.title || node.id, node.position.x + 10, node.position.y + CARD_HEIGHT / 2, CARD_WIDTH - 20);
    }
  }
  return stroked;
}
