// The bundle canvas.js imports as "swarm-canvas": the canvas component, with its styles.
import flowCss from "@vue-flow/core/dist/style.css?inline";
import themeCss from "@vue-flow/core/dist/theme-default.css?inline";
import resizerCss from "@vue-flow/node-resizer/dist/style.css?inline";
import canvasCss from "./canvas.css?inline";

// Injected once, when the module is first imported, so the page needs no extra <link>.
const style = document.createElement("style");
style.dataset.swarmCanvas = "";
style.textContent = [flowCss, themeCss, resizerCss, canvasCss].join("\n");
document.head.append(style);

export { default as SwarmCanvas } from "./SwarmCanvas.js";
// The one home of the canvas's event names (canvas.js and canvas.py read it too).
export { default as EVENTS } from "./events.json";
