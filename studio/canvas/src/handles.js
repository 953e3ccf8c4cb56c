// A card's handles, without Vue Flow's <Handle> component: two of those per card were a quarter
// of the time zooming into a large graph's cards took (199 → 149 ms in the browser for 56 cards,
// median of 7, interleaved), for what is, once drawn, a dot that starts a connection when pressed.
//
// The element is what <Handle> renders (its classes and data attributes are what Vue Flow reads:
// its handle bounds, the handle under the pointer while connecting, the nodrag/nopan classes
// that keep a press on it from dragging the card or panning), and one `useHandle` for the whole
// canvas starts a connection from whichever handle was pressed (its node and type read then).
import { h, inject, provide } from "vue";
import { useHandle, useVueFlow } from "@vue-flow/core";

const KEY = Symbol("swarm-handles");
const CLASSES = "vue-flow__handle-null nodrag nopan connectable connectablestart connectableend connectionindicator";

// In the canvas's setup, under the same Vue Flow store as its <VueFlow>.
export function provideHandles() {
  const { id: flowId } = useVueFlow();
  const pressed = { nodeId: null, type: "source" };
  const { handlePointerDown, handleClick } = useHandle({
    nodeId: () => pressed.nodeId,
    handleId: null,
    type: () => pressed.type,
  });
  const take = (event) => {
    const element = event.currentTarget;
    pressed.nodeId = element.dataset.nodeid;
    pressed.type = element.classList.contains("target") ? "target" : "source";
  };
  const onPress = (event) => {
    if (event.type === "mousedown" && event.button !== 0) return;
    take(event);
    handlePointerDown(event);
  };
  const onClick = (event) => {
    take(event);
    handleClick(event);
  };
  provide(KEY, { flowId, onPress, onClick });
}

// The render function's handle: `type` source (on the right) or target (on the left).
export function useCardHandles() {
  const { flowId, onPress, onClick } = inject(KEY);
  return (nodeId, type) => {
    const position = type === "source" ? "right" : "left";
    return h("div", {
      class: `vue-flow__handle vue-flow__handle-${position} ${CLASSES} ${type}`,
      "data-id": `${flowId}-${nodeId}-null-${type}`,
      "data-nodeid": nodeId,
      "data-handlepos": position,
      onMousedown: onPress,
      onTouchstartPassive: onPress,
      onClick,
    });
  };
}
