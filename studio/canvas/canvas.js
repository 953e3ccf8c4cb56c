// NiceGUI's side of the canvas: Python's run_method calls land on these methods, and the
// component's events go to Python. The Vue Flow work lives in the bundle (src/).
import { EVENTS, SwarmCanvas } from "swarm-canvas";

// NOTE: the method names are the contract in README.md and canvas.py; the event names have one
// home, src/events.json, which the bundle exports and canvas.py reads.

export default {
  components: { SwarmCanvas },
  emits: EVENTS,
  props: { quickAdd: { type: Array, default: () => [] } },
  template: `<div class="swarm-canvas-host"><swarm-canvas ref="flow" :quick-add="quickAdd" v-on="listeners" /></div>`,
  computed: {
    listeners() {
      return Object.fromEntries(EVENTS.map((name) => [name, (payload) => this.$emit(name, payload)]));
    },
  },
  methods: {
    load(nodes, edges, annotations) {
      return this.$refs.flow.load(nodes, edges, annotations ?? []).then(() => true);
    },
    apply(ops) {
      this.$refs.flow.apply(ops);
      return true;
    },
    select(nodeIds) {
      this.$refs.flow.select(nodeIds);
    },
    fit_view() {
      return this.$refs.flow.fitView().then(() => true);
    },
    flash_path(nodeIds) {
      this.$refs.flow.flashPath(nodeIds);
    },
    reveal(nodeIds) {
      return this.$refs.flow.reveal(nodeIds).then(() => true);
    },
    set_states(states) {
      this.$refs.flow.setStates(states);
    },
  },
};
