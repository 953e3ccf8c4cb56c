// The minimap: every node as a box in its run state's colour and the view as a frame, painted
// on one small <canvas>. Vue Flow's own minimap is an SVG element per node: on a large graph
// its thousands of elements were about a third of the work of leaving the overview for cards,
// and every batch of run states restyled them all. Click or drag on it to move the view there;
// the wheel zooms.
import { h } from "vue";
import { Panel } from "@vue-flow/core";
import { CARD_HEIGHT, CARD_WIDTH } from "./view.js";
import { nodeColor, palette, viewRect } from "./overview.js";

const WIDTH = 200;
const HEIGHT = 150;
const PADDING = 6; // pixels of the minimap left free around the drawing
const WHEEL_STEP = 1.2;

// How flow coordinates map onto the minimap: everything (the nodes and the view) fits, centred.
function frame(nodes, view) {
  let left = view.left, top = view.top, right = view.right, bottom = view.bottom;
  for (const node of nodes) {
    const { x, y } = node.position;
    if (x < left) left = x;
    if (y < top) top = y;
    if (x + CARD_WIDTH > right) right = x + CARD_WIDTH;
    if (y + CARD_HEIGHT > bottom) bottom = y + CARD_HEIGHT;
  }
  const scale = Math.min((WIDTH - 2 * PADDING) / (right - left), (HEIGHT - 2 * PADDING) / (bottom - top));
  return {
    scale,
    x: (WIDTH - (right - left) * scale) / 2 - left * scale,
    y: (HEIGHT - (bottom - top) * scale) / 2 - top * scale,
  };
}

// `nodes`: the graph's nodes (not notes or groups), plain.
export function paintMiniMap(canvas, nodes, flow, runs) {
  if (!canvas) return;
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== WIDTH * ratio) {
    canvas.width = WIDTH * ratio;
    canvas.height = HEIGHT * ratio;
  }
  const { width, height } = flow.dimensions.value;
  const view = viewRect(flow.viewport.value, width, height);
  const map = frame(nodes, view);
  canvas.__frame = map; // for the pointer handlers: where a click lands in flow coordinates
  const colors = palette();
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, WIDTH, HEIGHT);
  ctx.setTransform(ratio * map.scale, 0, 0, ratio * map.scale, ratio * map.x, ratio * map.y);
  for (const node of nodes) {
    ctx.fillStyle = nodeColor(node, runs, colors);
    ctx.fillRect(node.position.x, node.position.y, CARD_WIDTH, CARD_HEIGHT);
  }
  // Outside the view a veil (light, or dark in dark mode), as over what the screen does not show.
  ctx.beginPath();
  ctx.rect(-map.x / map.scale, -map.y / map.scale, WIDTH / map.scale, HEIGHT / map.scale);
  ctx.rect(view.left, view.top, view.right - view.left, view.bottom - view.top);
  ctx.fillStyle = colors.veil;
  ctx.fill("evenodd");
  ctx.strokeStyle = colors.selected;
  ctx.lineWidth = 2 / map.scale;
  ctx.strokeRect(view.left, view.top, view.right - view.left, view.bottom - view.top);
}

export const MiniMapCanvas = {
  name: "MiniMapCanvas",
  props: ["flow", "onCanvas"],
  setup(props) {
    const toFlow = (event) => {
      const map = event.currentTarget.__frame;
      const box = event.currentTarget.getBoundingClientRect();
      return { x: (event.clientX - box.left - map.x) / map.scale, y: (event.clientY - box.top - map.y) / map.scale };
    };
    const centreOn = (event) => {
      const { x, y } = toFlow(event);
      props.flow.setCenter(x, y, { zoom: props.flow.viewport.value.zoom, duration: 0 });
    };
    const onPointerdown = (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      event.currentTarget.setPointerCapture(event.pointerId);
      centreOn(event);
    };
    const onPointermove = (event) => {
      if (event.currentTarget.hasPointerCapture(event.pointerId)) centreOn(event);
    };
    const onWheel = (event) => {
      event.preventDefault();
      event.stopPropagation();
      const zoom = props.flow.viewport.value.zoom * (event.deltaY < 0 ? WHEEL_STEP : 1 / WHEEL_STEP);
      props.flow.zoomTo(zoom, { duration: 0 });
    };
    return () =>
      h(Panel, { position: "bottom-right", class: "swarm-minimap" }, () =>
        h("canvas", {
          ref: (element) => props.onCanvas(element),
          class: "nopan nowheel nodrag", // Vue Flow leaves these events to the minimap
          style: { width: `${WIDTH}px`, height: `${HEIGHT}px` },
          title: "The whole graph: click or drag to move the view, scroll to zoom",
          "aria-label": "Minimap of the graph",
          onPointerdown,
          onPointermove,
          onWheel,
        }),
      );
  },
};
