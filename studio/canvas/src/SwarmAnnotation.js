// Sticky notes and groups (format version 2): shown as Vue Flow nodes without handles, their
// canvas ids prefixed with "@" so they never mix with the graph's node ids. Text is a text child.
import { h } from "vue";

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

export const SwarmNote = {
  name: "SwarmNote",
  inheritAttrs: false,
  props: ["id", "data"],
  setup(props) {
    return () => h("div", { class: "swarm-note", title: "Double-click to edit" }, props.data.text);
  },
};

export const SwarmGroup = {
  name: "SwarmGroup",
  inheritAttrs: false,
  props: ["id", "data"],
  setup(props) {
    return () => h("div", { class: "swarm-group" }, [h("div", { class: "swarm-group__label", title: props.data.text }, props.data.text)]);
  },
};
