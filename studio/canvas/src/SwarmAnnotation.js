// Sticky notes and groups (format version 2): shown as Vue Flow nodes without handles, their
// canvas ids prefixed with "@" so they never mix with the graph's node ids. Text is a text child.
import { h, inject, provide } from "vue";
import { NodeResizer } from "@vue-flow/node-resizer";
import SIZES from "./annotation.json";

export const ANNOTATION_PREFIX = "@";
export const isAnnotation = (id) => typeof id === "string" && id.startsWith(ANNOTATION_PREFIX);
export const annotationId = (id) => id.slice(ANNOTATION_PREFIX.length);

export function toAnnotationNode(view, hidden = false) {
  return {
    id: ANNOTATION_PREFIX + view.id,
    type: view.type === "group" ? "swarm-group" : "swarm-note",
    position: { x: view.x, y: view.y },
    dimensions: { width: view.width, height: view.height },
    style: { width: `${view.width}px`, height: `${view.height}px` },
    zIndex: view.type === "group" ? -1 : 0, // a frame lies behind the cards it surrounds
    connectable: false,
    hidden,
    class: `swarm-annotation swarm-annotation--${view.type}`,
    data: { text: view.text ?? "", type: view.type },
  };
}

// A resize is reported once, when the pointer is let go, as the canvas's `resize` event; Vue Flow
// shows it as it goes, and Python's answer (set_annotations) then says what it became.
const RESIZED = Symbol("swarm annotation resized");
export function provideAnnotationResize(emit) {
  provide(RESIZED, (item) => emit("resize", item));
}

const round = (value) => Math.round(value);

// Drag handles on the edges and corners (styled in canvas.css, shown on hover and selection),
// never below the minimum size Python keeps too (annotation.json).
function resizer(props, type, report) {
  const { min_width: minWidth, min_height: minHeight } = SIZES[type];
  return h(NodeResizer, {
    minWidth,
    minHeight,
    onResizeEnd: ({ params }) =>
      report({
        annotation: annotationId(props.id),
        x: round(params.x),
        y: round(params.y),
        width: round(params.width),
        height: round(params.height),
      }),
  });
}

// A note and a group differ only in what they draw inside their resize handles.
function annotationComponent(name, kind, body) {
  return {
    name,
    inheritAttrs: false,
    props: ["id", "data"],
    setup(props) {
      const report = inject(RESIZED, () => {});
      return () => [resizer(props, kind, report), body(props.data.text)];
    },
  };
}

export const SwarmNote = annotationComponent("SwarmNote", "note", (text) =>
  h("div", { class: "swarm-note", title: "Double-click to edit; drag an edge or a corner to resize" }, text));

export const SwarmGroup = annotationComponent("SwarmGroup", "group", (text) =>
  h("div", { class: "swarm-group" }, [h("div", { class: "swarm-group__label", title: text }, text)]));
