// Fit view that keeps cards readable: below READABLE_ZOOM a card's title would be smaller than
// 11 px on screen, which is the size the editor promises at its default view.
import { CARD_HEIGHT, CARD_WIDTH, TITLE_PX } from "./view.js";

export const READABLE_ZOOM = Math.ceil((11 / TITLE_PX) * 100) / 100;
const MARGIN = 40; // screen pixels between the view's edge and a graph that does not fit
const MAX_FIT_ZOOM = 1; // a small graph is shown at its real size, not blown up

function bounds(positions) {
  const xs = positions.map((position) => position.x);
  const ys = positions.map((position) => position.y);
  const left = Math.min(...xs);
  const top = Math.min(...ys);
  return { left, top, width: Math.max(...xs) + CARD_WIDTH - left, height: Math.max(...ys) + CARD_HEIGHT - top };
}

// Along one axis: centred when the graph fits, else from its start with a margin.
function offset(start, size, screen, zoom) {
  const shown = size * zoom;
  return shown <= screen - 2 * MARGIN ? (screen - shown) / 2 - start * zoom : MARGIN - start * zoom;
}

// The viewport {x, y, zoom} at the readable zoom, or null when fitting the whole graph
// (with `padding`, as Vue Flow's fitView takes it) is readable already.
export function readableViewport(positions, width, height, padding) {
  if (!positions.length || !width || !height) return null;
  const box = bounds(positions);
  const fit = Math.min(width / (box.width * (1 + padding)), height / (box.height * (1 + padding)), MAX_FIT_ZOOM);
  if (fit >= READABLE_ZOOM) return null;
  const zoom = READABLE_ZOOM;
  return { x: offset(box.left, box.width, width, zoom), y: offset(box.top, box.height, height, zoom), zoom };
}

// The viewport {x, y, zoom} that shows all these boxes (nodes: a position and maybe dimensions)
// centred, as Vue Flow's fitView would, for the nodes of a large graph that are not in its store.
export function fitViewport(boxes, width, height, padding, minZoom, maxZoom) {
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
  for (const { position: { x, y }, dimensions } of boxes) {
    left = Math.min(left, x);
    top = Math.min(top, y);
    right = Math.max(right, x + (dimensions?.width || CARD_WIDTH));
    bottom = Math.max(bottom, y + (dimensions?.height || CARD_HEIGHT));
  }
  if (!boxes.length || !width || !height) return { x: 0, y: 0, zoom: 1 };
  const fit = Math.min(width / ((right - left) * (1 + padding)), height / ((bottom - top) * (1 + padding)));
  const zoom = Math.min(Math.max(fit, minZoom), maxZoom);
  return { x: width / 2 - ((left + right) / 2) * zoom, y: height / 2 - ((top + bottom) / 2) * zoom, zoom };
}
