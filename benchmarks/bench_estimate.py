"""How close the cost estimate (nodes/estimate.py) comes to what runs actually cost.

    .venv/bin/python benchmarks/bench_estimate.py

Each example (assets/examples) is estimated, then run on the simulated provider (made-up
replies, real token counts, real prices), in three scenarios: as written; every agent's first
reply invalid (one retry each); every tier-3 agent failing until it escalates. For each, per
node and per mission, the expected estimate's error against the actual cost is printed, with
whether the actual cost fell inside the low-high range. Beside it, the same graphs estimated
with the live provider's sizing (`LiveProvider.estimate_tokens`: the reply guessed from the
schema, or 400 tokens of text), which is what a live run's estimate rests on, against the same
simulated actual cost. (tests/graphs holds only invalid graphs: nothing there can run.)
Target: the mission's expected total within ±25% of the actual cost.
"""
from __future__ import annotations

import asyncio
import copy
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')

from nodes.engine import MissionController  # noqa: E402
from nodes.estimate import estimate_plan_now  # noqa: E402
from nodes.graph import Graph  # noqa: E402
from nodes.plan import compile_graph  # noqa: E402
from nodes.providers.live import LiveProvider  # noqa: E402
from nodes.providers.simulated import SimulatedProvider  # noqa: E402
from nodes.validation import load_graph  # noqa: E402
from benchmarks.generate import example_inputs  # noqa: E402

TARGET = 0.25


def faulted(graph: Graph, failing: int | None) -> Graph:
    """`failing` None: the graph as written; 1: every agent's first reply invalid; -1: tier-3 agents
    fail every attempt at tier 3 (and escalate)."""
    if failing is None:
        return graph
    changed = copy.deepcopy(graph)
    for node in changed.nodes:
        if node.kind != 'agent':
            continue
        count = failing
        if failing == -1:
            if node.config.get('tier') != 3:
                continue
            count = node.config.get('max_retries', 2) + 1
        node.config['simulate'] = {**node.config.get('simulate', {}), 'fail_first': count, 'failure': 'invalid_json'}
    return changed


def error_pct(estimated: float, actual: float) -> float:
    return 100.0 * (estimated - actual) / actual if actual else 0.0


def main() -> None:
    scenarios = {'as written': None, 'first reply invalid': 1, 'tier 3 escalates': -1}
    print(f'{"example":<20}{"scenario":<22}{"actual":>11}{"expected":>11}{"error":>8}{"low":>11}{"high":>11}'
          f'{"in range":>10}{"live sizing":>13}{"error":>8}  worst node (error)')
    worst_mission = 0.0
    worst_live = 0.0
    for path in sorted((ROOT / 'assets' / 'examples').glob('*.json')):
        written = load_graph(path.read_text())
        for scenario, failing in scenarios.items():
            graph = faulted(written, failing)
            plan = compile_graph(graph, None, SimulatedProvider(latency_ms=0))
            inputs = MissionController(plan).check_inputs(example_inputs(graph))
            estimate = estimate_plan_now(plan, inputs)
            live = estimate_plan_now(compile_graph(graph, None, LiveProvider()), inputs)
            summary = asyncio.run(MissionController(plan).run(inputs))
            actual = float(summary.cost_usd)
            expected = float(estimate.expected_usd)
            mission_error = error_pct(expected, actual)
            live_error = error_pct(float(live.expected_usd), actual)
            worst_mission = max(worst_mission, abs(mission_error))
            worst_live = max(worst_live, abs(live_error))
            node_errors = {node_id: error_pct(float(node.expected_usd), float(summary.nodes[node_id].cost_usd))
                           for node_id, node in estimate.nodes.items() if summary.nodes[node_id].cost_usd}
            worst_node = max(node_errors, key=lambda node_id: abs(node_errors[node_id]))
            inside = float(estimate.low_usd) <= actual <= float(estimate.high_usd)
            print(f'{written.name:<20}{scenario:<22}{actual:>11.6f}{expected:>11.6f}{mission_error:>+7.1f}%'
                  f'{float(estimate.low_usd):>11.6f}{float(estimate.high_usd):>11.6f}{"yes" if inside else "NO":>10}'
                  f'{float(live.expected_usd):>13.6f}{live_error:>+7.1f}%  {worst_node} ({node_errors[worst_node]:+.1f}%)')
    print(f'\nworst mission error: {worst_mission:.1f}% with the simulated provider\'s sizing '
          f'(target ±{TARGET:.0%}: {"met" if worst_mission <= 100 * TARGET else "NOT met"}); '
          f'{worst_live:.1f}% with the live provider\'s sizing')


if __name__ == '__main__':
    main()
