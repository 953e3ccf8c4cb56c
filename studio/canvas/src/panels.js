// Panels over the canvas: the zoom controls (with the zoom as a readout) and the list of
// keyboard shortcuts that `?` shows.
import { h } from "vue";
import { Panel } from "@vue-flow/core";

const ZOOM_STEP = 1.25;

const button = (label, iconName, onClick, extra = {}) =>
  h("button", { type: "button", class: "swarm-zoom__button", title: label, "aria-label": label, onClick, ...extra }, [
    h("i", { class: "material-icons", "aria-hidden": "true" }, iconName),
  ]);

export const ZoomControls = {
  name: "ZoomControls",
  props: ["flow", "onFit"],
  setup(props) {
    const zoomBy = (factor) => props.flow.zoomTo(props.flow.viewport.value.zoom * factor, { duration: 0 });
    return () => {
      const percent = Math.round(props.flow.viewport.value.zoom * 100);
      return h(Panel, { position: "bottom-left", class: "swarm-zoom" }, () => [
        button("Zoom out", "remove", () => zoomBy(1 / ZOOM_STEP)),
        h("button", {
          type: "button",
          class: "swarm-zoom__readout",
          title: "Zoom to 100%",
          "aria-label": "Zoom to 100%",
          "data-zoom": percent,
          onClick: () => props.flow.zoomTo(1, { duration: 0 }),
        }, `${percent}%`),
        button("Zoom in", "add", () => zoomBy(ZOOM_STEP)),
        button("Fit the graph in view", "fit_screen", () => props.onFit()),
      ]);
    };
  },
};

const SHORTCUTS = [
  ["Click a palette item", "add a node (or drag it onto the canvas)"],
  ["Double-click the canvas, Space or Tab", "quick add: search node kinds and examples"],
  ["Drop an edge on empty canvas", "add a node already connected"],
  ["Right-click", "the canvas's, a node's or an edge's menu"],
  ["Drag from a right handle to a left one", "connect two nodes"],
  ["Shift + drag", "select with a box"],
  ["Shift / Ctrl + click", "add to the selection"],
  ["Delete or Backspace", "delete the selection"],
  ["Escape", "clear the selection"],
  ["Ctrl + A", "select everything"],
  ["Ctrl + C, Ctrl + V", "copy, paste"],
  ["Ctrl + Z, Ctrl + Shift + Z", "undo, redo"],
  ["Ctrl + S", "save a version now"],
  ["Scroll, drag the background", "zoom, pan"],
  ["?", "show or hide this list"],
];

export const ShortcutsPanel = {
  name: "ShortcutsPanel",
  props: ["onClose"],
  setup(props) {
    return () =>
      h(Panel, { position: "top-center", class: "swarm-shortcuts", role: "dialog", "aria-label": "Keyboard shortcuts" }, () => [
        h("div", { class: "swarm-shortcuts__head" }, [
          h("span", "Keyboard shortcuts"),
          h("button", { type: "button", class: "swarm-zoom__button", "aria-label": "Close", title: "Close (Escape)", onClick: props.onClose }, [
            h("i", { class: "material-icons", "aria-hidden": "true" }, "close"),
          ]),
        ]),
        h("table", [h("tbody", SHORTCUTS.map(([keys, does]) => h("tr", [h("th", keys), h("td", does)])))]),
      ]);
  },
};
