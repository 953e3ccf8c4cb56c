// View nodes and edges (README.md, "View data") turned into Vue Flow nodes and edges.
import { MarkerType } from "@vue-flow/core";
import { markRaw } from "vue";
import card from "./card.json";

// card.json is the one home of a card's size: the layout (studio/editor/layout.py) reads it,
// and the canvas hands it to canvas.css as custom properties (CARD_STYLE).
export const CARD_WIDTH = card.width;
export const CARD_HEIGHT = card.height;
export const HANDLE_SIZE = card.handle;
export const TITLE_PX = card.title_px;
export const CARD_STYLE = {
  "--swarm-card-width": `${CARD_WIDTH}px`,
  "--swarm-card-height": `${CARD_HEIGHT}px`,
  "--swarm-handle-size": `${HANDLE_SIZE}px`,
  "--swarm-title-size": `${TITLE_PX}px`,
};
const ARROW = { type: MarkerType.ArrowClosed, width: 18, height: 18 };

export const RUN_STATES = [
  "queued", "running", "retrying", "escalated", "succeeded",
  "failed", "skipped", "cancelled", "cached", "pinned",
];

const DATA_KEYS = ["kind", "title", "icon", "tier", "model", "problems", "has_inputs", "has_outputs"];

export function edgeId(source, target) {
  return `${source}->${target}`;
}

// The defaults are those `load` leaves out (canvas.py, NODE_DEFAULTS).
function nodeData(view, run) {
  const data = { problems: [], has_inputs: true, has_outputs: true, tier: null, model: null, run: run ?? null };
  for (const key of DATA_KEYS) {
    if (key in view) data[key] = view[key];
  }
  return data;
}

// The classes of a node's `.vue-flow__node` wrapper: its run state, its problems, a flash.
export function nodeClass(data, flashing = false) {
  const classes = [];
  if (data.run?.state) classes.push(`swarm-state-${data.run.state}`);
  if (data.problems?.length) classes.push("swarm-has-problems");
  if (flashing) classes.push("swarm-flash");
  return classes.join(" ");
}

// Where a card's handles are, as Vue Flow measures them (relative to the card).
function handleBounds(id, data) {
  const handle = (type, position, x) => ({
    id: null, type, nodeId: id, position, x, y: (CARD_HEIGHT - HANDLE_SIZE) / 2, width: HANDLE_SIZE, height: HANDLE_SIZE,
  });
  return {
    source: data.has_outputs ? [handle("source", "right", CARD_WIDTH - HANDLE_SIZE / 2)] : [],
    target: data.has_inputs ? [handle("target", "left", -HANDLE_SIZE / 2)] : [],
  };
}

// `run`: the node's run display (the canvas keeps them, SwarmCanvas.js), or none.
export function toFlowNode(view, run = null) {
  const data = nodeData(view, run);
  return {
    id: view.id,
    type: "swarm",
    position: { x: view.x ?? 0, y: view.y ?? 0 },
    // NOTE: Vue Flow copies these two onto its node and measures them once the card is shown.
    // Without a size, a card never shown counts as in view (so only-render-visible-elements
    // would mount every card once); without handle positions, its edges would end at its
    // bottom and top instead of its right and left.
    dimensions: markRaw({ width: CARD_WIDTH, height: CARD_HEIGHT }),
    handleBounds: handleBounds(view.id, data),
    data,
    class: nodeClass(data),
  };
}

// `view`: a view edge, or [source, target] for one with the usual id (what `load` sends, canvas.py).
export function toFlowEdge(view) {
  if (Array.isArray(view)) view = { source: view[0], target: view[1] };
  return {
    id: view.id ?? edgeId(view.source, view.target),
    source: view.source,
    target: view.target,
    class: "",
    animated: false,
    markerEnd: ARROW,
  };
}

// Apply a partial view node to an existing Vue Flow node (but its `state`: the canvas keeps
// run states apart, SwarmCanvas.js).
export function updateFlowNode(node, changes) {
  const data = { ...node.data };
  for (const key of DATA_KEYS) {
    if (key in changes) data[key] = changes[key];
  }
  node.data = data;
  if ("x" in changes || "y" in changes) {
    const x = changes.x ?? node.position.x;
    const y = changes.y ?? node.position.y;
    node.position = { x, y };
    // A node outside the viewport has no mounted wrapper to recompute this, and culling reads it.
    node.computedPosition = { ...node.computedPosition, x, y };
  }
}
