// The node card: kind icon, title, tier badge, model, problems, run state; handles per kind.
// Every string a user typed is a text child or an attribute value here, never HTML.
import { h } from "vue";
import { useCardHandles } from "./handles.js";

const STATE_ICONS = {
  queued: "schedule",
  running: "autorenew",
  retrying: "replay",
  escalated: "trending_up",
  succeeded: "check_circle",
  failed: "error",
  skipped: "redo",
  cancelled: "cancel",
  cached: "bolt",
  pinned: "push_pin",
};

const icon = (name, extraClass = "") => h("i", { class: `material-icons ${extraClass}`, "aria-hidden": "true" }, name);

function tierText(tier) {
  if (tier === undefined || tier === null || tier === "") return "";
  return tier === "auto" ? "auto" : `T${tier}`;
}

function costText(cost) {
  return typeof cost === "number" ? `$${cost < 0.01 ? cost.toFixed(4) : cost.toFixed(2)}` : "";
}

function problemsBadge(problems) {
  if (!problems?.length) return null;
  return h(
    "span",
    { class: "swarm-node__problems", title: problems.join("\n"), "data-count": problems.length },
    [icon("warning"), String(problems.length)],
  );
}

function runBadge(run) {
  if (!run?.state) return null;
  const text = [run.label || run.state, costText(run.cost)].filter(Boolean).join(" · ");
  return h("span", { class: "swarm-node__state", title: text }, [icon(STATE_ICONS[run.state] ?? "help", "swarm-node__state-icon"), text]);
}

export default {
  name: "SwarmNode",
  inheritAttrs: false, // Vue Flow passes many props; none belong in the DOM as attributes
  props: ["id", "data", "selected"],
  setup(props) {
    const handle = useCardHandles();
    return () => {
      const data = props.data;
      const run = data.run;
      const tier = run?.tier ?? data.tier;
      const model = run?.model ?? data.model ?? "";
      // Three rows (a fourth, the output preview, after a run), each the card's full width, so that a long model name and a long run
      // label never share a row and cut each other off.
      return h("div", { class: ["swarm-node", `swarm-kind-${data.kind}`] }, [
        data.has_inputs ? handle(props.id, "target") : null,
        h("div", { class: "swarm-node__head" }, [
          icon(data.icon || "help_outline", "swarm-node__icon"),
          h("span", { class: "swarm-node__title", title: data.title || props.id }, data.title || props.id),
          problemsBadge(data.problems),
        ]),
        h("div", { class: "swarm-node__meta" }, [
          tierText(tier) ? h("span", { class: `swarm-node__tier swarm-tier-${tier}` }, tierText(tier)) : null,
          // A node without a model (input, output) names its kind there instead.
          h("span", { class: "swarm-node__model", title: model }, model || (tierText(tier) ? "" : data.kind)),
        ]),
        h("div", { class: "swarm-node__run" }, [runBadge(run)]),
        // The last run's output, one line (all of it, up to a few lines' worth, on hover).
        run?.preview ? h("div", { class: "swarm-node__preview", title: run.preview }, run.preview) : null,
        data.has_outputs ? handle(props.id, "source") : null,
      ]);
    };
  },
};
