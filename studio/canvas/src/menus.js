// The canvas's pop-ups: the right-click menu (of the pane, a node or an edge) and quick add (a
// search of node kinds and examples). Both sit in the canvas at the pointer and close on Escape,
// on a choice, or on a press anywhere else.
import { computed, h, nextTick, onMounted, ref } from "vue";

// What each right-click menu offers: [action, label, icon]. `add` and `fit` are the canvas's own;
// the others are reported as a `menu` event (README.md).
export const MENUS = {
  pane: [
    ["add", "Add a node here…", "add_box"],
    ["note", "Add a sticky note here", "sticky_note_2"],
    ["group", "Add a group here", "select_all"],
    ["paste", "Paste", "content_paste"],
    ["select_all", "Select all", "done_all"],
    ["tidy", "Tidy up", "account_tree"],
    ["fit", "Fit the graph in view", "fit_screen"],
  ],
  node: [
    ["rename", "Rename…", "edit"],
    ["duplicate", "Duplicate", "content_copy"],
    ["run_one", "Run this node only", "play_arrow"],
    ["run_from", "Re-run from here", "replay"],
    ["delete", "Delete", "delete"],
  ],
  edge: [["delete", "Delete the edge", "delete"]],
  annotation: [
    ["edit", "Edit the text…", "edit"],
    ["delete", "Delete", "delete"],
  ],
};

const icon = (name) => h("i", { class: "material-icons", "aria-hidden": "true" }, name);

export const ContextMenu = {
  name: "ContextMenu",
  props: ["menu", "onChoose"],
  setup(props) {
    const root = ref(null);
    onMounted(() => root.value?.querySelector("button")?.focus({ preventScroll: true }));
    function onKeydown(event) {
      const buttons = [...root.value.querySelectorAll("button")];
      const index = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        event.stopPropagation();
        const step = event.key === "ArrowDown" ? 1 : -1;
        buttons[(index + step + buttons.length) % buttons.length]?.focus();
      }
    }
    return () => {
      const { x, y, target } = props.menu;
      return h(
        "div",
        {
          ref: root,
          class: "swarm-menu nodrag nopan nowheel",
          role: "menu",
          "aria-label": `${target} menu`,
          "data-target": target,
          style: { left: `${x}px`, top: `${y}px` },
          onKeydown,
          onContextmenu: (event) => event.preventDefault(),
        },
        MENUS[target].map(([action, label, iconName]) =>
          h("button", {
            type: "button",
            role: "menuitem",
            class: "swarm-menu__item",
            "data-action": action,
            onClick: () => props.onChoose(action),
          }, [icon(iconName), h("span", label)]),
        ),
      );
    };
  },
};

function matches(item, words) {
  const text = `${item.label} ${item.detail ?? ""} ${item.group ?? ""}`.toLowerCase();
  return words.every((word) => text.includes(word));
}

export const QuickAdd = {
  name: "QuickAdd",
  props: ["quick", "items", "onChoose", "onClose"],
  setup(props) {
    const query = ref("");
    const active = ref(0);
    const input = ref(null);
    // Dragged from a node's output: only kinds that take an input (and the reverse); examples are
    // whole graphs and are offered only on empty canvas.
    const offered = computed(() => {
      const from = props.quick.from;
      return (props.items ?? []).filter((item) => {
        if (!from) return true;
        if (item.group !== "Nodes") return false;
        return from.handle === "source" ? item.has_inputs : item.has_outputs;
      });
    });
    const shown = computed(() => {
      const words = query.value.toLowerCase().split(/\s+/).filter(Boolean);
      return offered.value.filter((item) => matches(item, words));
    });
    onMounted(() => nextTick(() => input.value?.focus({ preventScroll: true })));

    function choose(item) {
      if (item) props.onChoose(item);
    }
    function onKeydown(event) {
      event.stopPropagation(); // typing here is not a canvas shortcut
      const count = shown.value.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (count) active.value = (active.value + (event.key === "ArrowDown" ? 1 : -1) + count) % count;
      } else if (event.key === "Enter") {
        event.preventDefault();
        choose(shown.value[Math.min(active.value, count - 1)]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        props.onClose();
      }
    }
    return () => {
      const { x, y, from } = props.quick;
      const list = shown.value;
      let group = null;
      const rows = [];
      list.forEach((item, index) => {
        if (item.group !== group) {
          group = item.group;
          rows.push(h("div", { class: "swarm-quick__group", role: "presentation" }, group));
        }
        rows.push(h("div", {
          class: ["swarm-quick__item", index === Math.min(active.value, list.length - 1) ? "swarm-quick__item--active" : ""],
          role: "option",
          "aria-selected": index === active.value ? "true" : "false",
          "data-item": item.id,
          onMousedown: (event) => event.preventDefault(), // keep the focus in the search field
          onMouseenter: () => { active.value = index; },
          onClick: () => choose(item),
        }, [
          icon(item.icon || "add"),
          h("span", { class: "swarm-quick__label" }, item.label),
          item.detail ? h("span", { class: "swarm-quick__detail", title: item.detail }, item.detail) : null,
        ]));
      });
      return h("div", {
        class: "swarm-quick nodrag nopan nowheel",
        role: "dialog",
        "aria-label": "Quick add",
        style: { left: `${x}px`, top: `${y}px` },
        onContextmenu: (event) => event.preventDefault(),
      }, [
        h("input", {
          ref: input,
          class: "swarm-quick__search",
          type: "search",
          placeholder: from ? "Add a node connected to it…" : "Search node kinds and examples…",
          "aria-label": "Search node kinds and examples",
          value: query.value,
          onInput: (event) => {
            query.value = event.target.value;
            active.value = 0;
          },
          onKeydown,
        }),
        h("div", { class: "swarm-quick__list", role: "listbox" },
          rows.length ? rows : [h("div", { class: "swarm-quick__empty" }, "Nothing matches")]),
      ]);
    };
  },
};
