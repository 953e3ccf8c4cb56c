// The canvas: Vue Flow showing a graph that Python owns. User actions become events; the
// graph changes only through load/apply (README.md is the contract).
//
// Large graphs: `graph` and `edges` below hold every node and edge as plain objects; Vue Flow's
// store holds all of them only for a small graph. For a large one it holds the window: the
// nodes near the view and the selected nodes (in the overview none: the graph is painted on
// one <canvas>, overview.js), and of the edges only one the user picked (clicked on). Every
// node in Vue Flow's store costs it reactive work on each change of the view or of any node
// (2,400 of them made zooming into cards take ~1 s), and it renders only the cards in view
// anyway (only-render-visible-elements). Its edges are dearer still: the 252 edges near a
// zoom into cards were two thirds of that step (1.0 s against 0.37 s without them, median of 5,
// interleaved). So what Vue Flow does not show is painted, every edge of a large graph among
// it, and a click or right-click on the pane near a painted edge picks that edge.
import { h, markRaw, nextTick, onBeforeUnmount, ref, watch } from "vue";
import { ConnectionMode, VueFlow, useVueFlow } from "@vue-flow/core";
import { Background } from "@vue-flow/background";
import EVENTS from "./events.json";
import SwarmNode from "./SwarmNode.js";
import { SwarmGroup, SwarmNote, annotationId, isAnnotation, toAnnotationNode } from "./SwarmAnnotation.js";
import { provideAnnotationResize } from "./SwarmAnnotation.js";
import { provideHandles } from "./handles.js";
import { ENTER_OVERVIEW, LEAVE_OVERVIEW, edgeNear, nodesIn, paintOverview, viewRect } from "./overview.js";
import { MiniMapCanvas, paintMiniMap } from "./minimap.js";
import { ContextMenu, QuickAdd } from "./menus.js";
import { ShortcutsPanel, ZoomControls } from "./panels.js";
import { fitViewport, readableViewport } from "./fit.js";
import { CARD_HEIGHT, CARD_STYLE, CARD_WIDTH, edgeId, nodeClass, toFlowEdge, toFlowNode, updateFlowNode } from "./view.js";

const FLASH_MS = 2000;
const NODE_TYPES = { swarm: markRaw(SwarmNode), "swarm-note": markRaw(SwarmNote), "swarm-group": markRaw(SwarmGroup) };
const SHORTCUTS = { z: "undo", y: "redo", c: "copy", v: "paste", s: "save", a: "select_all" };
const KIND_TYPE = "application/x-swarm-kind";
const FIT_PADDING = 0.1;
const MIN_ZOOM = 0.02;
const NEAR_VIEW = 0.1; // "near the view": the screen grown by this fraction each side
const PICK_PX = 6; // a click this close to a painted edge picks it
const MARCH_MS = 150; // edges into running nodes march a step this often (painted ones)
const MARCH_STEP_PX = 2;
// Cards mounted in one frame at most: 56 at once made a zoom into a large graph's cards one
// frame of ~135 ms; in frames of 20 the longest is ~56 ms, the first cards show in half the
// time and every card about as soon (bench_canvas.py, alternating).
const MOUNT_PER_FRAME = 20;

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
    provideHandles(); // what a press on a card's handle starts (handles.js)

    // --- edges and modes -----------------------------------------------------------------

    let shownEdges = new Set(); // ids of the edges Vue Flow holds now
    let pending = []; // ids of the nodes Vue Flow should hold and does not yet (syncWindow)
    const picked = new Set(); // painted edges the user picked: Vue Flow holds them while selected
    // node id → the node as toFlowNode made it (plain, never reactive), with `selected`: every
    // node of the graph, in Vue Flow's store or not. Positions are updated from Vue Flow's on a
    // drag stop, the selection on each change of it.
    const graph = new Map();
    const inFlow = new Set(); // ids of the graph's nodes in Vue Flow's store now
    let nodeArray = null; // graph's values as an array, made again after a change of graph
    const graphNodes = () => (nodeArray ??= [...graph.values()]);
    const windowed = () => graph.size > ENTER_OVERVIEW; // a small graph: all of it in Vue Flow
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

    // The node as Vue Flow's store gets it: a copy of our record, with its run and classes now.
    function flowNode(record) {
      const data = { ...record.data, run: runs.get(record.id) ?? null };
      return {
        ...record,
        handleBounds: { source: [...record.handleBounds.source], target: [...record.handleBounds.target] },
        data,
        class: nodeClass(data, flashed.nodes.has(record.id)),
        selected: Boolean(record.selected),
        hidden: false,
      };
    }

    // What Vue Flow should hold now: [node ids, edges]; the ends of those edges too.
    function wanted() {
      if (overview.value) return [new Set(), []];
      if (!windowed()) {
        return [new Set(graph.keys()), [...edges.values()].filter((edge) => graph.has(edge.source) && graph.has(edge.target))];
      }
      // Selected nodes too only when near: selecting every node of a large graph (Ctrl+A)
      // brought all of them into the store, a 1.8 s pause and every later step slow. Those
      // off screen move with a dragged selection when it is let go (reportMove).
      const near = new Set(nodesIn(graphNodes(), screenRect(NEAR_VIEW)).map((node) => node.id));
      return [near, [...picked].map((id) => edges.get(id)).filter(Boolean)];
    }

    // Only the difference goes to Vue Flow: replacing its whole list (setNodes, setEdges)
    // re-created everything it shows, which was most of an edit's round trip on a large graph.
    // `limit`: at most this many nodes added now, those on screen and nearest its middle first;
    // the others wait in `pending`, painted meanwhile (update brings them a frame at a time).
    // NOTE: edges all at once. Bringing the edges of a zoom into cards in 60 a frame was
    // measured slower: 1.5 s against 1.0 s for the zoom step, median of 5, interleaved, since
    // every frame re-painted the edges and re-ran Vue Flow's layout work.
    function syncWindow(limit = Infinity) {
      const [nodeIds, next] = wanted();
      const needed = new Set(); // the ends of the edges Vue Flow holds: never left waiting
      for (const edge of next) {
        needed.add(edge.source);
        needed.add(edge.target);
        nodeIds.add(edge.source);
        nodeIds.add(edge.target);
      }
      const edgeIds = new Set(next.map((edge) => edge.id));
      const goneEdges = [...shownEdges].filter((id) => !edgeIds.has(id));
      const goneNodes = [...inFlow].filter((id) => !nodeIds.has(id));
      let addedNodes = [...nodeIds].filter((id) => !inFlow.has(id));
      pending = [];
      if (addedNodes.length > limit) {
        addedNodes = mountOrder(addedNodes, needed);
        pending = addedNodes.slice(limit);
        addedNodes = addedNodes.slice(0, limit);
      }
      const addedEdges = next.filter((edge) => !shownEdges.has(edge.id));
      if (goneEdges.length) flow.removeEdges(goneEdges);
      if (goneNodes.length) flow.removeNodes(goneNodes, false);
      for (const id of goneNodes) inFlow.delete(id);
      addToFlow(addedNodes);
      // Copies, so that Vue Flow's edge objects (selection and all) are not our records.
      if (addedEdges.length) flow.addEdges(addedEdges.map((edge) => ({ ...edge })));
      if (goneEdges.length || addedEdges.length) {
        shownEdges = edgeIds;
        edgesVersion += 1;
      }
    }

    function addToFlow(ids) {
      if (ids.length) flow.addNodes(ids.map((id) => flowNode(graph.get(id))));
      for (const id of ids) inFlow.add(id);
      if (root.value) root.value.dataset.held = inFlow.size; // what tests can see of the store
    }

    // Nodes to add to Vue Flow's store, in the order they should come: the ends of its edges
    // and the selected nodes, then those on screen, then those near it; each nearest the middle
    // of the screen first.
    function mountOrder(ids, needed) {
      const screen = screenRect();
      const middle = { x: (screen.left + screen.right) / 2, y: (screen.top + screen.bottom) / 2 };
      const onScreen = new Set(nodesIn(ids.map((id) => graph.get(id)), screen).map((node) => node.id));
      const rank = (id) => {
        const node = graph.get(id);
        const group = needed.has(id) || node.selected ? 0 : onScreen.has(id) ? 1 : 2;
        const distance = Math.hypot(node.position.x + CARD_WIDTH / 2 - middle.x, node.position.y + CARD_HEIGHT / 2 - middle.y);
        return [group, distance];
      };
      const ranks = new Map(ids.map((id) => [id, rank(id)]));
      return ids.sort((a, b) => ranks.get(a)[0] - ranks.get(b)[0] || ranks.get(a)[1] - ranks.get(b)[1]);
    }

    function updateEdge(id, changes) {
      const edge = edges.get(id);
      if (!edge) return;
      Object.assign(edge, changes);
      const shown = shownEdges.has(id) ? flow.findEdge(id) : null;
      if (shown) Object.assign(shown, changes);
    }

    // The cards come and go with syncWindow; notes and groups stay in Vue Flow, hidden.
    function setOverview(on) {
      if (overview.value === on) return;
      overview.value = on;
      if (on) picked.clear();
      for (const node of flow.nodes.value) {
        if (isAnnotation(node.id)) node.hidden = on;
      }
    }

    // After the view or the graph changed: pick cards or overview, the edges Vue Flow holds, and
    // repaint the canvas; at most once a frame.
    function update() {
      if (updateQueued) return;
      updateQueued = true;
      requestAnimationFrame(() => {
        updateQueued = false;
        const count = nodesIn(graphNodes(), screenRect()).length;
        if (!overview.value && count > ENTER_OVERVIEW) setOverview(true);
        else if (overview.value && count < LEAVE_OVERVIEW) setOverview(false);
        syncWindow(MOUNT_PER_FRAME);
        paint();
        if (!overview.value) paintMiniMap(miniMap, graphNodes(), flow, runs);
        if (pending.length) mountPending();
      });
    }

    // The cards still to come, MOUNT_PER_FRAME a frame. Nothing else has changed in between
    // (any change calls update(), which takes over), so the next of `pending` are what to add,
    // and nothing is painted again until the last of them is in: until then the cards cover
    // their painted stand-ins.
    let mountQueued = false;
    function mountPending() {
      if (mountQueued) return;
      mountQueued = true;
      requestAnimationFrame(() => {
        mountQueued = false;
        if (updateQueued || !pending.length) return;
        addToFlow(pending.slice(0, MOUNT_PER_FRAME));
        pending = pending.slice(MOUNT_PER_FRAME);
        if (pending.length) mountPending();
        else paint();
      });
    }

    // The edges Vue Flow does not hold: those the canvas paints (and a click may pick).
    const paintedEdges = () => [...edges.values()].filter((edge) => !shownEdges.has(edge.id));

    function paint() {
      const canvas = overviewCanvas.value;
      if (!canvas) return;
      // In cards, the cards still to come are painted where they will be.
      const nodes = overview.value ? graphNodes() : pending.map((id) => graph.get(id)).filter(Boolean);
      const painted = nodes.length > 0 || shownEdges.size < edges.size;
      canvas.style.display = painted ? "block" : "none";
      canvas.dataset.nodes = nodes.length; // how many nodes it painted: what tests and the benchmark can see
      if (!painted) {
        canvas.dataset.edges = 0;
        return;
      }
      canvas.dataset.edges = paintOverview(canvas, {
        nodes,
        edges: paintedEdges(),
        findNode: (id) => graph.get(id),
        runs,
        viewport: flow.viewport.value,
        size: flow.dimensions.value,
        flashed: flashed.nodes,
        edgesVersion,
        march: marchTimer === null ? null : marchPhase,
      });
      keepMarching();
    }

    // Painted edges into running nodes march a step every MARCH_MS while any may be on screen
    // in cards (Vue Flow's own animate every frame: for ~170 of them that made each frame three
    // times slower). In the overview they are drawn solid: at that scale a dash is a blur, and
    // repainting the whole graph that often would cost a watching page more than it shows.
    let marchPhase = 0;
    let marchTimer = null;
    function keepMarching() {
      const marching = !overview.value && running.size > 0 && shownEdges.size < edges.size;
      if (marching && marchTimer === null) {
        marchTimer = setInterval(() => {
          marchPhase = (marchPhase + MARCH_STEP_PX) % 10;
          paint();
        }, MARCH_MS);
      } else if (!marching && marchTimer !== null) {
        clearInterval(marchTimer);
        marchTimer = null;
      }
    }
    onBeforeUnmount(() => clearInterval(marchTimer));

    flow.onViewportChange(update);
    watch(flow.dimensions, update);
    // Dark mode on or off (.body--dark, studio/theme.py): what is painted takes its colours then.
    const scheme = new MutationObserver(() => {
      edgesVersion += 1;
      update();
    });
    scheme.observe(document.body, { attributes: true, attributeFilter: ["class"] });
    onBeforeUnmount(() => scheme.disconnect());

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
      const readable = !windowed()
        ? readableViewport(nodes.map((node) => node.position), width, height, FIT_PADDING)
        : null;
      if (readable) await flow.setViewport(readable, { duration: 0 });
      else if (!windowed()) await flow.fitView({ padding: FIT_PADDING, duration: 0, includeHiddenNodes: true, maxZoom: 1 });
      else {
        const boxes = [...graphNodes(), ...nodes.filter((node) => isAnnotation(node.id))];
        await flow.setViewport(fitViewport(boxes, width, height, FIT_PADDING, MIN_ZOOM, 1), { duration: 0 });
      }
      update();
      await nextFrame(); // update() has run
      await nextFrame(); // and what it changed is on screen
    }

    function refreshClass(node) {
      node.class = nodeClass(node.data, flashed.nodes.has(node.id));
    }

    // Run states live here, outside Vue's reactivity: a batch for every node of a large graph
    // used to replace the data of every Vue Flow node, each a reactive change (~0.4 s for 2,400).
    // The overview and the minimap paint from this map (once a frame); a card takes its node's
    // run at once if Vue Flow holds the node (a small graph, or the window of a large one: each
    // state of a short step still shows), else when the node comes into its store (flowNode).
    const runs = new Map(); // node id → {state, label, tier, model, cost, preview}

    function setRun(id, change) {
      const cleared = !change || ("state" in change && !change.state);
      const run = cleared ? null : { ...(runs.get(id) ?? {}), ...change };
      if (run) runs.set(id, run);
      else runs.delete(id);
      setRunning(id, run?.state === "running");
    }

    function showRun(node) {
      const run = runs.get(node.id) ?? null;
      if (node.data.run !== run) node.data = { ...node.data, run };
      refreshClass(node);
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
      picked.delete(id);
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
      runs.clear();
      for (const view of viewNodes) {
        if (view.state) runs.set(view.id, { state: view.state });
        if (view.state === "running") running.add(view.id);
      }
      for (const view of viewEdges) addEdgeRecord(toFlowEdge(view));
      graph.clear();
      inFlow.clear();
      pending = [];
      nodeArray = null;
      for (const view of viewNodes) graph.set(view.id, toFlowNode(view, runs.get(view.id)));
      // A graph too large to show as cards opens in the overview, with no cards in Vue Flow;
      // fitView settles the mode.
      overview.value = windowed();
      flow.nodes.value = [];
      setFlowEdges([]);
      if (!overview.value && graph.size) {
        flow.setNodes(graphNodes().map(flowNode));
        for (const id of graph.keys()) inFlow.add(id);
      }
      if (viewAnnotations.length) setAnnotations(viewAnnotations);
      return fitView();
    }

    function apply(ops) {
      edgesVersion += 1; // edges, or the positions they are drawn from, may change
      let annotationsToSet = null;
      const removedNodes = new Set();
      for (const op of ops) {
        if (op.op === "add_node") {
          const record = graph.get(op.node.id);
          if ("state" in op.node) setRun(op.node.id, { state: op.node.state });
          if (record) {
            updateFlowNode(record, op.node);
            const existing = inFlow.has(op.node.id) ? flow.findNode(op.node.id) : null;
            if (existing) {
              updateFlowNode(existing, op.node);
              showRun(existing);
            }
          } else {
            graph.set(op.node.id, toFlowNode(op.node, runs.get(op.node.id)));
            nodeArray = null;
          }
        } else if (op.op === "update_node") {
          const record = graph.get(op.id);
          if (!record) continue;
          if ("state" in op.changes) setRun(op.id, { state: op.changes.state });
          updateFlowNode(record, op.changes);
          const node = inFlow.has(op.id) ? flow.findNode(op.id) : null;
          if (node) {
            updateFlowNode(node, op.changes);
            showRun(node);
          }
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
      if (removedNodes.size) {
        for (const edge of edges.values()) {
          if (removedNodes.has(edge.source) || removedNodes.has(edge.target)) removeEdgeRecord(edge.id);
        }
        for (const id of removedNodes) {
          running.delete(id);
          incoming.delete(id);
          runs.delete(id);
          graph.delete(id);
        }
        nodeArray = null;
      }
      if (annotationsToSet) setAnnotations(annotationsToSet);
      syncWindow(); // now, so the DOM has the new nodes and edges when the call returns
      update();
    }

    function select(nodeIds) {
      const wantedIds = new Set(nodeIds);
      for (const node of graphNodes()) node.selected = wantedIds.has(node.id);
      syncWindow();
      const nodes = nodeIds.filter((id) => inFlow.has(id)).map((id) => flow.findNode(id));
      quietly(() => flow.addSelectedNodes(nodes)); // selects exactly these, deselects everything else
      queueSelection([{ type: "select" }]); // also when none of them is in Vue Flow's store
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

    // The cards in Vue Flow's store now; the painting at the next frame.
    function setStates(states) {
      for (const [id, change] of Object.entries(states)) {
        if (!graph.has(id)) continue;
        setRun(id, change);
        if (inFlow.has(id)) showRun(flow.findNode(id));
      }
      update();
    }

    // Pan (at the same zoom) so that these nodes are in view, if any of them is not.
    async function reveal(nodeIds) {
      const nodes = nodeIds.map((id) => graph.get(id)).filter(Boolean);
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

    let othersFrom = new Map(); // the selected nodes Vue Flow does not drag: where they were
    const rememberDragStart = ({ nodes }) => {
      dragFrom = new Map(nodes.map((node) => [node.id, { ...node.position }]));
      othersFrom = new Map(windowed()
        ? graphNodes().filter((record) => record.selected && !dragFrom.has(record.id)).map((record) => [record.id, { ...record.position }])
        : []);
    };
    const reportMove = ({ nodes }) => {
      const moved = [];
      // Annotations, and the nodes of a small graph: where Vue Flow put them.
      for (const node of nodes) {
        if (windowed() && graph.has(node.id)) continue;
        const from = dragFrom.get(node.id);
        if (from && from.x === node.position.x && from.y === node.position.y) continue;
        const record = graph.get(node.id);
        if (record) record.position = { x: node.position.x, y: node.position.y };
        moved.push(isAnnotation(node.id)
          ? { annotation: annotationId(node.id), x: round(node.position.x), y: round(node.position.y) }
          : { id: node.id, x: round(node.position.x), y: round(node.position.y) });
      }
      if (windowed()) moved.push(...moveSelection(nodes));
      dragFrom = new Map();
      othersFrom = new Map();
      edgesVersion += 1; // the painted edges of a moved node move too
      update(); // and those of the selected nodes off screen, which moved only now
      if (moved.length) emit("move", moved);
    };
    // A large graph's selection, let go: Vue Flow has dragged the selected cards it holds (and
    // may have left one it holds off screen part of the way); those it does not hold are off
    // screen. Every one of them moves as far as the card it dragged furthest.
    function moveSelection(dragged) {
      let dx = 0;
      let dy = 0;
      for (const node of dragged) {
        const from = dragFrom.get(node.id);
        if (!from || !graph.has(node.id)) continue;
        const [x, y] = [node.position.x - from.x, node.position.y - from.y];
        if (Math.hypot(x, y) > Math.hypot(dx, dy)) [dx, dy] = [x, y];
      }
      if (!dx && !dy) return [];
      const moved = [];
      for (const [id, start] of [...dragFrom, ...othersFrom]) {
        const record = graph.get(id);
        if (!record) continue;
        record.position = { x: start.x + dx, y: start.y + dy };
        const shown = inFlow.has(id) ? flow.findNode(id) : null;
        if (shown && (shown.position.x !== record.position.x || shown.position.y !== record.position.y)) {
          updateFlowNode(shown, record.position);
        }
        moved.push({ id, x: round(record.position.x), y: round(record.position.y) });
      }
      return moved;
    }
    flow.onNodeDragStart(rememberDragStart);
    flow.onSelectionDragStart(rememberDragStart);
    flow.onNodeDragStop(reportMove);
    flow.onSelectionDragStop(reportMove);
    // Painted edges follow a card while it is dragged, as Vue Flow's own do.
    const followDrag = ({ nodes }) => {
      if (!windowed()) return;
      for (const node of nodes) {
        const record = graph.get(node.id);
        if (record) record.position = { x: node.position.x, y: node.position.y };
      }
      edgesVersion += 1;
      update();
    };
    flow.onNodeDrag(followDrag);
    flow.onSelectionDrag(followDrag);

    const selectedIds = () => [
      graphNodes().filter((node) => node.selected).map((node) => node.id),
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
    // The selection is changed here (select, clearSelection, pickEdge: `quiet`, the records set
    // already) or by the user in Vue Flow, which knows only the nodes in its store: a box, or a
    // click without a multi-selection key, that deselects some of them replaces the selection,
    // so the selected nodes it does not hold are deselected with them.
    let quiet = false;
    function quietly(change) {
      quiet = true;
      try {
        change();
      } finally {
        quiet = false;
      }
    }
    flow.onNodesChange((changes) => {
      let replaced = false;
      for (const change of changes) {
        if (change.type !== "select" || !graph.has(change.id)) continue;
        graph.get(change.id).selected = change.selected;
        if (!change.selected && !quiet) replaced = true;
      }
      if (replaced && (flow.userSelectionRect.value || !flow.multiSelectionActive.value)) {
        for (const node of graphNodes()) {
          if (!inFlow.has(node.id)) node.selected = false;
        }
      }
      queueSelection(changes);
    });
    flow.onEdgesChange((changes) => {
      for (const change of changes) {
        // A picked edge deselected goes back to being painted.
        if (change.type === "select" && !change.selected && picked.delete(change.id)) update();
      }
      queueSelection(changes);
    });

    // --- painted edges: picking one -------------------------------------------------------

    function paintedEdgeAt(event) {
      if (!windowed() || overview.value) return null;
      const point = flow.screenToFlowCoordinate({ x: event.clientX, y: event.clientY });
      return edgeNear(point, paintedEdges(), (id) => graph.get(id), PICK_PX / flow.viewport.value.zoom)?.id ?? null;
    }

    // The edge alone selected, held by Vue Flow (drawn selected, deleted with the Delete key).
    function pickEdge(id) {
      picked.add(id);
      for (const node of graphNodes()) node.selected = false;
      syncWindow();
      const edge = flow.findEdge(id);
      if (edge) quietly(() => flow.addSelectedEdges([edge]));
      queueSelection([{ type: "select" }]);
      update();
    }

    // Vue Flow clears the selection just after it tells of a pane click: pick after that.
    flow.onPaneClick((event) => {
      const id = paintedEdgeAt(event);
      if (id) setTimeout(() => pickEdge(id), 0);
    });

    let hoverQueued = false;
    let lastMove = null;
    // Over a painted edge the pointer says it can be clicked; checked at most once a frame.
    function hoverPaintedEdges(event) {
      lastMove = event;
      if (hoverQueued) return;
      hoverQueued = true;
      requestAnimationFrame(() => {
        hoverQueued = false;
        const over = Boolean(lastMove.target?.classList?.contains("vue-flow__pane") && paintedEdgeAt(lastMove));
        root.value?.classList.toggle("swarm-edge-hover", over);
      });
    }

    function clearSelection() {
      for (const node of graphNodes()) node.selected = false; // those outside Vue Flow's store too
      quietly(() => {
        flow.removeSelectedNodes(flow.getSelectedNodes.value);
        flow.removeSelectedEdges(flow.getSelectedEdges.value);
      });
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

    flow.onPaneContextMenu((event) => {
      const id = paintedEdgeAt(event);
      if (!id) {
        openMenu("pane", null, event);
        return;
      }
      pickEdge(id);
      openMenu("edge", id, event);
    });
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
      if (windowed() && !overview.value) hoverPaintedEdges(event);
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
              minZoom: MIN_ZOOM,
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
                  // Only the minimap painted then: repainting the edges too, a frame after
                  // a zoom into cards had painted them, made that step a frame longer.
                  onCanvas: (element) => {
                    miniMap = element;
                    if (element) requestAnimationFrame(() => miniMap && paintMiniMap(miniMap, graphNodes(), flow, runs));
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
