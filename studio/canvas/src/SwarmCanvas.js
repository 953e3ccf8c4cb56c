// The canvas: Vue Flow showing a graph that Python owns. User actions become events; the
// graph changes only through load/apply (README.md is the contract).
import { h, markRaw, nextTick, ref, watch } from "vue";
import { ConnectionMode, VueFlow, useVueFlow } from "@vue-flow/core";
import { Background } from "@vue-flow/background";
import { Controls } from "@vue-flow/controls";
import { MiniMap } from "@vue-flow/minimap";
import SwarmNode from "./SwarmNode.js";
import { edgeId, nodeClass, toFlowEdge, toFlowNode, updateFlowNode } from "./view.js";

const FLASH_MS = 2000;
const NODE_TYPES = { swarm: markRaw(SwarmNode) };
const SHORTCUTS = { z: "undo", y: "redo", c: "copy", v: "paste", s: "save", a: "select_all" };

function isTextInput(target) {
  return target?.closest?.("input, textarea, select, [contenteditable=''], [contenteditable='true']");
}

const round = (value) => Math.round(value);

export default {
  name: "SwarmCanvas",
  emits: ["connect", "move", "delete", "selection", "drop", "key", "node_click"],
  setup(props, { emit, expose }) {
    const flow = useVueFlow();
    const root = ref(null);
    let flashed = { nodes: [], edges: [], timer: null };
    let dragFrom = new Map();
    let lastSelection = "[[],[]]";
    let selectionQueued = false;

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

    async function fitView() {
      await viewportReady();
      await nextTick();
      await flow.fitView({ padding: 0.1, duration: 0 });
    }

    function refreshClass(node) {
      node.class = nodeClass(node.data, flashed.nodes.includes(node.id));
    }

    // Edges into a running node animate; one pass over the edges per batch of state changes.
    function refreshEdgeAnimation() {
      const running = new Set(flow.nodes.value.filter((node) => node.data.run?.state === "running").map((node) => node.id));
      for (const edge of flow.edges.value) {
        const animated = running.has(edge.target);
        if (edge.animated !== animated) edge.animated = animated;
      }
    }

    function load(nodes, edges) {
      clearFlash();
      // Vue Flow's setNodes ignores an empty list before it is initialised; assign instead.
      flow.nodes.value = [];
      flow.edges.value = [];
      if (nodes.length) flow.setNodes(nodes.map(toFlowNode));
      if (edges.length) flow.setEdges(edges.map(toFlowEdge));
      refreshEdgeAnimation();
      return fitView();
    }

    function apply(ops) {
      const newNodes = [];
      const newEdges = [];
      const removedNodes = [];
      const removedEdges = [];
      let statesChanged = false;
      for (const op of ops) {
        if (op.op === "add_node") {
          const existing = flow.findNode(op.node.id);
          if (existing) {
            updateFlowNode(existing, op.node);
            refreshClass(existing);
          } else {
            newNodes.push(toFlowNode(op.node));
          }
          statesChanged ||= "state" in op.node;
        } else if (op.op === "update_node") {
          const node = flow.findNode(op.id);
          if (!node) continue;
          updateFlowNode(node, op.changes);
          refreshClass(node);
          statesChanged ||= "state" in op.changes;
        } else if (op.op === "remove_node") {
          removedNodes.push(op.id);
        } else if (op.op === "add_edge") {
          const edge = toFlowEdge(op.edge);
          if (!flow.findEdge(edge.id)) newEdges.push(edge);
        } else if (op.op === "remove_edge") {
          removedEdges.push(op.id);
        } else {
          console.warn("swarm-canvas: unknown op", op);
        }
      }
      // Adds first (an edge may join a node added in the same batch), then removals.
      if (newNodes.length) flow.addNodes(newNodes);
      if (newEdges.length) flow.addEdges(newEdges);
      const edgesToRemove = removedEdges.filter((id) => flow.findEdge(id));
      if (edgesToRemove.length) flow.removeEdges(edgesToRemove);
      const nodesToRemove = removedNodes.filter((id) => flow.findNode(id));
      if (nodesToRemove.length) flow.removeNodes(nodesToRemove);
      if (statesChanged || newEdges.length) refreshEdgeAnimation();
    }

    function select(nodeIds) {
      const nodes = nodeIds.map((id) => flow.findNode(id)).filter(Boolean);
      flow.addSelectedNodes(nodes); // selects exactly these, deselects everything else
    }

    function clearFlash() {
      clearTimeout(flashed.timer);
      const { nodes, edges } = flashed;
      flashed = { nodes: [], edges: [], timer: null };
      for (const id of nodes) {
        const node = flow.findNode(id);
        if (node) refreshClass(node);
      }
      for (const id of edges) {
        const edge = flow.findEdge(id);
        if (edge) edge.class = "";
      }
    }

    function flashPath(nodeIds) {
      clearFlash();
      const edges = [];
      for (let i = 0; i + 1 < nodeIds.length; i++) {
        const edge = flow.findEdge(edgeId(nodeIds[i], nodeIds[i + 1]));
        if (edge) {
          edge.class = "swarm-flash";
          edges.push(edge.id);
        }
      }
      flashed = { nodes: [...new Set(nodeIds)], edges, timer: setTimeout(clearFlash, FLASH_MS) };
      for (const id of flashed.nodes) {
        const node = flow.findNode(id);
        if (node) refreshClass(node);
      }
    }

    function setStates(states) {
      for (const [id, change] of Object.entries(states)) {
        const node = flow.findNode(id);
        if (!node) continue;
        const cleared = !change || ("state" in change && !change.state);
        node.data = { ...node.data, run: cleared ? null : { ...(node.data.run ?? {}), ...change } };
        refreshClass(node);
      }
      refreshEdgeAnimation();
    }

    expose({ load, apply, select, fitView, flashPath, setStates });

    // --- browser → Python -------------------------------------------------------------

    flow.onConnect(({ source, target }) => emit("connect", { source, target }));
    flow.onNodeClick(({ node }) => emit("node_click", { id: node.id }));

    const rememberDragStart = ({ nodes }) => {
      dragFrom = new Map(nodes.map((node) => [node.id, { ...node.position }]));
    };
    const reportMove = ({ nodes }) => {
      const moved = nodes
        .filter((node) => {
          const from = dragFrom.get(node.id);
          return !from || from.x !== node.position.x || from.y !== node.position.y;
        })
        .map((node) => ({ id: node.id, x: round(node.position.x), y: round(node.position.y) }));
      dragFrom = new Map();
      if (moved.length) emit("move", moved);
    };
    flow.onNodeDragStart(rememberDragStart);
    flow.onSelectionDragStart(rememberDragStart);
    flow.onNodeDragStop(reportMove);
    flow.onSelectionDragStop(reportMove);

    const selectedIds = () => [
      flow.getSelectedNodes.value.map((node) => node.id),
      flow.getSelectedEdges.value.map((edge) => edge.id),
    ];
    // Selection changes arrive one element at a time; report the settled selection once.
    const queueSelection = (changes) => {
      if (selectionQueued || !changes.some((change) => change.type === "select" || change.type === "remove")) return;
      selectionQueued = true;
      setTimeout(() => {
        selectionQueued = false;
        const [nodes, edges] = selectedIds();
        const key = JSON.stringify([nodes, edges]);
        if (key !== lastSelection) {
          lastSelection = key;
          emit("selection", { nodes, edges });
        }
      }, 0);
    };
    flow.onNodesChange(queueSelection);
    flow.onEdgesChange(queueSelection);

    function onKeydown(event) {
      if (isTextInput(event.target)) return;
      const modifier = event.ctrlKey || event.metaKey;
      if (!modifier && (event.key === "Delete" || event.key === "Backspace")) {
        const [nodes, edges] = selectedIds();
        if (nodes.length || edges.length) {
          event.preventDefault();
          emit("delete", { nodes, edges });
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

    const KIND_TYPE = "application/x-swarm-kind";
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

    return () =>
      h(
        "div",
        {
          ref: root,
          class: "swarm-canvas",
          tabindex: 0,
          onKeydown,
          onPointerdownCapture: onPointerdown,
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
              minZoom: 0.05,
              maxZoom: 2,
            },
            {
              default: () => [
                h(Background, { gap: 20 }),
                h(Controls, { showInteractive: false }),
                h(MiniMap, { pannable: true, zoomable: true }),
              ],
            },
          ),
        ],
      );
  },
};
