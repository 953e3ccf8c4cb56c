// The canvas: Vue Flow showing a graph that Python owns. User actions become events; the
// graph changes only through load/apply (README.md is the contract).
//
// Large graphs: Vue Flow renders only the cards in view (only-render-visible-elements), and
// when even that would be too many, the graph is painted as an overview on one <canvas>
// (overview.js): the nodes stay in Vue Flow's store but hidden. `edges` below is always the full list; Vue Flow holds all of them in a small graph, and in a
// large one only those that touch a node near the view. What Vue Flow does not show (hidden
// nodes, the other edges) is painted.
import { h, markRaw, nextTick, ref, toRaw, watch } from "vue";
import { ConnectionMode, VueFlow, useVueFlow } from "@vue-flow/core";
import { Background } from "@vue-flow/background";
import EVENTS from "./events.json";
import SwarmNode from "./SwarmNode.js";
import { SwarmGroup, SwarmNote, annotationId, isAnnotation, toAnnotationNode } from "./SwarmAnnotation.js";
import { provideAnnotationResize } from "./SwarmAnnotation.js";
import { ENTER_OVERVIEW, LEAVE_OVERVIEW, nodesIn, paintOverview, viewRect } from "./overview.js";
import { MiniMapCanvas, paintMiniMap } from "./minimap.js";
import { ContextMenu, QuickAdd } from "./menus.js";
import { ShortcutsPanel, ZoomControls } from "./panels.js";
import { readableViewport } from "./fit.js";
import { CARD_HEIGHT, CARD_STYLE, CARD_WIDTH, edgeId, nodeClass, toFlowEdge, toFlowNode, updateFlowNode } from "./view.js";

const FLASH_MS = 2000;
const NODE_TYPES = { swarm: markRaw(SwarmNode), "swarm-note": markRaw(SwarmNote), "swarm-group": markRaw(SwarmGroup) };
const SHORTCUTS = { z: "undo", y: "redo", c: "copy", v: "paste", s: "save", a: "select_all" };
const KIND_TYPE = "application/x-swarm-kind";
const FIT_PADDING = 0.1;
const WINDOW_EDGES_ABOVE = 400; // up to this many edges Vue Flow holds them all
const NEAR_VIEW = 0.1; // "near the view": the screen grown by this fraction each side

function isTextInput(target) {
  return target?.closest?.("input, textarea, select, [contenteditable=''], [contenteditable='true']");
}

const round = (value) => Math.round(value);
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

export default {
  name: "SwarmCanvas",
  emits: EVENTS,
  props: { quickAdd: { type: Array, default: () => [] } },
  setup(props, { emit, expose }) {
    const flow = useVueFlow();
    const root = ref(null);
    const overviewCanvas = ref(null);
    const overview = ref(false);
    const shortcutsShown = ref(false);
    const menu = ref(null); // {x, y (in the canvas), flow: {x, y}, target: pane|node|edge, id}
    const quick = ref(null); // {x, y, flow: {x, y}, from: {node, handle} | null}
    let pointer = null; // the last pointer position over the canvas, in the canvas
    const edges = new Map(); // id → edge: every edge, whether Vue Flow holds it now or not
    let flashed = { nodes: new Set(), edges: [], timer: null };
    let dragFrom = new Map();
    let lastSelection = "[[],[]]";
    let selectionQueued = false;
    let paintQueued = false;
    provideAnnotationResize(emit); // a note or group resized: the `resize` event

    // --- edges and modes -----------------------------------------------------------------

    let shownEdges = new Set(); // ids of the edges Vue Flow holds now
    let updateQueued = false;
    // Changes whenever the painted edges or a node's position may have: the overview then redraws
    // its layer of plain edges (overview.js), which it otherwise keeps while the view stays.
    let edgesVersion = 0;
    let miniMap = null; // the minimap's <canvas>, while it is shown

    function setFlowEdges(list) {
      // setEdges ignores an empty list until Vue Flow is initialised; assigning always works.
      // Copies, so that Vue Flow's edge objects (selection and all) are not our records.
      if (list.length) flow.setEdges(list.map((edge) => ({ ...edge })));
      else flow.edges.value = [];
      shownEdges = new Set(list.map((edge) => edge.id));
      edgesVersion += 1;
    }

    function screenRect(margin = 0) {
      const { width, height } = flow.dimensions.value;
      return viewRect(flow.viewport.value, width, height, margin);
    }

    // The nodes as plain objects, for the code that reads every node once a frame (what is in
    // view, what to paint): through Vue's reactive proxies those reads were a large part of a
    // frame on a big graph. Only read, never changed, and never inside a render or computed.
    const rawNodes = () => toRaw(flow.nodes.value);

    function wantedEdges() {
      if (overview.value) return [];
      const visible = new Set(rawNodes().filter((node) => !node.hidden).map((node) => node.id));
      const all = [...edges.values()].filter((edge) => visible.has(edge.source) && visible.has(edge.target));
      if (all.length <= WINDOW_EDGES_ABOVE) return all;
      const near = new Set(nodesIn(rawNodes(), screenRect(NEAR_VIEW)).map((node) => node.id));
      return all.filter((edge) => near.has(edge.source) || near.has(edge.target));
    }

    function syncFlowEdges() {
      const wanted = wantedEdges();
      if (wanted.length !== shownEdges.size || !wanted.every((edge) => shownEdges.has(edge.id))) setFlowEdges(wanted);
    }

    function updateEdge(id, changes) {
      const edge = edges.get(id);
      if (!edge) return;
      Object.assign(edge, changes);
      const shown = shownEdges.has(id) ? flow.findEdge(id) : null;
      if (shown) Object.assign(shown, changes);
    }

    function setOverview(on) {
      if (overview.value === on) return;
      overview.value = on;
      // All at once: revealing the cards a few per frame was measured slower overall and no
      // smoother, since every frame re-laid-out all of Vue Flow's edge layers.
      for (const node of flow.nodes.value) node.hidden = on;
    }

    // After the view or the graph changed: pick cards or overview, the edges Vue Flow holds, and
    // repaint the canvas; at most once a frame.
    function update() {
      if (updateQueued) return;
      updateQueued = true;
      requestAnimationFrame(() => {
        updateQueued = false;
        const count = nodesIn(rawNodes(), screenRect()).length;
        if (!overview.value && count > ENTER_OVERVIEW) setOverview(true);
        else if (overview.value && count < LEAVE_OVERVIEW) setOverview(false);
        syncFlowEdges();
        paint();
        if (!overview.value) paintMiniMap(miniMap, flow);
      });
    }

    function lookup(nodes) {
      const byId = new Map(nodes.map((node) => [node.id, node]));
      return (id) => byId.get(id);
    }

    function paint() {
      const canvas = overviewCanvas.value;
      if (!canvas) return;
      const nodes = rawNodes();
      const hidden = nodes.filter((node) => node.hidden);
      const painted = hidden.length > 0 || shownEdges.size < edges.size;
      canvas.style.display = painted ? "block" : "none";
      canvas.dataset.nodes = hidden.length; // how many nodes it painted: what tests and the benchmark can see
      if (!painted) {
        canvas.dataset.edges = 0;
        return;
      }
      canvas.dataset.edges = paintOverview(canvas, {
        nodes: hidden,
        edges: [...edges.values()].filter((edge) => !shownEdges.has(edge.id)),
        findNode: lookup(nodes),
        viewport: flow.viewport.value,
        flashed: flashed.nodes,
        edgesVersion,
      });
    }

    flow.onViewportChange(update);
    watch(flow.dimensions, update);

    // --- Python → browser ----------------------------------------------------------------

    const viewportReady = () =>
      flow.viewportHelper.value.viewportInitialized
        ? Promise.resolve()
        : new Promise((resolve) => {
            const stop = watch(() => flow.viewportHelper.value.viewportInitialized, (ready) => {
              if (ready) {
                stop();
                resolve();
              }
            });
          });

    // The whole graph in view, unless that would make the cards too small to read and the graph
    // is small enough to show as cards: then the readable zoom, from the graph's left (where its
    // inputs are), and the rest a pan away.
    async function fitView() {
      await viewportReady();
      await nextTick();
      const { width, height } = flow.dimensions.value;
      const nodes = flow.nodes.value;
      const readable = nodes.length <= ENTER_OVERVIEW
        ? readableViewport(nodes.map((node) => node.position), width, height, FIT_PADDING)
        : null;
      if (readable) await flow.setViewport(readable, { duration: 0 });
      else await flow.fitView({ padding: FIT_PADDING, duration: 0, includeHiddenNodes: true, maxZoom: 1 });
      update();
      await nextFrame(); // update() has run
      await nextFrame(); // and what it changed is on screen
    }

    function refreshClass(node) {
      node.class = nodeClass(node.data, flashed.nodes.has(node.id));
    }

    // Edges into a running node animate. The running nodes and each node's incoming edges are
    // kept as they change, so a batch of run states touches only its own nodes and their edges.
    const running = new Set();
    const incoming = new Map(); // node id → ids of the edges into it

    function addEdgeRecord(edge) {
      edges.set(edge.id, edge);
      if (!incoming.has(edge.target)) incoming.set(edge.target, new Set());
      incoming.get(edge.target).add(edge.id);
      edge.animated = running.has(edge.target);
    }

    function removeEdgeRecord(id) {
      const edge = edges.get(id);
      if (!edge) return;
      edges.delete(id);
      incoming.get(edge.target)?.delete(id);
    }

    function setRunning(id, isRunning) {
      if (isRunning === running.has(id)) return;
      if (isRunning) running.add(id);
      else running.delete(id);
      for (const edgeId of incoming.get(id) ?? []) updateEdge(edgeId, { animated: isRunning });
    }

    // Few and small: the whole list comes on every change of it; each is updated in place.
    function setAnnotations(viewAnnotations) {
      const wanted = new Map(viewAnnotations.map((view) => [toAnnotationNode(view, overview.value).id, view]));
      const gone = flow.nodes.value.filter((node) => isAnnotation(node.id) && !wanted.has(node.id)).map((node) => node.id);
      if (gone.length) flow.removeNodes(gone);
      const added = [];
      for (const [id, view] of wanted) {
        const existing = flow.findNode(id);
        const fresh = toAnnotationNode(view, overview.value);
        if (!existing) {
          added.push(fresh);
          continue;
        }
        existing.data = fresh.data;
        existing.style = fresh.style;
        existing.dimensions = fresh.dimensions;
        existing.position = fresh.position;
        existing.computedPosition = { ...existing.computedPosition, ...fresh.position };
      }
      if (added.length) flow.addNodes(added);
    }

    function load(viewNodes, viewEdges, viewAnnotations = []) {
      edgesVersion += 1;
      clearFlash();
      edges.clear();
      incoming.clear();
      running.clear();
      for (const view of viewNodes) {
        if (view.state === "running") running.add(view.id);
      }
      for (const view of viewEdges) addEdgeRecord(toFlowEdge(view));
      // A graph too large to show as cards opens in the overview; fitView settles the mode.
      overview.value = viewNodes.length > ENTER_OVERVIEW;
      flow.nodes.value = [];
      setFlowEdges([]);
      if (viewNodes.length) flow.setNodes(viewNodes.map((view) => ({ ...toFlowNode(view), hidden: overview.value })));
      if (viewAnnotations.length) setAnnotations(viewAnnotations);
      return fitView();
    }

    function apply(ops) {
      edgesVersion += 1; // edges, or the positions they are drawn from, may change
      let annotationsToSet = null;
      const newNodes = [];
      const removedNodes = new Set();
      for (const op of ops) {
        if (op.op === "add_node") {
          const existing = flow.findNode(op.node.id);
          if (existing) {
            updateFlowNode(existing, op.node);
            refreshClass(existing);
          } else {
            newNodes.push({ ...toFlowNode(op.node), hidden: overview.value });
          }
          if ("state" in op.node) setRunning(op.node.id, op.node.state === "running");
        } else if (op.op === "update_node") {
          const node = flow.findNode(op.id);
          if (!node) continue;
          updateFlowNode(node, op.changes);
          refreshClass(node);
          if ("state" in op.changes) setRunning(op.id, op.changes.state === "running");
        } else if (op.op === "remove_node") {
          removedNodes.add(op.id);
        } else if (op.op === "add_edge") {
          const edge = toFlowEdge(op.edge);
          if (!edges.has(edge.id)) addEdgeRecord(edge);
        } else if (op.op === "remove_edge") {
          removeEdgeRecord(op.id);
        } else if (op.op === "set_annotations") {
          annotationsToSet = op.annotations;
        } else {
          console.warn("swarm-canvas: unknown op", op);
        }
      }
      if (newNodes.length) flow.addNodes(newNodes);
      if (removedNodes.size) {
        for (const edge of edges.values()) {
          if (removedNodes.has(edge.source) || removedNodes.has(edge.target)) removeEdgeRecord(edge.id);
        }
        for (const id of removedNodes) {
          running.delete(id);
          incoming.delete(id);
        }
        const known = [...removedNodes].filter((id) => flow.findNode(id));
        if (known.length) flow.removeNodes(known);
      }
      if (annotationsToSet) setAnnotations(annotationsToSet);
      syncFlowEdges(); // now, so the DOM has the new edges when the call returns
      update();
    }

    function select(nodeIds) {
      const nodes = nodeIds.map((id) => flow.findNode(id)).filter(Boolean);
      flow.addSelectedNodes(nodes); // selects exactly these, deselects everything else
      update();
    }

    function clearFlash() {
      clearTimeout(flashed.timer);
      const { nodes, edges: flashedEdges } = flashed;
      flashed = { nodes: new Set(), edges: [], timer: null };
      for (const id of nodes) {
        const node = flow.findNode(id);
        if (node) refreshClass(node);
      }
      for (const id of flashedEdges) updateEdge(id, { class: "" });
      update();
    }

    function flashPath(nodeIds) {
      clearFlash();
      const pathEdges = [];
      for (let i = 0; i + 1 < nodeIds.length; i++) {
        const id = edgeId(nodeIds[i], nodeIds[i + 1]);
        if (edges.has(id)) {
          updateEdge(id, { class: "swarm-flash" });
          pathEdges.push(id);
        }
      }
      flashed = { nodes: new Set(nodeIds), edges: pathEdges, timer: setTimeout(clearFlash, FLASH_MS) };
      for (const id of flashed.nodes) {
        const node = flow.findNode(id);
        if (node) refreshClass(node);
      }
      update();
    }

    function setStates(states) {
      for (const [id, change] of Object.entries(states)) {
        const node = flow.findNode(id);
        if (!node) continue;
        const cleared = !change || ("state" in change && !change.state);
        node.data = { ...node.data, run: cleared ? null : { ...(node.data.run ?? {}), ...change } };
        refreshClass(node);
        setRunning(id, node.data.run?.state === "running");
      }
      update();
    }

    // Pan (at the same zoom) so that these nodes are in view, if any of them is not.
    async function reveal(nodeIds) {
      const nodes = nodeIds.map((id) => flow.findNode(id)).filter(Boolean);
      if (!nodes.length) return;
      const rect = screenRect();
      const outside = nodes.some(({ position: { x, y } }) =>
        x < rect.left || y < rect.top || x + CARD_WIDTH > rect.right || y + CARD_HEIGHT > rect.bottom);
      if (!outside) return;
      const xs = nodes.map((node) => node.position.x);
      const ys = nodes.map((node) => node.position.y);
      const centre = {
        x: (Math.min(...xs) + Math.max(...xs) + CARD_WIDTH) / 2,
        y: (Math.min(...ys) + Math.max(...ys) + CARD_HEIGHT) / 2,
      };
      await flow.setCenter(centre.x, centre.y, { zoom: flow.viewport.value.zoom, duration: 0 });
      update();
    }

    expose({ load, apply, select, fitView, flashPath, setStates, reveal });

    // --- browser → Python ----------------------------------------------------------------

    flow.onConnect(({ source, target }) => emit("connect", { source, target }));
    flow.onNodeClick(({ node }) => {
      if (!isAnnotation(node.id)) emit("node_click", { id: node.id });
    });
    flow.onNodeDoubleClick(({ node }) => {
      if (isAnnotation(node.id)) emit("menu", { action: "edit", target: "annotation", annotation: annotationId(node.id), x: 0, y: 0 });
    });

    const rememberDragStart = ({ nodes }) => {
      dragFrom = new Map(nodes.map((node) => [node.id, { ...node.position }]));
    };
    const reportMove = ({ nodes }) => {
      const moved = nodes
        .filter((node) => {
          const from = dragFrom.get(node.id);
          return !from || from.x !== node.position.x || from.y !== node.position.y;
        })
        .map((node) => (isAnnotation(node.id)
          ? { annotation: annotationId(node.id), x: round(node.position.x), y: round(node.position.y) }
          : { id: node.id, x: round(node.position.x), y: round(node.position.y) }));
      dragFrom = new Map();
      if (moved.length) emit("move", moved);
    };
    flow.onNodeDragStart(rememberDragStart);
    flow.onSelectionDragStart(rememberDragStart);
    flow.onNodeDragStop(reportMove);
    flow.onSelectionDragStop(reportMove);

    const selectedIds = () => [
      flow.getSelectedNodes.value.filter((node) => !isAnnotation(node.id)).map((node) => node.id),
      flow.getSelectedEdges.value.map((edge) => edge.id),
      flow.getSelectedNodes.value.filter((node) => isAnnotation(node.id)).map((node) => annotationId(node.id)),
    ];
    // Selection changes arrive one element at a time; report the settled selection once.
    const queueSelection = (changes) => {
      if (selectionQueued || !changes.some((change) => change.type === "select" || change.type === "remove")) return;
      selectionQueued = true;
      setTimeout(() => {
        selectionQueued = false;
        const [nodes, selectedEdges, annotations] = selectedIds();
        const key = JSON.stringify([nodes, selectedEdges, annotations]);
        if (key !== lastSelection) {
          lastSelection = key;
          emit("selection", { nodes, edges: selectedEdges, ...(annotations.length ? { annotations } : {}) });
          update();
        }
      }, 0);
    };
    flow.onNodesChange(queueSelection);
    flow.onEdgesChange(queueSelection);

    function clearSelection() {
      flow.removeSelectedNodes(flow.getSelectedNodes.value);
      flow.removeSelectedEdges(flow.getSelectedEdges.value);
      queueSelection([{ type: "select" }]);
    }

    function onKeydown(event) {
      if (isTextInput(event.target)) return;
      const modifier = event.ctrlKey || event.metaKey;
      if (event.key === "Escape") {
        if (menu.value || quick.value) closePopups();
        else if (shortcutsShown.value) shortcutsShown.value = false;
        else clearSelection();
        return;
      }
      if ((event.key === " " || event.key === "Tab") && !modifier && !event.altKey && !event.shiftKey && !menu.value) {
        event.preventDefault();
        const box = root.value.getBoundingClientRect();
        openQuickAdd(pointer ?? { x: box.width / 2 - 150, y: box.height / 3 });
        return;
      }
      if (event.key === "?" && !modifier) {
        event.preventDefault();
        shortcutsShown.value = !shortcutsShown.value;
        return;
      }
      if (!modifier && (event.key === "Delete" || event.key === "Backspace")) {
        const [nodes, selectedEdges, annotations] = selectedIds();
        if (nodes.length || selectedEdges.length || annotations.length) {
          event.preventDefault();
          emit("delete", { nodes, edges: selectedEdges, ...(annotations.length ? { annotations } : {}) });
        }
        return;
      }
      if (!modifier || event.altKey) return;
      const key = event.key.toLowerCase();
      let action = SHORTCUTS[key];
      if (key === "z" && event.shiftKey) action = "redo";
      if (action) {
        event.preventDefault();
        emit("key", { action });
      }
    }

    // d3-zoom cancels mousedown, so a click on the pane would not move focus here by itself.
    function onPointerdown() {
      if (root.value && !root.value.contains(document.activeElement)) root.value.focus({ preventScroll: true });
    }

    function onDragover(event) {
      if (event.dataTransfer?.types.includes(KIND_TYPE)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      }
    }
    function onDrop(event) {
      const kind = event.dataTransfer?.getData(KIND_TYPE);
      if (!kind) return;
      event.preventDefault();
      const { x, y } = flow.screenToFlowCoordinate({ x: event.clientX, y: event.clientY });
      emit("drop", { kind, x: round(x), y: round(y) });
    }

    // --- right-click menus and quick add ---------------------------------------------------

    function canvasPoint(event) {
      const box = root.value.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }
    function flowPoint(point) {
      const box = root.value.getBoundingClientRect();
      const { x, y } = flow.screenToFlowCoordinate({ x: point.x + box.left, y: point.y + box.top });
      return { x: round(x), y: round(y) };
    }
    // Keep a pop-up of about this size inside the canvas.
    function placed(point, width, height) {
      const box = root.value.getBoundingClientRect();
      return { x: Math.max(4, Math.min(point.x, box.width - width - 4)), y: Math.max(4, Math.min(point.y, box.height - height - 4)) };
    }
    function closePopups() {
      menu.value = null;
      quick.value = null;
    }
    function openMenu(target, id, event) {
      event.preventDefault();
      const at = canvasPoint(event);
      quick.value = null;
      menu.value = { ...placed(at, 220, 40 * 5), flow: flowPoint(at), target, id };
      if (target === "node" && !flow.findNode(id)?.selected) {
        const node = flow.findNode(id);
        if (node) flow.addSelectedNodes([node]);
      }
    }
    function openQuickAdd(at, from = null, flowAt = flowPoint(at)) {
      menu.value = null;
      quick.value = { ...placed(at, 300, 340), flow: flowAt, from };
    }
    function chooseMenu(action) {
      const { target, id, flow: at, x, y } = menu.value;
      menu.value = null;
      root.value?.focus({ preventScroll: true });
      if (target === "pane" && action === "add") {
        openQuickAdd({ x, y }, null, at); // where the menu was opened
        return;
      }
      if (target === "pane" && action === "fit") {
        fitView();
        return;
      }
      const payload = { action, target, x: at.x, y: at.y };
      if (target === "node") payload.node = id;
      if (target === "annotation") payload.annotation = annotationId(id);
      if (target === "edge") payload.edge = id;
      emit("menu", payload);
    }
    function chooseQuick(item) {
      const { flow: at, from } = quick.value;
      quick.value = null;
      root.value?.focus({ preventScroll: true });
      emit("quick_add", { item: item.id, x: at.x, y: at.y, ...(from ? { from } : {}) });
    }

    flow.onPaneContextMenu((event) => openMenu("pane", null, event));
    flow.onNodeContextMenu(({ event, node }) =>
      isAnnotation(node.id) ? openMenu("annotation", node.id, event) : openMenu("node", node.id, event));
    flow.onEdgeContextMenu(({ event, edge }) => openMenu("edge", edge.id, event));
    let connecting = null;
    flow.onConnectStart(({ nodeId, handleType }) => { connecting = { node: nodeId, handle: handleType }; });
    flow.onConnectEnd((event) => {
      const from = connecting;
      connecting = null;
      // Dropped on empty canvas (not on a handle or a card): offer a node, connected on arrival.
      if (from && event?.target?.classList?.contains("vue-flow__pane")) {
        const point = event.changedTouches?.[0] ?? event;
        openQuickAdd(canvasPoint(point), from);
      }
    });

    function onDblclick(event) {
      if (event.target?.classList?.contains("vue-flow__pane")) openQuickAdd(canvasPoint(event));
    }
    function onPointermove(event) {
      pointer = canvasPoint(event);
    }
    function onPointerdownOutside(event) {
      if ((menu.value || quick.value) && !event.target.closest?.(".swarm-menu, .swarm-quick")) closePopups();
    }

    return () =>
      h(
        "div",
        {
          ref: root,
          class: "swarm-canvas",
          style: CARD_STYLE,
          tabindex: 0,
          "data-mode": overview.value ? "overview" : "cards",
          onKeydown,
          onPointerdownCapture: (event) => {
            onPointerdownOutside(event);
            onPointerdown(event);
          },
          onPointermove,
          onDblclick,
          onDragover,
          onDrop,
        },
        [
          h(
            VueFlow,
            {
              nodeTypes: NODE_TYPES,
              onlyRenderVisibleElements: true,
              connectionMode: ConnectionMode.Strict, // edges run from a right (source) to a left (target) handle
              deleteKeyCode: null, // Python deletes: the Delete key only reports (onKeydown)
              selectionKeyCode: "Shift",
              multiSelectionKeyCode: ["Shift", "Control", "Meta"],
              disableKeyboardA11y: true, // arrow keys would move nodes without a drag-stop report
              minZoom: 0.02,
              maxZoom: 2,
              zoomOnDoubleClick: false, // a double click on the canvas opens quick add
            },
            {
              default: () => [
                h(Background, { gap: 20 }),
                h(ZoomControls, { flow, onFit: fitView }),
                shortcutsShown.value ? h(ShortcutsPanel, { onClose: () => { shortcutsShown.value = false; } }) : null,
                // In the overview the canvas shows the whole graph itself: the minimap has nothing to add.
                overview.value ? null : h(MiniMapCanvas, {
                  flow,
                  onCanvas: (element) => {
                    miniMap = element;
                    if (element) update();
                  },
                }),
                h("canvas", {
                  ref: overviewCanvas,
                  class: "swarm-overview vue-flow__container",
                }),
              ],
            },
          ),
          menu.value ? h(ContextMenu, { menu: menu.value, onChoose: chooseMenu }) : null,
          quick.value
            ? h(QuickAdd, { quick: quick.value, items: props.quickAdd, onChoose: chooseQuick, onClose: () => {
              quick.value = null;
              root.value?.focus({ preventScroll: true });
            } })
            : null,
        ],
      );
  },
};
