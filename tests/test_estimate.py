"""The cost estimate (nodes/estimate.py) and `swarm-studio estimate`: per node and in total, before anything is called."""
import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from nodes.catalog import Catalog
from nodes.engine import MissionController
from nodes.estimate import estimate_plan_now
from nodes.plan import compile_graph
from nodes.providers.simulated import SimulatedProvider
from nodes.validation import load_graph
from studio.cli import main

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / 'assets' / 'examples'
INPUTS = {'competitor-brief': {'company': 'Acme'}, 'research-swarm': {},
          'code-review-swarm': {'title': 'Fix the cache', 'diff': '--- a/x.py\n+++ b/x.py\n@@\n-a = 1\n+a = 2\n'}}
pytestmark = pytest.mark.usefixtures('no_provider_keys')


class CountingProvider(SimulatedProvider):
    """The simulated provider, counting the calls made to it."""

    def __init__(self) -> None:
        super().__init__(latency_ms=0)
        self.calls = 0

    async def complete(self, request):
        self.calls += 1
        return await super().complete(request)


def plan_of(document: dict, provider=None, catalog=None):
    return compile_graph(load_graph(json.dumps(document)), catalog, provider or SimulatedProvider(latency_ms=0))


def example(name: str) -> dict:
    return json.loads((EXAMPLES / f'{name}.json').read_text())


@pytest.mark.parametrize('name', sorted(INPUTS))
def test_on_the_simulated_provider_a_fault_free_estimate_is_what_the_run_costs(name):
    provider = CountingProvider()
    plan = plan_of(example(name), provider)
    inputs = MissionController(plan).check_inputs(INPUTS[name])
    estimate = estimate_plan_now(plan, inputs)
    assert provider.calls == 0  # nothing was called
    summary = asyncio.run(MissionController(plan).run(inputs))
    assert summary.status == 'succeeded' and provider.calls > 0
    agents = [node_id for node_id, planned in plan.nodes.items() if planned.route is not None]
    assert sorted(estimate.nodes) == sorted(agents)
    for node_id, node in estimate.nodes.items():
        result = summary.nodes[node_id]
        assert (node.input_tokens, node.output_tokens) == (result.input_tokens, result.output_tokens), node_id
        assert node.expected_usd == node.low_usd == result.cost_usd, node_id
        assert node.tier == plan.nodes[node_id].route.tier and node.model == result.model
    assert estimate.expected_usd == summary.cost_usd
    assert estimate.flagship_usd == summary.flagship_cost_usd
    assert estimate.savings_pct == pytest.approx(summary.savings_pct)


def test_high_counts_every_retry_and_escalation_with_longer_prompts():
    document = example('competitor-brief')
    plan = plan_of(document)
    estimate = estimate_plan_now(plan, {'company': 'Acme'})
    tidy = estimate.nodes['tidy']  # tier 3, 2 retries: 3 attempts at each of tiers 3, 2 and 1
    assert tidy.max_attempts == 9
    catalog = plan.catalog
    from nodes.estimate import FEEDBACK_TOKENS
    expected_high = sum((catalog.primary(tier).price.cost(tidy.input_tokens + retry * (tidy.output_tokens + FEEDBACK_TOKENS),
                                                         tidy.output_tokens)
                         for tier in (3, 2, 1) for retry in range(3)), Decimal(0))
    assert tidy.high_usd == expected_high
    assert tidy.low_usd < tidy.high_usd and estimate.low_usd <= estimate.expected_usd < estimate.high_usd


def test_injected_faults_are_expected_and_the_total_lands_near_the_run():
    document = example('research-swarm')
    for node in document['nodes']:
        if node['kind'] == 'agent':
            node['config']['simulate'] = {'fail_first': 4 if node['config']['tier'] == 3 else 1}
    plan = plan_of(document)
    inputs = MissionController(plan).check_inputs({})
    estimate = estimate_plan_now(plan, inputs)
    summary = asyncio.run(MissionController(plan).run(inputs))
    assert estimate.expected_usd > estimate.low_usd
    error = abs(float(estimate.expected_usd) / float(summary.cost_usd) - 1)
    assert error <= 0.25, f'expected ${estimate.expected_usd} vs actual ${summary.cost_usd}'


def test_an_unpriced_model_makes_its_node_unknown_not_free():
    catalog = Catalog.from_dict({'tiers': {'1': ['claude-opus-4-5'], '2': ['claude-sonnet-4-5'],
                                           '3': ['ollama/nobody-prices-me']}})
    estimate = estimate_plan_now(plan_of(example('competitor-brief'), catalog=catalog), {'company': 'Acme'})
    assert estimate.nodes['tidy'].expected_usd is None and estimate.unpriced_nodes == ['tidy']
    assert estimate.expected_usd == estimate.nodes['plan'].expected_usd


def test_estimate_command_prints_each_node_and_the_range(tmp_path, capsys):
    db = str(tmp_path / 'estimate.sqlite')
    assert main(['estimate', str(EXAMPLES / 'competitor-brief.json'), '--input', 'company=Acme', '--db', db]) == 0
    text = capsys.readouterr().out
    assert text.startswith('estimate of Competitor brief (simulated; nothing was called)')
    assert 'plan            1     claude-opus-4-5' in text and 'tidy            3     gpt-4o-mini' in text
    assert 'total: expected $0.001243 (low $0.001243, high $' in text
    assert 'flagship-only $0.003755: expected saving 66.9%' in text
    assert main(['estimate', str(EXAMPLES / 'competitor-brief.json'), '--input', 'company=Acme', '--json',
                 '--db', db]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document['expected_usd'] == pytest.approx(0.001243) and set(document['nodes']) == {'plan', 'tidy'}
    assert document['nodes']['plan']['reason'] is None and document['nodes']['plan']['tier'] == 1
    assert main(['estimate', str(EXAMPLES / 'competitor-brief.json'), '--db', db]) == 1
    assert 'missing input "company"' in capsys.readouterr().err
    assert main(['runs', '--json', '--db', db]) == 0
    assert json.loads(capsys.readouterr().out) == []  # an estimate records no run


def test_an_auto_node_gives_the_routers_reason():
    document = example('competitor-brief')
    document['nodes'][2]['config']['tier'] = 'auto'
    estimate = estimate_plan_now(plan_of(document), {'company': 'Acme'})
    assert estimate.nodes['tidy'].reason and estimate.nodes['tidy'].reason == plan_of(document).nodes['tidy'].route.reason
