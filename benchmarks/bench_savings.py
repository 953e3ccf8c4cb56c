"""What routing saves on the example swarms, with the honest flagship counterfactual.

    .venv/bin/python benchmarks/bench_savings.py

Each example (assets/examples) runs on the simulated provider (made-up replies, real token
counts, real prices) under two catalogs: the default one, and one of the seed's models
(tier 1 o1, tier 2 GPT-4o, tier 3 GPT-4o-mini). The saving is measured against the
flagship-only cost of `nodes.costs.FLAGSHIP_DEFINITION` (per node, one tier-1 call: its first
prompt and its accepted reply). Two scenarios: the graphs as written, and every agent's first
reply invalid (one retry each, or an escalation where a node allows no retry), which shows
what retries cost. Beside each honest figure, the old definition (every attempt's tokens
priced on the flagship, retries included) is printed for comparison: the gap is how much
the old figure flattered routing.
"""
from __future__ import annotations

import asyncio
import copy
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')

from nodes.catalog import Catalog, ModelEntry, default_catalog  # noqa: E402
from nodes.costs import FLAGSHIP_DEFINITION, savings_pct  # noqa: E402
from nodes.engine import MissionController, RunSummary  # noqa: E402
from nodes.plan import compile_graph  # noqa: E402
from nodes.graph import Graph  # noqa: E402
from nodes.providers.simulated import SimulatedProvider  # noqa: E402
from nodes.validation import load_graph  # noqa: E402
from benchmarks.generate import example_inputs  # noqa: E402

SEED_CATALOG = Catalog({1: (ModelEntry('o1'),), 2: (ModelEntry('gpt-4o'),), 3: (ModelEntry('gpt-4o-mini'),)})
CATALOGS = {'default': default_catalog(), 'seed (o1/4o/4o-mini)': SEED_CATALOG}


def first_reply_invalid(graph: Graph) -> Graph:
    """The same graph with every agent's first reply invalid JSON."""
    faulty = copy.deepcopy(graph)
    for node in faulty.nodes:
        if node.kind == 'agent':
            node.config['simulate'] = {**node.config.get('simulate', {}), 'fail_first': 1, 'failure': 'invalid_json'}
    return faulty


def old_flagship(summary: RunSummary, catalog: Catalog) -> Decimal:
    """The former counterfactual: every attempt's tokens, failed ones included, on the flagship."""
    price = catalog.flagship.price
    return sum((price.cost(attempt.input_tokens, attempt.output_tokens)
                for result in summary.nodes.values() for attempt in result.attempts), Decimal(0))


def run(graph: Graph, catalog: Catalog) -> RunSummary:
    controller = MissionController(compile_graph(graph, catalog, SimulatedProvider(latency_ms=0)))
    return asyncio.run(controller.run(example_inputs(graph)))


def main() -> None:
    print('Savings against the ' + FLAGSHIP_DEFINITION + '\n')
    header = (f'{"example":<20} {"catalog":<21} {"scenario":<20} {"calls":>5} {"cost":>10} {"flagship-only":>13} '
              f'{"saved":>7}   {"old definition":>14} {"old/honest":>10}')
    print(header)
    print('-' * len(header))
    honest: dict[str, list[float]] = {name: [] for name in CATALOGS}
    for path in sorted((ROOT / 'assets' / 'examples').glob('*.json')):
        graph = load_graph(path.read_text())
        for catalog_name, catalog in CATALOGS.items():
            for scenario, variant in (('as written', graph), ('first reply invalid', first_reply_invalid(graph))):
                summary = run(variant, catalog)
                if summary.status != 'succeeded':
                    raise SystemExit(f'{graph.name} ({scenario}, {catalog_name}) did not succeed: {summary.status}')
                calls = sum(len(result.attempts) for result in summary.nodes.values())
                old = savings_pct(summary.cost_usd, old_flagship(summary, catalog))
                saved = summary.savings_pct
                if scenario == 'as written':
                    honest[catalog_name].append(saved)
                ratio = f'{old / saved:10.2f}' if saved > 0 else f'{"—":>10}'
                print(f'{graph.name:<20} {catalog_name:<21} {scenario:<20} {calls:>5} '
                      f'${float(summary.cost_usd):9.6f} ${float(summary.flagship_cost_usd):12.6f} '
                      f'{saved:6.1f}%   {old:13.1f}% {ratio}')
    print()
    for catalog_name, figures in honest.items():
        print(f'as written, {catalog_name} catalog: saved {min(figures):.1f}% to {max(figures):.1f}% '
              f'(seed claim: "up to 70%")')


if __name__ == '__main__':
    main()
