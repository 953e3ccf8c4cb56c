"""What learning from escalations saves: ten runs in a row of a graph whose tier-3 nodes fail
often, without learning and with it, on the simulated provider.

    .venv/bin/python benchmarks/bench_learning.py [--runs 10] [--fail-rate 1.0 0.9]

The graph has four `tier: auto` agents: a plan (the router says tier 1), an extraction (tier 2)
and two rote steps (tier 3) that allow one retry. The simulated provider's fault injection is
made tier-dependent here: each call at tier 3 replies invalid JSON with probability
`--fail-rate` (decided by a hash of the run's number, the node and the attempt, so both arms
meet the same faults where they make the same call), as a too-weak model would; calls at tiers
1 and 2 succeed. A rote step therefore usually fails twice at tier 3 and escalates to tier 2.

Each arm stores its runs in a fresh SQLite database, as the app does, and compiles every run
with `history_for` (learning on) or without a history (learning off). Printed per fail rate:
each run's cost, the rote steps' share of it, the tier each rote step started at and whether it
escalated, and the totals side by side, with the model time the rote steps waited (at the
simulated provider's default latencies: 300 ms a tier-3 call, 700 ms a tier-2 one).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault('LITELLM_LOCAL_MODEL_COST_MAP', 'True')

from nodes.engine import MissionController  # noqa: E402
from nodes.graph import Graph  # noqa: E402
from nodes.plan import compile_graph  # noqa: E402
from nodes.providers.simulated import DEFAULT_LATENCY_MS, SimulatedProvider  # noqa: E402
from storage.db import connect  # noqa: E402
from storage.graphs import GraphRepository  # noqa: E402
from storage.routing_history import history_for  # noqa: E402
from storage.runs import RunRepository  # noqa: E402

LIST = {'type': 'object', 'properties': {'items': {'type': 'array', 'items': {'type': 'string'}}}, 'required': ['items']}
ROTE = ('tidy', 'sort')


def agent(node_id: str, prompt: str, **config) -> dict:
    return {'id': node_id, 'kind': 'agent', 'config': {'tier': 'auto', 'prompt': prompt, **config}}


GRAPH = Graph.model_validate({
    'format': 'swarm-studio/graph', 'version': 1, 'name': 'Learning from escalations',
    'nodes': [
        {'id': 'brief', 'kind': 'input', 'config': {'fields': [{'name': 'company', 'type': 'string'}]}},
        agent('plan', 'Plan a competitive analysis of {{ brief.company }}: the strategy questions to answer '
                      'and how to answer them.'),
        agent('extract', 'Extract the competitor names mentioned in this plan.\n{{ plan }}', output_schema=LIST),
        agent('tidy', 'Format as a numbered list: {{ plan }}', output_schema=LIST, max_retries=1),
        agent('sort', 'Sort these names alphabetically: {{ extract }}', output_schema=LIST, max_retries=1),
    ],
    'edges': [{'id': 'e1', 'source': 'brief', 'target': 'plan'}, {'id': 'e2', 'source': 'plan', 'target': 'extract'},
              {'id': 'e3', 'source': 'plan', 'target': 'tidy'}, {'id': 'e4', 'source': 'extract', 'target': 'sort'}]})


class WeakTier3(SimulatedProvider):
    """The simulated provider whose tier-3 calls reply invalid JSON `fail_rate` of the time."""

    def __init__(self, fail_rate: float, run_number: int) -> None:
        super().__init__(latency_ms=0)
        self.fail_rate = fail_rate
        self.run_number = run_number

    def _fault(self, request):
        if request.tier != 3:
            return None
        digest = hashlib.sha256(f'{self.run_number}:{request.node_id}:{request.attempt}'.encode()).digest()
        return 'invalid_json' if int.from_bytes(digest[:4], 'big') / 2 ** 32 < self.fail_rate else None


def run_series(runs: int, fail_rate: float, learning: bool) -> list[tuple[Decimal, Decimal, float, dict[str, str]]]:
    """Per run: its cost, its rote steps' cost, their model time (s) and, per rote step, its
    starting tier and whether it escalated."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        engine = connect(str(Path(folder) / 'runs.sqlite'))
        graphs, repository = GraphRepository(engine), RunRepository(engine)
        graph_id = graphs.create(GRAPH)
        version_id = graphs.current_version(graph_id).id
        for number in range(runs):
            provider = WeakTier3(fail_rate, number)
            history = history_for(engine, GRAPH, provider.simulated) if learning else None
            plan = compile_graph(GRAPH, provider=provider, history=history)
            recorder = repository.recorder(graph_id=graph_id, graph_version_id=version_id)
            summary = asyncio.run(MissionController(plan, subscribers=[recorder]).run({'company': 'Acme'}))
            assert summary.status == 'succeeded', summary.error
            steps, rote_cost, waited = {}, Decimal(0), 0.0
            for node_id in ROTE:
                attempts = summary.nodes[node_id].attempts
                ended = attempts[-1].tier
                steps[node_id] = f'{attempts[0].tier}' + (f'->{ended}' if ended != attempts[0].tier else '')
                rote_cost += sum((attempt.cost_usd for attempt in attempts), Decimal(0))
                waited += sum(DEFAULT_LATENCY_MS[attempt.tier] for attempt in attempts) / 1000
            results.append((summary.cost_usd, rote_cost, waited, steps))
        engine.dispose()
    return results


def report(runs: int, fail_rate: float) -> None:
    plain = run_series(runs, fail_rate, learning=False)
    learned = run_series(runs, fail_rate, learning=True)
    print(f'== tier-3 calls fail {fail_rate:.0%} of the time: {runs} runs, without learning | with learning')
    print(f'{"run":>5s}  {"cost":>10s} {"rote":>10s} {"tiers":>10s} | {"cost":>10s} {"rote":>10s} {"tiers":>10s}')
    for number, (without, with_) in enumerate(zip(plain, learned), 1):
        print(f'{number:5d}  ' + ' | '.join(f'${cost:>9.6f} ${rote:>9.6f} {" ".join(steps.values()):>10s}'
                                           for cost, rote, _, steps in (without, with_)))

    def totals(results):
        return (sum(cost for cost, _, _, _ in results), sum(rote for _, rote, _, _ in results),
                sum(waited for _, _, waited, _ in results),
                sum('->' in tier for *_, steps in results for tier in steps.values()))
    (total, rote, waited, escalated), (total_l, rote_l, waited_l, escalated_l) = totals(plain), totals(learned)
    print(f'{"total":>5s}  ${total:>9.6f} ${rote:>9.6f} {"":>10s} | ${total_l:>9.6f} ${rote_l:>9.6f}')
    print(f'learning: mission cost x{total_l / total:.3f} ({(total_l - total) / total:+.1%}), rote steps\' cost '
          f'x{rote_l / rote:.3f} ({(rote_l - rote) / rote:+.1%}), escalations {escalated} -> {escalated_l}, '
          f'rote steps\' model time {waited:.1f} s -> {waited_l:.1f} s\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--fail-rate', type=float, nargs='+', default=[1.0, 0.9])
    args = parser.parse_args()
    print('Learning from escalations (simulated provider, default catalog). tiers: where each rote step '
          '(tidy, sort) started, ->N: escalated to tier N\n')
    for fail_rate in args.fail_rate:
        report(args.runs, fail_rate)


if __name__ == '__main__':
    main()
